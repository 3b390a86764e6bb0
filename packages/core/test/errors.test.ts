import { describe, expect, it } from "vitest";
import { TransmitError } from "../src/index.ts";
import { errorFromResponse, passwordCodes, tokenSetFromJson } from "../src/responses.ts";
import { parseRetryAfter } from "../src/retry-after.ts";
import {
  caught,
  clientToken,
  FakeFetch,
  itEachEntry,
  json,
  LOGIN_ENTRIES,
  makeClient,
  type Responder,
  text,
  userTokens,
} from "./helpers.ts";

/** Logs in against `responder` through every entry point; both must fail alike. Returns the first one's result. */
async function authenticateAgainst(responder: Responder) {
  let first: { error: TransmitError; fake: FakeFetch } | undefined;
  for (const [entry, make] of LOGIN_ENTRIES) {
    const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", responder);
    const { client } = make(fake);
    const error = await caught(() => client.passwords.authenticate({ username: "alice", password: "pw" }));
    expect(error).toBeInstanceOf(TransmitError);
    if (first) expect({ entry, ...(error as TransmitError).toJSON() }).toEqual({ entry, ...first.error.toJSON() });
    else first = { error: error as TransmitError, fake };
  }
  return first as { error: TransmitError; fake: FakeFetch };
}

describe("error mapping of password authenticate", () => {
  const cases: [string, Responder, string, number][] = [
    ["401 without body", text("", 401), "invalid_credentials", 401],
    [
      "401 {message, error_code: 401}",
      json({ message: "Unauthorized", error_code: 401 }, 401),
      "invalid_credentials",
      401,
    ],
    [
      "400 {error_code: 'auth_invalid_credentials'} (symbolic string code)",
      json({ error_code: "auth_invalid_credentials", message: "Invalid credentials" }, 400),
      "invalid_credentials",
      400,
    ],
    [
      "404 user_not_found",
      json({ error_code: "user_not_found", message: "User not found" }, 404),
      "invalid_credentials",
      404,
    ],
    [
      "400 validation {message: string[], error_code: 400}",
      json({ message: ["username should not be empty"], error_code: 400 }, 400),
      "invalid_request",
      400,
    ],
    [
      "400 {error_code: '400', message} (code as string, e.g. a wrong password)",
      json({ error_code: "400", message: "Wrong username or password" }, 400),
      "invalid_credentials",
      400,
    ],
    [
      "400 {error_code: 'system_invalid_input'}",
      json({ error_code: "system_invalid_input", message: "Invalid input" }, 400),
      "invalid_request",
      400,
    ],
    ["403 {error_code: 'auth_locked'}", json({ error_code: "auth_locked", message: "Locked" }, 403), "locked", 403],
    ["423 Locked", json({ message: "locked", error_code: 423 }, 423), "locked", 423],
    [
      "403 other (fails closed as credentials)",
      json({ message: "Forbidden", error_code: 403 }, 403),
      "invalid_credentials",
      403,
    ],
    [
      "500 JSON",
      json({ message: "Something went wrong - Internal server error", error_code: 500 }, 500),
      "upstream_unavailable",
      500,
    ],
    [
      "502 HTML body",
      text("<html><body>Bad gateway</body></html>", 502, { "content-type": "text/html" }),
      "upstream_unavailable",
      502,
    ],
    ["503 truncated JSON", text('{"message":"Serv', 503), "upstream_unavailable", 503],
    ["200 HTML body", text("<html>ok</html>", 200, { "content-type": "text/html" }), "invalid_response", 200],
    ["200 truncated JSON", text('{"access_token":"abc', 200), "invalid_response", 200],
    ["200 JSON array", json([1, 2], 200), "invalid_response", 200],
    ["200 without access_token", userTokens({ access_token: undefined }), "invalid_response", 200],
    ["200 without expires_in", userTokens({ expires_in: undefined }), "invalid_response", 200],
    ["302 redirect (not followed)", text("", 302, { location: "https://elsewhere.example/" }), "invalid_response", 302],
  ];
  for (const [name, responder, code, status] of cases) {
    it(`maps ${name} to ${code}`, async () => {
      const { error } = await authenticateAgainst(responder);
      expect(error.code).toBe(code);
      expect(error.status).toBe(status);
      expect(error.route).toBe("password.authenticate");
    });
  }

  it("maps 403 temporary_password with reset_token to password_change_required carrying the reset token", async () => {
    const { error } = await authenticateAgainst(
      json({ message: "temporary_password", error_code: 403, reset_token: "reset-jwt" }, 403),
    );
    expect(error.code).toBe("password_change_required");
    expect(error.resetToken).toBe("reset-jwt");
  });

  it("maps 403 password_expired without reset_token to password_change_required without a token", async () => {
    const { error } = await authenticateAgainst(json({ message: "password_expired", error_code: 403 }, 403));
    expect(error.code).toBe("password_change_required");
    expect(error.resetToken).toBeUndefined();
  });

  it("maps 429 to rate_limited with retryAfter and the upstream request id", async () => {
    const { error } = await authenticateAgainst(
      json({ message: "Too many requests", error_code: 429 }, 429, { "retry-after": "120", "x-request-id": "req-42" }),
    );
    expect(error.code).toBe("rate_limited");
    expect(error.retryAfter).toBe(120);
    expect(error.requestId).toBe("req-42");
  });

  it("keeps the upstream error_code but never the upstream message", async () => {
    const { error } = await authenticateAgainst(
      json({ error_code: "auth_invalid_credentials", message: "user alice@example.com not found" }, 400),
    );
    expect(error.upstreamCode).toBe("auth_invalid_credentials");
    expect(error.message).not.toContain("alice");
  });
});

