import { describe, expect, it } from "vitest";
import type { TransmitError, TransmitEvent } from "../src/index.ts";
import {
  caught,
  clientToken,
  empty,
  FakeFetch,
  hang,
  itEachEntry,
  json,
  makeClient,
  networkError,
  text,
  userTokens,
} from "./helpers.ts";

const login = { username: "alice", password: "pw" };

describe("retry policy of the password POST (never retried once it may have reached Transmit)", () => {
  const cases = [
    ["a 500", json({ message: "Something went wrong", error_code: 500 }, 500), "upstream_unavailable"],
    ["a 503 without Retry-After", text("unavailable", 503), "upstream_unavailable"],
    ["a network error", networkError(), "network"],
  ] as const;
  for (const [name, responder, code] of cases) {
    it(`does not retry after ${name}`, async () => {
      const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", responder);
      const { client } = makeClient(fake);
      const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
      expect(error.code).toBe(code);
      expect(fake.to("/password/authenticate")).toHaveLength(1);
    });
  }

  itEachEntry("does not retry after a timeout, and reports timeout", (makeClient) => async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", hang());
    // Long enough for the token fetch to finish first on a loaded machine: the point is the password POST's timeout.
    const { client } = makeClient(fake, { timeoutMs: 300 });
    const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
    expect(error.code).toBe("timeout");
    expect(fake.to("/password/authenticate")).toHaveLength(1);
  });

  itEachEntry("retries once after 429 with Retry-After that fits the deadline", (makeClient) => async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken())
      .on("/password/authenticate", json({ message: "slow down" }, 429, { "retry-after": "0" }), userTokens());
    const { client, events } = makeClient(fake);
    const tokens = await client.passwords.authenticate(login);
    expect(tokens.accessToken).toBe("user-access-token");
    expect(fake.to("/password/authenticate")).toHaveLength(2);
    expect(events.filter((e) => e.type === "retry")).toHaveLength(1);
  });

  itEachEntry("retries at most once on repeated 429s and then reports rate_limited", (makeClient) => async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken())
      .on("/password/authenticate", json({ message: "slow down" }, 429, { "retry-after": "0" }));
    const { client } = makeClient(fake);
    const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
    expect(error.code).toBe("rate_limited");
    expect(fake.to("/password/authenticate")).toHaveLength(2);
  });

  itEachEntry("retries once after 503 with Retry-After", (makeClient) => async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken())
      .on("/password/authenticate", text("busy", 503, { "retry-after": "0" }), userTokens());
    const { client } = makeClient(fake);
    await client.passwords.authenticate(login);
    expect(fake.to("/password/authenticate")).toHaveLength(2);
  });

  itEachEntry("does not retry a 429 whose Retry-After does not fit the deadline", (makeClient) => async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken())
      .on("/password/authenticate", json({}, 429, { "retry-after": "30" }), userTokens());
    const { client } = makeClient(fake);
    const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
    expect(error.code).toBe("rate_limited");
    expect(error.retryAfter).toBe(30);
    expect(fake.to("/password/authenticate")).toHaveLength(1);
  });

  itEachEntry("does not retry a 429 without Retry-After", (makeClient) => async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken())
      .on("/password/authenticate", json({}, 429), userTokens());
    const { client } = makeClient(fake);
    expect(((await caught(() => client.passwords.authenticate(login))) as TransmitError).code).toBe("rate_limited");
    expect(fake.to("/password/authenticate")).toHaveLength(1);
  });

  it("does not retry reset, session authenticate or refresh after a 500", async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken())
      .on("/password/reset", text("", 500))
      .on("/session/authenticate", text("", 500))
      .on("/token/refresh", text("", 500));
    const { client } = makeClient(fake);
    await caught(() => client.passwords.reset({ resetToken: "r", newPassword: "n" }));
    await caught(() => client.sessions.authenticate({ sessionId: "s" }));
    await caught(() => client.tokens.refresh("r"));
    expect(fake.to("/password/reset")).toHaveLength(1);
    expect(fake.to("/session/authenticate")).toHaveLength(1);
    expect(fake.to("/token/refresh")).toHaveLength(1);
  });
});

