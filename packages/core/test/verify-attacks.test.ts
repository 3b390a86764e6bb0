// Token verification is WebCrypto's own (src/jwks/verify.ts), not jose's jwtVerify. These are the forged and
// malformed tokens an attacker would try, each checked against our verifier and, where jose has an answer, against
// jose.jwtVerify with the same checks: the two must agree, token by token.
import { importJWK, jwtVerify } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import type { TransmitError } from "../src/index.ts";
import { CLIENT_ID, caught, createTestKey, FakeFetch, jwks, makeClient, type TestKey } from "./helpers.ts";

const ISSUER = "https://eu.userid.security";
const TOLERANCE = 30; // the client's default clockToleranceSec

const b64 = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/=+$/, "")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
const text = (value: unknown) =>
  b64(new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value)));

/** An RS256 signing key of `bits`, its public JWK, and the same key material as an RSA-PSS (PS256) signing key. */
async function rawKey(kid: string, bits = 2048): Promise<TestKey & { pss: CryptoKey }> {
  const hash = "SHA-256";
  const pair = await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash },
    true,
    ["sign", "verify"],
  );
  const { alg: _alg, key_ops: _ops, ...secret } = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const pss = await crypto.subtle.importKey("jwk", secret, { name: "RSA-PSS", hash }, false, ["sign"]);
  const { kty, n, e } = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return { kid, alg: "RS256", privateKey: pair.privateKey, pss, jwk: { kty, n, e, kid, alg: "RS256", use: "sig" } };
}

/** Signs any header and payload (objects are JSON-encoded, strings taken as they are) with `key`. */
async function forge(key: TestKey & { pss?: CryptoKey }, header: unknown, payload: unknown, pss = false) {
  const input = `${text(header)}.${text(payload)}`;
  const signature = pss
    ? await crypto.subtle.sign(
        { name: "RSA-PSS", saltLength: 32 },
        key.pss as CryptoKey,
        new TextEncoder().encode(input),
      )
    : await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key.privateKey, new TextEncoder().encode(input));
  return `${input}.${b64(new Uint8Array(signature))}`;
}

