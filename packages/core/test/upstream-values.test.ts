// Values from upstream are validated before use: the client token, expires_in, error codes and request ids.
import { describe, expect, it } from "vitest";
import { createMemoryTokenCache, type TokenCache, type TransmitError } from "../src/index.ts";
import { caught, clientToken, FakeFetch, itEachEntry, json, makeClient, userTokens } from "./helpers.ts";

const login = { username: "alice", password: "pw-SENTINEL-42" };

function everything(error: unknown): string {
  const e = error as Error & { cause?: unknown };
  return [JSON.stringify(e), String(e), e.message, e.stack, JSON.stringify(e.cause), String(e.cause)].join(" ");
}

describe("client access token validation", () => {
  const bad: [string, string][] = [
    ["a newline", "abc\ndef-SENTINEL"],
    ["a space", "abc def-SENTINEL"],
    ["a quote", 'abc"def-SENTINEL'],
    ["a non-ASCII character", "abcé-SENTINEL"],
    ["more than 8000 characters", `SENTINEL-${"a".repeat(8000)}`],
    ["padding in the middle", "ab=c-SENTINEL"],
  ];
  for (const [name, token] of bad) {
    it(`rejects a token with ${name} as invalid_response, never caches it, never echoes it`, async () => {
      const cache = createMemoryTokenCache();
      const stored: string[] = [];
      const spy: TokenCache = {
        get: (key) => cache.get(key),
        set: (key, value, ttl) => {
          stored.push(value);
          return cache.set(key, value, ttl);
        },
      };
      const fake = new FakeFetch()
        .on("/oidc/token", clientToken(token), clientToken("good.token-1_~+/=="))
        .on("/password/authenticate", userTokens());
      const { client } = makeClient(fake, { tokenCache: spy });
      const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
      expect(error.code).toBe("invalid_response");
      expect(error.route).toBe("token");
      expect(everything(error)).not.toContain("SENTINEL");
      expect(stored).toEqual([]);
      expect(fake.to("/password/authenticate")).toHaveLength(0);
      // The next call fetches again (nothing cached) and works with a well-formed token.
      await client.passwords.authenticate(login);
      expect(fake.to("/oidc/token")).toHaveLength(2);
      expect(fake.to("/password/authenticate")[0]?.headers.authorization).toBe("Bearer good.token-1_~+/==");
    });
  }

  it("ignores a malformed token found in a shared cache and fetches a good one", async () => {
    const cache = createMemoryTokenCache();
    const fake = new FakeFetch().on("/oidc/token", clientToken("good")).on("/password/authenticate", userTokens());
    const { client } = makeClient(fake, { tokenCache: cache });
    const key = `transmit-edge/client-token/v1 ${client.root} client-id-test `;
    await cache.set(key, JSON.stringify({ t: "poisoned\r\nX-Evil: 1", e: Date.UTC(2030, 0, 1) }), 3600);
    await client.passwords.authenticate(login);
    expect(fake.to("/password/authenticate")[0]?.headers.authorization).toBe("Bearer good");
  });

  for (const expiresIn of [1e308, Number.MAX_SAFE_INTEGER, 10 * 365 * 86_400, 0, -1, 0.5]) {
    it(`rejects expires_in ${expiresIn} as invalid_response and caches nothing`, async () => {
      const fake = new FakeFetch().on("/oidc/token", clientToken("t", expiresIn), clientToken("t2", 3600));
      const { client } = makeClient(fake);
      expect(((await caught(() => client.clientAccessToken())) as TransmitError).code).toBe("invalid_response");
      expect(await client.clientAccessToken()).toBe("t2");
      expect(fake.to("/oidc/token")).toHaveLength(2);
    });
  }

  it("keeps caching a token whose expires_in is long but within bounds (one year)", async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken("t", 365 * 86_400));
    const { client } = makeClient(fake);
    await client.clientAccessToken();
    await client.clientAccessToken();
    expect(fake.to("/oidc/token")).toHaveLength(1);
  });

  itEachEntry(
    "maps a 431 (request headers too large) to unauthorized_client, never invalid_credentials",
    (makeClient) => async () => {
      const fake = new FakeFetch()
        .on("/oidc/token", clientToken())
        .on("/password/authenticate", json({ message: "Request Header Fields Too Large" }, 431));
      const { client } = makeClient(fake);
      const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
      expect(error.code).toBe("unauthorized_client");
      expect(error.status).toBe(431);
    },
  );
});

describe("upstream error codes and request ids", () => {
  itEachEntry("drops an error_code that is free text (an echo of the request) or huge", (makeClient) => async () => {
    const bodies = [
      { error_code: `invalid password pw-SENTINEL-42 for alice`, message: "x" },
      { error_code: "x".repeat(10 * 1024) },
      { error: 'client_secret="SENTINEL"' },
    ];
    for (const body of bodies) {
      const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", json(body, 400));
      const { client } = makeClient(fake);
      const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
      expect(error.code).toBe("invalid_credentials");
      expect(error.upstreamCode).toBeUndefined();
      expect(JSON.stringify(error).length).toBeLessThan(400);
      expect(everything(error)).not.toContain("SENTINEL");
    }
  });

  itEachEntry("keeps code-shaped values: symbolic and numeric", (makeClient) => async () => {
    for (const [body, code] of [
      [{ error_code: "auth_invalid_credentials" }, "auth_invalid_credentials"],
      [{ error_code: 400, message: "Bad request" }, "400"],
      [{ error: "invalid_client" }, "invalid_client"],
    ] as const) {
      const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", json(body, 400));
      const { client } = makeClient(fake);
      expect(((await caught(() => client.passwords.authenticate(login))) as TransmitError).upstreamCode).toBe(code);
    }
  });

  itEachEntry("keeps an id-shaped x-request-id and drops free text", (makeClient) => async () => {
    const cases: [string, string | undefined][] = [
      ["req-42_a.b:c/d+e=", "req-42_a.b:c/d+e="],
      ["user alice pw-SENTINEL-42", undefined],
      ["r".repeat(200), undefined],
    ];
    for (const [header, expected] of cases) {
      const fake = new FakeFetch()
        .on("/oidc/token", clientToken())
        .on("/password/authenticate", json({}, 401, { "x-request-id": header }));
      const { client, events } = makeClient(fake);
      const error = (await caught(() => client.passwords.authenticate(login))) as TransmitError;
      expect(error.requestId).toBe(expected);
      expect(JSON.stringify(events)).not.toContain("SENTINEL");
    }
  });
});
