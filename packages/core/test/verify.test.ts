import { SignJWT } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import type { TransmitError } from "../src/index.ts";
import {
  CLIENT_ID,
  caught,
  createTestKey,
  EU_ROOT,
  FakeFetch,
  jwks,
  makeClient,
  signToken,
  type TestKey,
  text,
} from "./helpers.ts";

const ISSUER = "https://eu.userid.security";

describe("token verification", () => {
  let keyA: TestKey;
  let keyB: TestKey;
  beforeEach(async () => {
    keyA ??= await createTestKey("kid-a");
    keyB ??= await createTestKey("kid-b");
  });

  function setup(...responders: Parameters<FakeFetch["on"]>[1][]) {
    const fake = new FakeFetch().on("/cis/oidc/jwks", ...responders);
    return { fake, ...makeClient(fake) };
  }

  it("verifies a good ID token against the region's JWKS, issuer and client id", async () => {
    const { client, clock, fake } = setup(jwks(keyA));
    const jwt = await signToken(
      keyA,
      { sub: "user-1", iss: ISSUER, aud: CLIENT_ID, amr: ["pwd"] },
      { nowMs: clock.ms },
    );
    const claims = await client.tokens.verifyIdToken(jwt);
    expect(claims.sub).toBe("user-1");
    expect(claims.amr).toEqual(["pwd"]);
    expect(fake.calls.map((c) => `${c.method} ${c.url}`)).toEqual([`GET ${EU_ROOT}/cis/oidc/jwks`]);
    expect(fake.calls[0]?.headers.authorization).toBeUndefined();
  });

  it("caches the JWKS between verifications", async () => {
    const { client, clock, fake } = setup(jwks(keyA));
    const jwt = await signToken(keyA, { iss: ISSUER, aud: CLIENT_ID }, { nowMs: clock.ms });
    await client.tokens.verifyIdToken(jwt);
    await client.tokens.verifyIdToken(jwt);
    expect(fake.calls).toHaveLength(1);
  });

  it("shares one JWKS fetch between concurrent verifications when in-flight sharing is on", async () => {
    const fake = new FakeFetch().on("/cis/oidc/jwks", jwks(keyA));
    const { client, clock } = makeClient(fake, { shareInFlight: true });
    const jwt = await signToken(keyA, { iss: ISSUER, aud: CLIENT_ID }, { nowMs: clock.ms });
    await Promise.all([1, 2, 3, 4].map(() => client.tokens.verifyIdToken(jwt)));
    expect(fake.calls).toHaveLength(1);
  });

  it("rejects a wrong issuer, a wrong audience and an expired token with token_invalid", async () => {
    const { client, clock } = setup(jwks(keyA));
    const bad = [
      await signToken(keyA, { iss: "https://userid.security", aud: CLIENT_ID }, { nowMs: clock.ms }),
      await signToken(keyA, { iss: ISSUER, aud: "someone-else" }, { nowMs: clock.ms }),
      await signToken(keyA, { iss: ISSUER, aud: CLIENT_ID }, { nowMs: clock.ms - 7200_000, expiresInSec: 3600 }),
    ];
    for (const jwt of bad) {
      const error = (await caught(() => client.tokens.verifyIdToken(jwt))) as TransmitError;
      expect(error.code).toBe("token_invalid");
    }
  });

  it("accepts a token expired by less than the clock tolerance, using the injected clock", async () => {
    const { client, clock } = setup(jwks(keyA));
    const jwt = await signToken(keyA, { iss: ISSUER, aud: CLIENT_ID }, { nowMs: clock.ms, expiresInSec: 60 });
    clock.advance(80);
    expect((await client.tokens.verifyIdToken(jwt)).iss).toBe(ISSUER);
    clock.advance(30);
    expect(((await caught(() => client.tokens.verifyIdToken(jwt))) as TransmitError).code).toBe("token_invalid");
  });

  it("checks the access token audience only when one is given", async () => {
    const { client, clock } = setup(jwks(keyA));
    const jwt = await signToken(keyA, { iss: ISSUER, aud: "userid-api", sub: "u" }, { nowMs: clock.ms });
    expect((await client.tokens.verifyAccessToken(jwt)).sub).toBe("u");
    expect((await client.tokens.verifyAccessToken(jwt, { audience: "userid-api" })).sub).toBe("u");
    const error = (await caught(() =>
      client.tokens.verifyAccessToken(jwt, { audience: "https://api" }),
    )) as TransmitError;
    expect(error.code).toBe("token_invalid");
  });

  it("refetches the JWKS once on an unknown kid (key rotation) and accepts the new key", async () => {
    const { client, clock, fake } = setup(jwks(keyA), jwks(keyA, keyB));
    await client.tokens.verifyIdToken(await signToken(keyA, { iss: ISSUER, aud: CLIENT_ID }, { nowMs: clock.ms }));
    clock.advance(31);
    const rotated = await signToken(keyB, { iss: ISSUER, aud: CLIENT_ID }, { nowMs: clock.ms });
    expect((await client.tokens.verifyIdToken(rotated)).iss).toBe(ISSUER);
    expect(fake.calls).toHaveLength(2);
  });

  it("refetches at most once per cooldown for unknown kids", async () => {
    const { client, clock, fake } = setup(jwks(keyA));
    const unknown = await signToken(keyB, { iss: ISSUER, aud: CLIENT_ID }, { nowMs: clock.ms });
    // First verification fetches the set; the kid is unknown but the set is fresh (cooldown): no refetch.
    expect(((await caught(() => client.tokens.verifyIdToken(unknown))) as TransmitError).code).toBe("token_invalid");
    expect(fake.calls).toHaveLength(1);
    clock.advance(31);
    await caught(() => client.tokens.verifyIdToken(unknown));
    expect(fake.calls).toHaveLength(2);
    await caught(() => client.tokens.verifyIdToken(unknown));
    await caught(() => client.tokens.verifyIdToken(unknown));
    expect(fake.calls).toHaveLength(2);
  });

  it("rejects alg none and HS256 tokens before fetching any key", async () => {
    const { client, clock, fake } = setup(jwks(keyA));
    const iat = Math.floor(clock.ms / 1000);
    const b64 = (value: unknown) =>
      btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    const none = `${b64({ alg: "none", typ: "JWT" })}.${b64({ iss: ISSUER, aud: CLIENT_ID, iat, exp: iat + 3600 })}.`;
    const hs256 = await new SignJWT({ iss: ISSUER, aud: CLIENT_ID })
      .setProtectedHeader({ alg: "HS256", kid: "kid-a" })
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(new TextEncoder().encode("a-shared-secret-of-at-least-32-bytes!!"));
    for (const jwt of [none, hs256, "not.a.jwt", ""]) {
      expect(((await caught(() => client.tokens.verifyIdToken(jwt))) as TransmitError).code).toBe("token_invalid");
    }
    expect(fake.calls).toHaveLength(0);
  });

  it("rejects PS256 by default and accepts it when opted in", async () => {
    const ps = await createTestKey("kid-ps", "PS256");
    const fake = new FakeFetch().on("/cis/oidc/jwks", jwks(ps));
    const strict = makeClient(fake);
    const jwt = await signToken(ps, { iss: ISSUER, aud: CLIENT_ID }, { nowMs: strict.clock.ms });
    expect(((await caught(() => strict.client.tokens.verifyIdToken(jwt))) as TransmitError).code).toBe("token_invalid");
    const lenient = makeClient(fake, { algorithms: ["RS256", "PS256"] });
    expect((await lenient.client.tokens.verifyIdToken(jwt)).iss).toBe(ISSUER);
  });

  it("reports an unavailable JWKS as upstream_unavailable, not token_invalid", async () => {
    const { client, clock } = setup(text("down", 500));
    const jwt = await signToken(keyA, { iss: ISSUER, aud: CLIENT_ID }, { nowMs: clock.ms });
    expect(((await caught(() => client.tokens.verifyIdToken(jwt))) as TransmitError).code).toBe("upstream_unavailable");
  });

  it("keeps using cached keys when a scheduled JWKS refresh fails", async () => {
    const { client, clock, fake } = setup(jwks(keyA), text("down", 500));
    const jwt = await signToken(keyA, { iss: ISSUER, aud: CLIENT_ID }, { nowMs: clock.ms + 700_000 });
    await client.tokens.verifyIdToken(await signToken(keyA, { iss: ISSUER, aud: CLIENT_ID }, { nowMs: clock.ms }));
    clock.advance(700);
    expect((await client.tokens.verifyIdToken(jwt)).iss).toBe(ISSUER);
    expect(fake.calls.length).toBeGreaterThan(1);
  });

  it("requires an issuer for the sandbox and uses an explicit issuer and jwksUrl when given", async () => {
    const fake = new FakeFetch().on("/keys.json", jwks(keyA));
    const sandbox = makeClient(fake, { region: "sandbox" });
    const jwt = await signToken(keyA, { iss: "https://sbx.example", aud: CLIENT_ID }, { nowMs: sandbox.clock.ms });
    expect(((await caught(() => sandbox.client.tokens.verifyIdToken(jwt))) as TransmitError).code).toBe(
      "configuration",
    );
    expect(fake.calls).toHaveLength(0);
    const configured = makeClient(fake, {
      region: "sandbox",
      issuer: "https://sbx.example",
      jwksUrl: "https://keys.example/keys.json",
    });
    expect((await configured.client.tokens.verifyIdToken(jwt)).iss).toBe("https://sbx.example");
    expect(fake.calls[0]?.url).toBe("https://keys.example/keys.json");
  });
});
