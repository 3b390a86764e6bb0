/** JWT verification against a {@link RemoteKeySet}: signature, algorithm allow-list, `iss`, `aud`, `exp`. */
import type { Call } from "../deadline.ts";
import { TransmitError, transmitError } from "../errors.ts";
import type { VerifiedClaims } from "../types.ts";
import type { JWK, JWSHeaderParameters, RemoteKeySet } from "./key-set.ts";

/** Signature algorithms accepted for Transmit tokens. `none` and HMAC are never accepted. */
export type TokenAlgorithm = "RS256" | "PS256";

/** Checks applied by {@link verifyJwt}. */
export interface VerifyChecks {
  issuer: string;
  audience?: string | string[];
  algorithms: readonly TokenAlgorithm[];
  clockToleranceSec: number;
  nowMs: number;
}

/**
 * The two RSA algorithms, as WebCrypto parameters (RFC 7518 section 3.3 and 3.5: PS256 salts with the hash length).
 * Verification is WebCrypto's own, without jose: jwtVerify bundles the import code of every key type and JOSE
 * feature (~4.9 KB gzip of a Worker) for the checks below, which are the same as jose's jwtVerify makes for these
 * two algorithms (docs/core-reliability.md, "JWKS").
 */
const PARAMS = {
  RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  PS256: { name: "RSA-PSS", hash: "SHA-256", saltLength: 32 },
};
const MALFORMED = "malformed or unverifiable token";
const utf8 = new TextDecoder("utf-8", { fatal: true });
const ascii = new TextEncoder();

/** CryptoKeys imported, per JWK of the current key set and algorithm. */
const imported = new WeakMap<JWK, Record<string, CryptoKey>>();

const invalid = (reason: string) => transmitError("token_invalid", {}, reason);

/**
 * Bytes of one base64url part of a compact JWS (no padding, no other characters), in its one canonical spelling: the
 * unused low bits of the last character must be zero (RFC 4648 section 3.5). Otherwise every RS256 signature (342
 * characters, 4 unused bits) would have 15 other spellings that verify, and anything keyed by the token string (a
 * deny-list of stolen tokens, a replay or cache key) could be bypassed.
 */
function bytes(part: string): Uint8Array<ArrayBuffer> {
  if (!/^[\w-]*$/.test(part)) throw invalid(MALFORMED);
  const tail = part.length % 4;
  if ((tail === 2 && !/[AQgw]$/.test(part)) || (tail === 3 && !/[AEIMQUYcgkosw048]$/.test(part))) {
    throw invalid(MALFORMED);
  }
  const binary = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** A JSON object in a base64url part (header or claims). */
function object(part: string): Record<string, unknown> {
  const value: unknown = JSON.parse(utf8.decode(bytes(part)));
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(MALFORMED);
  return value as Record<string, unknown>;
}

/** Imports a JWK of the key set once per algorithm; RSA moduli under 2048 bits are refused (RFC 7518 section 3.3). */
async function cryptoKey(jwk: JWK, alg: TokenAlgorithm): Promise<CryptoKey> {
  const known = imported.get(jwk)?.[alg];
  if (known) return known;
  const key = await crypto.subtle.importKey("jwk", { kty: jwk.kty, n: jwk.n, e: jwk.e }, PARAMS[alg], false, [
    "verify",
  ]);
  if ((key.algorithm as RsaHashedKeyAlgorithm).modulusLength < 2048) throw invalid(MALFORMED);
  imported.set(jwk, { ...imported.get(jwk), [alg]: key });
  return key;
}

/**
 * Verifies `jwt` and returns its claims, or throws `token_invalid` (or the key fetch's TransmitError).
 *
 * The format, the header (`alg` on the allow-list, no `crit`: no extension is understood, RFC 7515 section 4.1.11)
 * and the signature's encoding are checked before any key is asked for. Several keys may match a token: duplicate
 * `kid`s in the JWKS, or a token without `kid` while the set holds more than one key. Each matching key is tried in
 * turn and the first that verifies the signature wins; when none does, the error says so (docs/core-reliability.md,
 * "JWKS"). Then the claims: `iss`, `aud` (when given) and `exp` present; `iss` equal, `aud` (string or list)
 * containing an accepted audience; `iat`, `nbf`, `exp` numbers when present; `nbf` not in the future and `exp` not
 * past, each with the clock tolerance.
 */
export async function verifyJwt(
  jwt: string,
  keySet: RemoteKeySet,
  checks: VerifyChecks,
  call: Call,
): Promise<VerifiedClaims> {
  if (typeof jwt !== "string" || jwt.length === 0) throw invalid("empty token");
  try {
    const [head = "", body = "", signed, extra] = jwt.split(".");
    if (signed === undefined || extra !== undefined) throw invalid(MALFORMED);
    const header = object(head);
    const alg = header.alg as TokenAlgorithm;
    if (typeof alg !== "string" || header.crit !== undefined) throw invalid(MALFORMED);
    if (!checks.algorithms.includes(alg) || !PARAMS[alg]) throw invalid("algorithm not allowed");
    const signature = bytes(signed);
    const data = ascii.encode(`${head}.${body}`);
    const keys = await keySet.getKeys(header as JWSHeaderParameters, call);
    let verified = false;
    for (const jwk of keys) {
      const key = await cryptoKey(jwk, alg);
      if (await crypto.subtle.verify(PARAMS[alg], key, signature, data).catch(() => false)) {
        verified = true;
        break;
      }
    }
    if (!verified) {
      throw invalid(keys.length > 1 ? "no matching key verified the signature" : "signature verification failed");
    }
    const claims = object(body);
    const claimFailed = (claim: string) => invalid(`${claim} claim check failed`);
    for (const claim of ["iss", ...(checks.audience !== undefined ? ["aud"] : []), "exp"]) {
      if (!Object.hasOwn(claims, claim)) throw claimFailed(claim);
    }
    if (claims.iss !== checks.issuer) throw claimFailed("iss");
    if (checks.audience !== undefined) {
      const accepted = typeof checks.audience === "string" ? [checks.audience] : checks.audience;
      const aud = claims.aud;
      if (
        !(typeof aud === "string"
          ? accepted.includes(aud)
          : Array.isArray(aud) && accepted.some((a) => aud.includes(a)))
      ) {
        throw claimFailed("aud");
      }
    }
    const now = Math.floor(checks.nowMs / 1000);
    const tolerance = checks.clockToleranceSec;
    for (const claim of ["iat", "nbf", "exp"]) {
      if (claims[claim] !== undefined && typeof claims[claim] !== "number") throw claimFailed(claim);
    }
    if ((claims.nbf as number) > now + tolerance) throw claimFailed("nbf");
    if ((claims.exp as number) <= now - tolerance) throw invalid("expired");
    return claims as VerifiedClaims;
  } catch (error) {
    if (error instanceof TransmitError) throw error;
    throw invalid(MALFORMED);
  }
}
