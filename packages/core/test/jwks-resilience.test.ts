// JWKS under trouble: stale keys served at once, failures remembered, duplicate or missing kids, garbage sets.
import { SignJWT } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import type { TokenCache, TransmitError, TransmitEvent } from "../src/index.ts";
import { JWKS_COOLDOWN_MS, JWKS_FAILURE_TTL_MS, JWKS_MAX_AGE_MS } from "../src/jwks/key-set.ts";
import {
  CLIENT_ID,
  caught,
  createTestKey,
  FakeFetch,
  gate,
  json,
  jwks,
  makeClient,
  signToken,
  type TestKey,
  text,
} from "./helpers.ts";

const ISSUER = "https://eu.userid.security";
const claims = { iss: ISSUER, aud: CLIENT_ID };

describe("JWKS resilience", () => {
  let keyA: TestKey;
  let keyB: TestKey;
  let keyC: TestKey;
  beforeEach(async () => {
    keyA ??= await createTestKey("kid-a");
    keyB ??= await createTestKey("kid-b");
    keyC ??= await createTestKey("kid-c");
  });

  it("serves stale keys at once while a background refresh is still waiting for the JWKS endpoint", async () => {
    const slow = gate(jwks(keyA, keyB));
    const fake = new FakeFetch().on("/cis/oidc/jwks", jwks(keyA), slow.responder);
    const { client, clock } = makeClient(fake, { timeoutMs: 60_000 });
    await client.tokens.verifyIdToken(await signToken(keyA, claims, { nowMs: clock.ms }));
    clock.advance(JWKS_MAX_AGE_MS / 1000 + 1);
    // The refresh is pending (the gate is closed), yet verification answers from the stale keys.
    const stale = await client.tokens.verifyIdToken(await signToken(keyA, claims, { nowMs: clock.ms }));
    expect(stale.iss).toBe(ISSUER);
    expect(fake.calls).toHaveLength(2);
    // Only one background refresh runs, however many verifications see stale keys.
    await client.tokens.verifyIdToken(await signToken(keyA, claims, { nowMs: clock.ms }));
    expect(fake.calls).toHaveLength(2);
    slow.release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    // The refreshed set is in use: a token of the new key verifies without another fetch.
    expect((await client.tokens.verifyIdToken(await signToken(keyB, claims, { nowMs: clock.ms }))).iss).toBe(ISSUER);
    expect(fake.calls).toHaveLength(2);
  });

  it("lets a token of a new key wait for the refresh its stale key set starts (key rotation), with one fetch", async () => {
    const fake = new FakeFetch().on("/cis/oidc/jwks", jwks(keyA), jwks(keyA, keyB));
    const { client, clock } = makeClient(fake);
    await client.tokens.verifyIdToken(await signToken(keyA, claims, { nowMs: clock.ms }));
    clock.advance(JWKS_MAX_AGE_MS / 1000 + 1);
    expect((await client.tokens.verifyIdToken(await signToken(keyB, claims, { nowMs: clock.ms }))).iss).toBe(ISSUER);
    expect(fake.calls).toHaveLength(2);
  });

  it("H10 remembers a cold-start failure: 10 verifications during an outage make one load (with its retries)", async () => {
    const fake = new FakeFetch().on("/cis/oidc/jwks", text("down", 503));
    const { client, clock } = makeClient(fake);
    const jwt = await signToken(keyA, claims, { nowMs: clock.ms });
    for (let i = 0; i < 10; i++) {
      expect(((await caught(() => client.tokens.verifyIdToken(jwt))) as TransmitError).code).toBe(
        "upstream_unavailable",
      );
    }
    expect(fake.calls).toHaveLength(3); // one load: first attempt + 2 retries
    clock.advance(JWKS_FAILURE_TTL_MS / 1000 + 1);
    await caught(() => client.tokens.verifyIdToken(jwt));
    expect(fake.calls).toHaveLength(6); // the outage is tried again once the memory expires
  });

  it("H10 makes at most one reload for 20 forged kids during an outage, and still serves the known keys", async () => {
    const fake = new FakeFetch().on("/cis/oidc/jwks", jwks(keyA), text("down", 503));
    const { client, clock } = makeClient(fake);
    await client.tokens.verifyIdToken(await signToken(keyA, claims, { nowMs: clock.ms }));
    clock.advance(JWKS_COOLDOWN_MS / 1000 + 1);
    for (let i = 0; i < 20; i++) {
      const forged = await signToken(keyC, claims, { nowMs: clock.ms, kid: `forged-${i}` });
      await caught(() => client.tokens.verifyIdToken(forged));
    }
    expect(fake.calls.length).toBeLessThanOrEqual(1 + 3);
    expect((await client.tokens.verifyIdToken(await signToken(keyA, claims, { nowMs: clock.ms }))).iss).toBe(ISSUER);
  });

  for (const [name, body] of [
    ["keys that are not an array", { keys: "garbage" }],
    ["keys of numbers", { keys: [1, 2, 3] }],
    ["keys with null", { keys: [null] }],
    ["keys without kty", { keys: [{ kid: "x" }] }],
    ["an empty key list", { keys: [] }],
    ["no keys at all", { other: true }],
  ] as const) {
    it(`reports a JWKS with ${name} as invalid_response`, async () => {
      const fake = new FakeFetch().on("/cis/oidc/jwks", json(body));
      const { client, clock } = makeClient(fake);
      const jwt = await signToken(keyA, claims, { nowMs: clock.ms });
      const error = (await caught(() => client.tokens.verifyIdToken(jwt))) as TransmitError;
      expect(error.code).toBe("invalid_response");
      expect(error.route).toBe("jwks");
    });
  }

  it("tries every key sharing a duplicate kid and accepts the one that verifies", async () => {
    const twin = { ...keyB.jwk, kid: "kid-a" }; // a different key published under the same kid
    const fake = new FakeFetch().on("/cis/oidc/jwks", json({ keys: [twin, keyA.jwk] }));
    const { client, clock } = makeClient(fake);
    expect((await client.tokens.verifyIdToken(await signToken(keyA, claims, { nowMs: clock.ms }))).iss).toBe(ISSUER);
  });

  it("skips keys that RFC 7517 rules out (use enc, another alg, key_ops without verify) and never uses a private part", async () => {
    const sameKid = (key: TestKey, extra: Record<string, unknown>) => ({ ...key.jwk, kid: "kid-a", ...extra });
    const fake = new FakeFetch().on(
      "/cis/oidc/jwks",
      json({
        keys: [
          sameKid(keyB, { use: "enc" }),
          sameKid(keyB, { alg: "PS256" }),
          sameKid(keyB, { key_ops: ["encrypt"] }),
          { ...keyA.jwk, d: "not-a-real-private-exponent" },
          { kty: "EC", kid: "kid-a", crv: "P-256", x: "x", y: "y" },
        ],
      }),
    );
    const { client, clock } = makeClient(fake);
    expect((await client.tokens.verifyIdToken(await signToken(keyA, claims, { nowMs: clock.ms }))).iss).toBe(ISSUER);
  });

  it("reports a JWKS without any RSA key as invalid_response", async () => {
    const fake = new FakeFetch().on("/cis/oidc/jwks", json({ keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y" }] }));
    const { client, clock } = makeClient(fake);
    const error = (await caught(async () =>
      client.tokens.verifyIdToken(await signToken(keyA, claims, { nowMs: clock.ms })),
    )) as TransmitError;
    expect(error.code).toBe("invalid_response");
  });

  it("verifies a token without kid against a set of several keys, and explains a failure", async () => {
    const fake = new FakeFetch().on("/cis/oidc/jwks", jwks(keyA, keyB));
    const { client, clock } = makeClient(fake);
    const iat = Math.floor(clock.ms / 1000);
    const noKid = (key: TestKey) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256" })
        .setIssuedAt(iat)
        .setExpirationTime(iat + 3600)
        .sign(key.privateKey);
    expect((await client.tokens.verifyIdToken(await noKid(keyB))).iss).toBe(ISSUER);
    const unknown = (await caught(async () => client.tokens.verifyIdToken(await noKid(keyC)))) as TransmitError;
    expect(unknown.code).toBe("token_invalid");
    expect(unknown.message).toContain("no matching key verified the signature");
  });

  it("shares the key set through jwksCache: a second client starts warm, with the store's TTL floor applied", async () => {
    const values = new Map<string, string>();
    const ttls: number[] = [];
    const store: TokenCache = {
      minTtlSeconds: 60,
      get: async (key) => values.get(key),
      set: async (key, value, ttl) => {
        values.set(key, value);
        ttls.push(ttl);
      },
    };
    const fake = new FakeFetch().on("/cis/oidc/jwks", jwks(keyA));
    const first = makeClient(fake, { jwksCache: store });
    const jwt = await signToken(keyA, claims, { nowMs: first.clock.ms });
    await first.client.tokens.verifyIdToken(jwt);
    const second = makeClient(fake, { jwksCache: store });
    expect((await second.client.tokens.verifyIdToken(jwt)).iss).toBe(ISSUER);
    expect(fake.calls).toHaveLength(1);
    expect(ttls.every((ttl) => ttl >= 60)).toBe(true);
    expect([...values.values()].join()).not.toContain("privateKey");
  });

  it("falls back to a fetch when the JWKS store fails or hangs", async () => {
    const never = new Promise<never>(() => {});
    const stores: TokenCache[] = [
      { get: () => Promise.reject(new Error("down")), set: () => Promise.reject(new Error("down")) },
      { get: async () => "not json", set: async () => {} },
      { get: async () => JSON.stringify({ k: { keys: "garbage" }, t: 0 }), set: async () => {} },
    ];
    for (const jwksCache of stores) {
      const fake = new FakeFetch().on("/cis/oidc/jwks", jwks(keyA));
      const { client, clock } = makeClient(fake, { jwksCache });
      expect((await client.tokens.verifyIdToken(await signToken(keyA, claims, { nowMs: clock.ms }))).iss).toBe(ISSUER);
      expect(fake.calls).toHaveLength(1);
    }
    const fake = new FakeFetch().on("/cis/oidc/jwks", jwks(keyA));
    const hung = makeClient(fake, { jwksCache: { get: () => never, set: () => never }, timeoutMs: 40 });
    const jwt = await signToken(keyA, claims, { nowMs: hung.clock.ms });
    expect(((await caught(() => hung.client.tokens.verifyIdToken(jwt))) as TransmitError).code).toBe("timeout");
  });

  it("gives the background refresh its own call id", async () => {
    const events: TransmitEvent[] = [];
    const fake = new FakeFetch().on("/cis/oidc/jwks", jwks(keyA));
    const { client, clock } = makeClient(fake, { onEvent: (e) => events.push(e) });
    await client.tokens.verifyIdToken(await signToken(keyA, claims, { nowMs: clock.ms }));
    clock.advance(JWKS_MAX_AGE_MS / 1000 + 1);
    await client.tokens.verifyIdToken(await signToken(keyA, claims, { nowMs: clock.ms }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const starts = events.filter((e) => e.type === "request.start");
    expect(starts).toHaveLength(2);
    expect(starts[0]?.callId).not.toBe(starts[1]?.callId);
  });
});