describe("token verification without jose: forged and malformed tokens", () => {
  let key: Awaited<ReturnType<typeof rawKey>>;
  let other: TestKey;
  beforeEach(async () => {
    key ??= await rawKey("kid-a");
    other ??= await createTestKey("kid-b");
  });

  function setup() {
    const fake = new FakeFetch().on("/cis/oidc/jwks", jwks(key));
    return { fake, ...makeClient(fake) };
  }

  /** Whether our verifier accepts `jwt`, and (with the same checks) whether jose.jwtVerify does. */
  async function outcomes(jwt: string, nowMs: number) {
    const { client } = setup();
    const ours = await client.tokens.verifyIdToken(jwt).then(
      () => true,
      (error: TransmitError) => {
        expect(error.code).toBe("token_invalid");
        return false;
      },
    );
    const jose = await jwtVerify(jwt, await importJWK(key.jwk, "RS256"), {
      issuer: ISSUER,
      audience: CLIENT_ID,
      algorithms: ["RS256"],
      clockTolerance: TOLERANCE,
      currentDate: new Date(nowMs),
      requiredClaims: ["exp"],
    }).then(
      () => true,
      () => false,
    );
    return { ours, jose };
  }

  it("G04 agrees with jose.jwtVerify on good, expired, not-yet-valid, mistyped and misaddressed tokens", async () => {
    const { clock } = setup();
    const now = Math.floor(clock.ms / 1000);
    const header = { alg: "RS256", kid: "kid-a", typ: "JWT" };
    const good = { iss: ISSUER, aud: CLIENT_ID, sub: "u", iat: now, exp: now + 3600 };
    const cases: [string, unknown, boolean][] = [
      ["good", good, true],
      ["aud as a list holding the client id", { ...good, aud: ["other", CLIENT_ID] }, true],
      ["aud as a list without it", { ...good, aud: ["other"] }, false],
      ["aud as a number", { ...good, aud: 7 }, false],
      ["aud missing", { ...good, aud: undefined }, false],
      ["iss of another region", { ...good, iss: "https://us.userid.security" }, false],
      ["iss missing", { ...good, iss: undefined }, false],
      ["exp missing", { ...good, exp: undefined }, false],
      ["exp as a string", { ...good, exp: String(now + 3600) }, false],
      ["exp at the tolerance's edge (expired)", { ...good, exp: now - TOLERANCE }, false],
      ["exp one second inside the tolerance", { ...good, exp: now - TOLERANCE + 1 }, true],
      ["iat as a string", { ...good, iat: String(now) }, false],
      ["iat in the future (no max age: allowed)", { ...good, iat: now + 600 }, true],
      ["nbf beyond the tolerance", { ...good, nbf: now + TOLERANCE + 1 }, false],
      ["nbf within the tolerance", { ...good, nbf: now + TOLERANCE }, true],
      ["nbf as a string", { ...good, nbf: String(now) }, false],
      ["claims as a list", [good], false],
      ["claims as a JSON string", JSON.stringify("claims"), false],
      ["claims not JSON", "{not json", false],
    ];
    for (const [name, payload, accepted] of cases) {
      const jwt = await forge(key, header, payload);
      expect({ name, ...(await outcomes(jwt, clock.ms)) }).toEqual({ name, ours: accepted, jose: accepted });
    }
  });

  it("G04 rejects tampered, re-signed and re-encoded tokens, as jose does", async () => {
    const { clock } = setup();
    const now = Math.floor(clock.ms / 1000);
    const header = { alg: "RS256", kid: "kid-a" };
    const claims = { iss: ISSUER, aud: CLIENT_ID, sub: "u", exp: now + 3600 };
    const jwt = await forge(key, header, claims);
    const [h, p, s] = jwt.split(".") as [string, string, string];
    const admin = text({ ...claims, sub: "admin" });
    const cases: [string, string][] = [
      ["payload swapped, signature kept", `${h}.${admin}.${s}`],
      [
        "signature of another key with the same kid",
        await forge(other, header, claims).then((t) => `${h}.${p}.${t.split(".")[2]}`),
      ],
      ["signature cut short", `${h}.${p}.${s.slice(0, -4)}`],
      ["empty signature", `${h}.${p}.`],
      ["signature in standard base64", `${h}.${p}.${s.replace(/-/g, "+").replace(/_/g, "/")}A+/`],
      ["header not JSON", `${text("{alg")}.${p}.${s}`],
      ["header a list", `${text([header])}.${p}.${s}`],
      ["four parts", `${jwt}.${s}`],
      ["two parts", `${h}.${p}`],
      ["PS256 signature under an RS256 header", await forge(key, header, claims, true)],
      ["alg missing", await forge(key, { kid: "kid-a" }, claims)],
      ["unknown critical extension", await forge(key, { ...header, crit: ["exp"], exp: 1 }, claims)],
    ];
    for (const [name, token] of cases) {
      expect({ name, ...(await outcomes(token, clock.ms)) }).toEqual({ name, ours: false, jose: false });
    }
  });

  it("G04 refuses any crit header and padded base64url, where jose would accept them", async () => {
    const { client, clock } = setup();
    const now = Math.floor(clock.ms / 1000);
    const claims = { iss: ISSUER, aud: CLIENT_ID, exp: now + 3600 };
    // RFC 7797's unencoded-payload switch left on (b64: true) is legal JOSE; Transmit never sends crit, so any is refused.
    const crit = await forge(key, { alg: "RS256", kid: "kid-a", crit: ["b64"], b64: true }, claims);
    const padded = `${await forge(key, { alg: "RS256", kid: "kid-a" }, claims)}==`;
    for (const jwt of [crit, padded]) {
      expect(((await caught(() => client.tokens.verifyIdToken(jwt))) as TransmitError).code).toBe("token_invalid");
    }
  });

  it("G04 refuses a key under 2048 bits even when it signed the token and the JWKS lists it", async () => {
    const weak = await rawKey("weak", 1024);
    const fake = new FakeFetch().on("/cis/oidc/jwks", jwks(weak));
    const { client, clock } = makeClient(fake);
    const now = Math.floor(clock.ms / 1000);
    const jwt = await forge(weak, { alg: "RS256", kid: "weak" }, { iss: ISSUER, aud: CLIENT_ID, exp: now + 3600 });
    const error = (await caught(() => client.tokens.verifyIdToken(jwt))) as TransmitError;
    expect(error.code).toBe("token_invalid");
    expect(fake.calls).toHaveLength(1);
  });

  it("G04 never answers with the token's claims when it fails, and names no key material", async () => {
    const { client, clock } = setup();
    const now = Math.floor(clock.ms / 1000);
    const jwt = await forge(
      key,
      { alg: "RS256", kid: "kid-a" },
      { iss: ISSUER, aud: "x", sub: "SECRET-SUB", exp: now + 60 },
    );
    const error = (await caught(() => client.tokens.verifyIdToken(jwt))) as TransmitError;
    expect(error.code).toBe("token_invalid");
    expect(error.message).toContain("aud claim check failed");
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain("SECRET-SUB");
    expect(error.message).not.toContain(key.jwk.n as string);
  });
});