describe("retry policy of idempotent requests (backoff with full jitter)", () => {
  it("retries the client token fetch after a 503", async () => {
    const fake = new FakeFetch().on("/oidc/token", text("busy", 503), clientToken("t"));
    const { client, events } = makeClient(fake);
    expect(await client.clientAccessToken()).toBe("t");
    expect(fake.to("/oidc/token")).toHaveLength(2);
    expect(events.some((e) => e.type === "retry" && e.route === "token")).toBe(true);
  });

  it("retries the client token fetch after a network error", async () => {
    const fake = new FakeFetch().on("/oidc/token", networkError(), clientToken("t"));
    const { client } = makeClient(fake);
    expect(await client.clientAccessToken()).toBe("t");
    expect(fake.to("/oidc/token")).toHaveLength(2);
  });

  it("stops after maxRetries (3 attempts by default) and reports upstream_unavailable", async () => {
    const fake = new FakeFetch().on("/oidc/token", text("busy", 502));
    const { client } = makeClient(fake);
    const error = (await caught(() => client.clientAccessToken())) as TransmitError;
    expect(error.code).toBe("upstream_unavailable");
    expect(fake.to("/oidc/token")).toHaveLength(3);
  });

  it("retries logout after a 502", async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/session/logout", text("", 502), empty(204));
    const { client } = makeClient(fake);
    await client.sessions.logout("s");
    expect(fake.to("/session/logout")).toHaveLength(2);
  });

  it("treats session_not_found on a logout retry as done: the lost first attempt already ended the session", async () => {
    const notFound = json({ message: "Session not found", error_code: 400 }, 400);
    const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/session/logout", networkError(), notFound);
    const { client } = makeClient(fake);
    await client.sessions.logout("s");
    expect(fake.to("/session/logout")).toHaveLength(2);
  });

  it("still reports session_not_found when the first logout attempt gets it", async () => {
    const notFound = json({ message: "Session not found", error_code: 400 }, 400);
    const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/session/logout", notFound);
    const { client } = makeClient(fake);
    const error = (await caught(() => client.sessions.logout("s"))) as TransmitError;
    expect(error.code).toBe("session_not_found");
    expect(fake.to("/session/logout")).toHaveLength(1);
  });

  it("retries the client token fetch after a 502 that carries Retry-After", async () => {
    const fake = new FakeFetch().on("/oidc/token", text("", 502, { "retry-after": "0" }), clientToken("t"));
    const { client } = makeClient(fake);
    expect(await client.clientAccessToken()).toBe("t");
    expect(fake.to("/oidc/token")).toHaveLength(2);
  });

  it("does not retry a 4xx", async () => {
    const fake = new FakeFetch().on("/oidc/token", json({ error: "invalid_client" }, 400));
    const { client } = makeClient(fake);
    await caught(() => client.clientAccessToken());
    expect(fake.to("/oidc/token")).toHaveLength(1);
  });

  it("draws backoff delays from the jitter source within the capped exponential ceiling", async () => {
    const fake = new FakeFetch().on("/oidc/token", text("", 500), text("", 500), clientToken());
    const { client, events } = makeClient(fake, { random: () => 0.5, retry: { baseDelayMs: 4, maxDelayMs: 6 } });
    await client.clientAccessToken();
    const delays = events.flatMap((e) => (e.type === "retry" ? [e.delayMs] : []));
    expect(delays).toEqual([2, 3]);
  });
});

describe("deadlines and cancellation", () => {
  itEachEntry("applies one overall deadline across the token fetch and the API call", (makeClient) => async () => {
    const fake = new FakeFetch().on("/oidc/token", networkError(), networkError(), hang());
    const { client } = makeClient(fake, { timeoutMs: 40, random: () => 0 });
    const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
    expect(error.code).toBe("timeout");
    expect(fake.to("/oidc/token")).toHaveLength(3);
    expect(fake.to("/password/authenticate")).toHaveLength(0);
  });

  it("lets a per-call timeoutMs override the client default", async () => {
    const fake = new FakeFetch().on("/oidc/token", hang());
    const { client } = makeClient(fake, { timeoutMs: 60_000 });
    const error = (await caught(() => client.clientAccessToken({ timeoutMs: 20 }))) as TransmitError;
    expect(error.code).toBe("timeout");
  });

  itEachEntry("reports aborted when the caller's signal aborts mid-request", (makeClient) => async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", hang());
    const { client } = makeClient(fake);
    const controller = new AbortController();
    const pending = client.passwords.authenticate(login, { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    const error = (await caught(() => pending)) as TransmitError;
    expect(error.code).toBe("aborted");
    expect(fake.to("/password/authenticate")).toHaveLength(1);
  });

  it("sends nothing when the caller's signal is already aborted", async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken());
    const { client } = makeClient(fake);
    const error = (await caught(() => client.clientAccessToken({ signal: AbortSignal.abort() }))) as TransmitError;
    expect(error.code).toBe("aborted");
    expect(fake.calls).toHaveLength(0);
  });

  it("passes an AbortSignal to fetch that aborts on timeout", async () => {
    const fake = new FakeFetch().on("/oidc/token", hang());
    const { client } = makeClient(fake, { timeoutMs: 15 });
    await caught(() => client.clientAccessToken());
    expect(fake.calls[0]?.signal?.aborted).toBe(true);
  });
});

describe("events", () => {
  itEachEntry(
    "emits request start/end with route, attempt, status and duration, and token refresh",
    (makeClient) => async () => {
      const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", userTokens());
      const { client, events } = makeClient(fake);
      await client.passwords.authenticate(login);
      const summary = events.map((e: TransmitEvent) =>
        e.type === "request.end"
          ? `${e.type}:${e.route}:${e.attempt}:${e.status}`
          : `${e.type}:${e.type === "token.refresh" ? e.reason : "route" in e ? e.route : ""}`,
      );
      expect(summary).toEqual([
        "token.refresh:missing",
        "request.start:token",
        "request.end:token:1:200",
        "request.start:password.authenticate",
        "request.end:password.authenticate:1:200",
      ]);
      for (const e of events) if (e.type === "request.end") expect(e.durationMs).toBeGreaterThan(-1);
    },
  );

  it("carries the upstream request id in request.end events", async () => {
    const fake = new FakeFetch().on(
      "/oidc/token",
      json({ access_token: "t", expires_in: 3600 }, 200, { "x-request-id": "rq-7" }),
    );
    const { client, events } = makeClient(fake);
    await client.clientAccessToken();
    expect(events.find((e) => e.type === "request.end")).toMatchObject({
      route: "token",
      status: 200,
      requestId: "rq-7",
    });
  });

  it("ignores exceptions thrown by onEvent", async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken("t"));
    const { client } = makeClient(fake, {
      onEvent: () => {
        throw new Error("observer broke");
      },
    });
    expect(await client.clientAccessToken()).toBe("t");
  });
});
