/** JWT verification against a {@link RemoteKeySet}: signature, algorithm allow-list, `iss`, `aud`, `exp`. */
import { type JWK, type JWSHeaderParameters, jwtVerify } from "jose";
import type { Call } from "../deadline.ts";
import { TransmitError, transmitError } from "../errors.ts";
import type { VerifiedClaims } from "../types.ts";
import type { RemoteKeySet } from "./key-set.ts";

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
 * jose's error code (`ERR_JWT_EXPIRED`, ...). Matched by code rather than `instanceof`: importing jose's `errors`
 * namespace would put every jose error class into every bundle that uses core.
 */
/** CryptoKeys jose imported, per JWK of the current key set and algorithm. */
const imported = new WeakMap<JWK, Record<string, CryptoKey>>();

const joseCode = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;
const SIGNATURE_FAILED = "ERR_JWS_SIGNATURE_VERIFICATION_FAILED";

function reason(error: unknown): string {
  switch (joseCode(error)) {
    case "ERR_JWT_EXPIRED":
      return "expired";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return `${(error as { claim?: string }).claim} claim check failed`;
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "algorithm not allowed";
    case SIGNATURE_FAILED:
      return "signature verification failed";
    default:
      return "malformed or unverifiable token";
  }
}

/**
 * Verifies `jwt` and returns its claims, or throws `token_invalid` (or the key fetch's TransmitError).
 *
 * Several keys may match a token: duplicate `kid`s in the JWKS, or a token without `kid` while the set holds more
 * than one key. As jose recommends for that case, each matching key is tried in turn and the first that verifies
 * the signature wins; when none does, the error says so (docs/core-reliability.md, "JWKS").
 */
export async function verifyJwt(
  jwt: string,
  keySet: RemoteKeySet,
  checks: VerifyChecks,
  call: Call,
): Promise<VerifiedClaims> {
  if (typeof jwt !== "string" || jwt.length === 0) throw transmitError("token_invalid", {}, "empty token");
  const options = {
    issuer: checks.issuer,
    ...(checks.audience !== undefined && { audience: checks.audience }),
    algorithms: [...checks.algorithms],
    clockTolerance: checks.clockToleranceSec,
    currentDate: new Date(checks.nowMs),
    requiredClaims: ["exp"],
  };
  // jose checks the format and the algorithm allow-list before it asks for a key.
  let others: JWK[] = [];
  let chosen: JWK | undefined;
  let alg = "";
  const firstKey = async (header: JWSHeaderParameters) => {
    const [first, ...rest] = await keySet.getKeys(header, call);
    others = rest;
    chosen = first as JWK;
    alg = String(header.alg);
    return imported.get(chosen)?.[alg] ?? chosen;
  };
  try {
    try {
      const { payload, key } = await jwtVerify(jwt, firstKey, options);
      // Keep the key jose imported: later tokens signed with it skip the JWK import and its checks.
      if (chosen && key instanceof CryptoKey) imported.set(chosen, { ...imported.get(chosen), [alg]: key });
      return payload as VerifiedClaims;
    } catch (error) {
      if (joseCode(error) !== SIGNATURE_FAILED || others.length === 0) throw error;
      for (const key of others) {
        try {
          return (await jwtVerify(jwt, key, options)).payload as VerifiedClaims;
        } catch (inner) {
          if (joseCode(inner) !== SIGNATURE_FAILED) throw inner;
        }
      }
      throw transmitError("token_invalid", {}, "no matching key verified the signature");
    }
  } catch (error) {
    if (error instanceof TransmitError) throw error;
    throw transmitError("token_invalid", {}, reason(error));
  }
}
