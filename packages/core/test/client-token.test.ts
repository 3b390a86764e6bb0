import { describe, expect, it } from "vitest";
import { createMemoryTokenCache, type TokenCache, TransmitError } from "../src/index.ts";
import { caught, clientToken, FakeFetch, gate, itEachEntry, json, makeClient, userTokens } from "./helpers.ts";

const INVALID_TOKEN = json({ message: "Invalid token", error_code: 401 }, 401);

describe("client access token cache", () => {
  itEachEntry("reuses one cached token across calls", (makeClient) => async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", userTokens());
    const { client } = makeClient(fake);
    for (let i = 0; i < 3; i++) await client.passwords.authenticate({ username: "a", password: "b" });
    expect(fake.to("/oidc/token")).toHaveLength(1);
    expect(fake.to("/password/authenticate")).toHaveLength(3);
  });

  itEachEntry(
    "makes one token request for N concurrent calls when in-flight sharing is on",
    (makeClient) => async () => {
      const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", userTokens());
      const { client } = makeClient(fake, { shareInFlight: true });
      await Promise.all(
        Array.from({ length: 10 }, () => client.passwords.authenticate({ username: "a", password: "b" })),
      );
      expect(fake.to("/oidc/token")).toHaveLength(1);
      expect(fake.to("/password/authenticate")).toHaveLength(10);
    },
  );

  it("does not share pending fetches when in-flight sharing is off (Workers), but shares the cached value", async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken());
    const { client } = makeClient(fake, { shareInFlight: false });
    await Promise.all([client.clientAccessToken(), client.clientAccessToken()]);
    expect(fake.to("/oidc/token")).toHaveLength(2);
    await client.clientAccessToken();
    expect(fake.to("/oidc/token")).toHaveLength(2);
  });

  it("by default shares a pending fetch, except on Cloudflare Workers where only values are shared", async () => {
    const onWorkers = typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers";
    const fake = new FakeFetch().on("/oidc/token", clientToken());
    const { client } = makeClient(fake);
    await Promise.all([client.clientAccessToken(), client.clientAccessToken()]);
    expect(fake.to("/oidc/token")).toHaveLength(onWorkers ? 2 : 1);
  });

  it("bounds a caller that joins a shared token fetch by its own deadline", async () => {
    const slow = gate(clientToken("t"));
    const fake = new FakeFetch().on("/oidc/token", slow.responder);
    const { client } = makeClient(fake, { shareInFlight: true });
    const starter = client.clientAccessToken({ timeoutMs: 5000 });
    const joiner = (await caught(() => client.clientAccessToken({ timeoutMs: 20 }))) as TransmitError;
    expect(joiner.code).toBe("timeout");
    slow.release();
    expect(await starter).toBe("t");
    expect(fake.to("/oidc/token")).toHaveLength(1);
  });

  it("lets a joiner fetch for itself when the starter of a shared token fetch aborts", async () => {
    const slow = gate(clientToken("t"));
    const fake = new FakeFetch().on("/oidc/token", slow.responder, clientToken("own"));
    const { client } = makeClient(fake, { shareInFlight: true });
    const controller = new AbortController();
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
    const starter = client.clientAccessToken({ signal: controller.signal });
    await tick();
    expect(fake.to("/oidc/token")).toHaveLength(1);
    const joiner = client.clientAccessToken();
    await tick();
    controller.abort();
    expect(((await caught(() => starter)) as TransmitError).code).toBe("aborted");
    expect(await joiner).toBe("own");
    expect(fake.to("/oidc/token")).toHaveLength(2);
  });

  it("fetches a new token once the cached one is within 60 s of expiry", async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken("t1", 3600), clientToken("t2", 3600));
    const { client, clock } = makeClient(fake);
    expect(await client.clientAccessToken()).toBe("t1");
    clock.advance(3600 - 61);
    expect(await client.clientAccessToken()).toBe("t1");
    clock.advance(2);
    expect(await client.clientAccessToken()).toBe("t2");
    expect(fake.to("/oidc/token")).toHaveLength(2);
  });

  it("keys the cache by resource", async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken("t-none"), clientToken("t-a"), clientToken("t-b"));
    const { client } = makeClient(fake);
    expect(await client.clientAccessToken()).toBe("t-none");
    expect(await client.clientAccessToken({ resource: "https://a" })).toBe("t-a");
    expect(await client.clientAccessToken({ resource: "https://b" })).toBe("t-b");
    expect(await client.clientAccessToken({ resource: "https://a" })).toBe("t-a");
    expect(fake.to("/oidc/token")).toHaveLength(3);
  });

  it("stores tokens in a pluggable tokenCache with a TTL, shared by separate clients", async () => {
    const stored = new Map<string, { value: string; ttl: number }>();
    const tokenCache: TokenCache = {
      get: async (key) => stored.get(key)?.value,
      set: async (key, value, ttl) => {
        stored.set(key, { value, ttl });
      },
    };
    const fake = new FakeFetch().on("/oidc/token", clientToken("shared", 3600));
    const first = makeClient(fake, { tokenCache }).client;
    const second = makeClient(fake, { tokenCache }).client;
    expect(await first.clientAccessToken()).toBe("shared");
    expect(await second.clientAccessToken()).toBe("shared");
    expect(fake.to("/oidc/token")).toHaveLength(1);
    const [entry] = [...stored.values()];
    expect(entry?.ttl).toBe(3540);
  });

  it("keeps working when the tokenCache throws", async () => {
    const tokenCache: TokenCache = {
      get: () => Promise.reject(new Error("cache down")),
      set: () => Promise.reject(new Error("cache down")),
    };
    const fake = new FakeFetch().on("/oidc/token", clientToken("t"));
    const { client } = makeClient(fake, { tokenCache });
    expect(await client.clientAccessToken()).toBe("t");
  });

  it("createMemoryTokenCache expires entries after their TTL", async () => {
    let now = 0;
    const cache = createMemoryTokenCache({ now: () => now });
    await cache.set("k", "v", 10);
    expect(await cache.get("k")).toBe("v");
    now = 10_000;
    expect(await cache.get("k")).toBeUndefined();
  });
});