describe("error mapping of other routes", () => {
  it("maps session authenticate 400 'Session not found' to session_not_found", async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken())
      .on("/session/authenticate", json({ message: "Session not found", error_code: "400" }, 400));
    const { client } = makeClient(fake);
    const error = (await caught(() => client.sessions.authenticate({ sessionId: "gone" }))) as TransmitError;
    expect(error.code).toBe("session_not_found");
  });

  itEachEntry(
    "maps token endpoint OAuth invalid_client (401) and {message:'Bad request'} (400) to unauthorized_client",
    (makeClient) => async () => {
      for (const responder of [
        json({ error: "invalid_client", error_description: "client authentication failed" }, 401),
        json({ message: "Bad request", error_code: 400 }, 400),
        json({ message: ["client_secret must be a string"], error_code: 400 }, 400),
      ]) {
        const fake = new FakeFetch().on("/oidc/token", responder).on("/password/authenticate", userTokens());
        const { client } = makeClient(fake);
        const error = (await caught(() =>
          client.passwords.authenticate({ username: "a", password: "b" }),
        )) as TransmitError;
        expect(error.code).toBe("unauthorized_client");
        expect(error.route).toBe("token");
        expect(fake.to("/password/authenticate")).toHaveLength(0);
      }
    },
  );

  it("maps a refresh rejected with 400 to token_invalid", async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken())
      .on("/token/refresh", json({ message: "Invalid refresh token", error_code: 400 }, 400));
    const { client } = makeClient(fake);
    const error = (await caught(() => client.tokens.refresh("old"))) as TransmitError;
    expect(error.code).toBe("token_invalid");
  });

  it("maps a reset rejected with 400 (weak password) to password_rejected, malformed input to invalid_request and 403 to token_invalid", async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken())
      .on(
        "/password/reset",
        json({ error_code: "auth_password_weak", message: "weak" }, 400),
        json({ error_code: "system_invalid_input", message: ["reset_token must be a string"] }, 400),
        json({ message: "Forbidden", error_code: 403 }, 403),
      );
    const { client } = makeClient(fake);
    const weak = (await caught(() => client.passwords.reset({ resetToken: "r", newPassword: "x" }))) as TransmitError;
    expect(weak.code).toBe("password_rejected");
    expect(weak.message).not.toContain("weak");
    const malformed = (await caught(() =>
      client.passwords.reset({ resetToken: "r", newPassword: "x" }),
    )) as TransmitError;
    expect(malformed.code).toBe("invalid_request");
    const expired = (await caught(() =>
      client.passwords.reset({ resetToken: "r", newPassword: "x" }),
    )) as TransmitError;
    expect(expired.code).toBe("token_invalid");
  });
});

describe("response processing with hand-made responses", () => {
  const now = Date.UTC(2026, 0, 1);
  it("parses every documented error body shape without throwing", () => {
    const bodies = [
      '{"message":"Bad request","error_code":400}',
      '{"message":["a","b"],"error_code":400}',
      '{"error_code":"auth_locked","message":"x"}',
      '{"error":"invalid_client","error_description":"nope"}',
      '{"message":"x","error_code":409,"ts_error_code":"conflict"}',
      "<html></html>",
      '{"trunc',
      "",
      "null",
      "42",
    ];
    for (const body of bodies) {
      const error = errorFromResponse(
        { route: "password.authenticate", status: 400, headers: new Headers(), text: body },
        now,
        passwordCodes,
      );
      expect(error).toBeInstanceOf(TransmitError);
    }
  });

  it("parses Retry-After as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("7", now)).toBe(7);
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toBe(30);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("accepts expires_in sent as a numeric string and defaults a missing token_type to Bearer", () => {
    const tokens = tokenSetFromJson(
      { route: "password.authenticate", status: 200, headers: new Headers(), text: "" },
      {
        access_token: "a",
        expires_in: "3600",
      },
    );
    expect(tokens.expiresIn).toBe(3600);
    expect(tokens.tokenType).toBe("Bearer");
  });
});

describe("TransmitError.is", () => {
  it("recognises its own errors and those of another installed copy, and nothing that only looks like one", () => {
    expect(TransmitError.is(new TransmitError("timeout", "t"))).toBe(true);
    // Another copy of core: a different class whose instances carry the same global brand.
    const brand = Symbol.for("@transmit-edge/core.TransmitError");
    class OtherCopy extends Error {
      readonly code = "timeout";
      get [brand]() {
        return true;
      }
    }
    const foreign = new OtherCopy();
    expect(foreign instanceof TransmitError).toBe(false);
    expect(TransmitError.is(foreign)).toBe(true);
    // Forged by name and code only: not one.
    const forged = Object.assign(new Error("x"), { name: "TransmitError", code: "timeout" });
    for (const value of [forged, undefined, null, "TransmitError", { code: "timeout" }]) {
      expect(TransmitError.is(value)).toBe(false);
    }
  });
});
