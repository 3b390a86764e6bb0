/** JWT verification against a {@link RemoteKeySet}: signature, algorithm allow-list, `iss`, `aud`, `exp`. */
import { type FlattenedJWSInput, type JWSHeaderParameters, errors as joseErrors, jwtVerify } from "jose";
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

function reason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `${error.claim} claim check failed`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "algorithm not allowed";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "no matching key";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "signature verification failed";
  return "malformed or unverifiable token";
}

/**
 * Verifies `jwt` and returns its claims, or throws `token_invalid` (or the key fetch's TransmitError).
 *
 * Several keys may match a token: duplicate `kid`s in the JWKS, or a token without `kid` while the set holds more
 * than one key. As jose recommends, each matching key is then tried in turn and the first that verifies the
 * signature wins; when none does, the error says so (docs/core-reliability.md, "JWKS").
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
  try {
    try {
      return (
        await jwtVerify(
          jwt,
          (header: JWSHeaderParameters, token: FlattenedJWSInput) => keySet.getKey(header, token, call),
          options,
        )
      ).payload as VerifiedClaims;
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSMultipleMatchingKeys)) throw error;
      for await (const key of error) {
        try {
          return (await jwtVerify(jwt, key, options)).payload as VerifiedClaims;
        } catch (inner) {
          if (!(inner instanceof joseErrors.JWSSignatureVerificationFailed)) throw inner;
        }
      }
      throw transmitError("token_invalid", {}, "none of the keys matching the token verified its signature");
    }
  } catch (error) {
    if (error instanceof TransmitError) throw error;
    throw transmitError("token_invalid", {}, reason(error));
  }
}