describe("client token rejected by Transmit", () => {
  it("drops the token, fetches a new one once and retries the call once on 401 Invalid token", async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken("stale"), clientToken("fresh"))
      .on("/password/authenticate", INVALID_TOKEN, userTokens());
    const { client, events } = makeClient(fake);
    const tokens = await client.passwords.authenticate({ username: "a", password: "b" });
    expect(tokens.accessToken).toBe("user-access-token");
    const calls = fake.to("/password/authenticate");
    expect(calls.map((c) => c.headers.authorization)).toEqual(["Bearer stale", "Bearer fresh"]);
    expect(fake.to("/oidc/token")).toHaveLength(2);
    expect(events.filter((e) => e.type === "token.refresh").map((e) => e.type === "token.refresh" && e.reason)).toEqual(
      ["missing", "rejected"],
    );
    expect(await client.clientAccessToken()).toBe("fresh");
  });

  it("gives up with unauthorized_client after exactly one retry when the new token is rejected too", async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken("t1"), clientToken("t2"))
      .on("/session/logout", INVALID_TOKEN);
    const { client } = makeClient(fake);
    const error = (await caught(() => client.sessions.logout("s"))) as TransmitError;
    expect(error.code).toBe("unauthorized_client");
    expect(fake.to("/session/logout")).toHaveLength(2);
    expect(fake.to("/oidc/token")).toHaveLength(2);
  });

  itEachEntry(
    "never retries a credentials 401 from the password endpoint (it would count twice towards lockout)",
    (makeClient) => async () => {
      const fake = new FakeFetch()
        .on("/oidc/token", clientToken())
        .on("/password/authenticate", json({ message: "Unauthorized", error_code: 401 }, 401));
      const { client } = makeClient(fake);
      const error = (await caught(() =>
        client.passwords.authenticate({ username: "a", password: "b" }),
      )) as TransmitError;
      expect(error.code).toBe("invalid_credentials");
      expect(fake.to("/password/authenticate")).toHaveLength(1);
      expect(fake.to("/oidc/token")).toHaveLength(1);
    },
  );

  it("treats WWW-Authenticate: Bearer error=invalid_token as a rejected client token", async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken("t1"), clientToken("t2"))
      .on(
        "/token/refresh",
        () => new Response("", { status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token"' } }),
        userTokens(),
      );
    const { client } = makeClient(fake);
    await client.tokens.refresh("r");
    expect(fake.to("/token/refresh")).toHaveLength(2);
  });

  it("surfaces TransmitError instances", async () => {
    const fake = new FakeFetch().on("/oidc/token", json({ error: "invalid_client" }, 401));
    const { client } = makeClient(fake);
    expect(await caught(() => client.clientAccessToken())).toBeInstanceOf(TransmitError);
  });
});
