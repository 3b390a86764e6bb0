/**
 * `WWW-Authenticate` for resources protected by Transmit access tokens (RFC 6750 section 3). The client itself
 * never answers HTTP requests; this helper is for the server that verifies bearer tokens with it.
 */
import type { TransmitError } from "./errors.ts";

/** Options of {@link bearerChallenge}. */
export interface BearerChallengeOptions {
  /** Protection space, e.g. your API's name. */
  realm?: string;
  /**
   * RFC 6750 section 3.1 error code, or the `TransmitError` of a failed verification: `token_invalid` becomes
   * `invalid_token`; other codes (a JWKS outage, a timeout) add no error code, as they are not the token's fault
   * and deserve a 503 rather than a 401. Leave it out when the request carried no token: no error code is sent.
   */
  error?: "invalid_request" | "invalid_token" | "insufficient_scope" | TransmitError;
  /** Human-readable text for developers (never shown to end users). */
  errorDescription?: string;
  /** Space-separated scopes needed (`insufficient_scope`). */
  scope?: string;
}

/** RFC 6750 section 3: auth-param values are quoted strings without `"` or `\` (and printable ASCII only). */
const quoted = (value: string) => `"${value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, "")}"`;

/**
 * Builds the `WWW-Authenticate` value of a `401` (or `403` for `insufficient_scope`) for a bearer-token request.
 *
 * @example
 * ```ts
 * async function guard(request: Request, verify: (jwt: string) => Promise<unknown>): Promise<Response | undefined> {
 *   const jwt = request.headers.get("authorization")?.replace(/^Bearer /, "");
 *   if (!jwt) return new Response(null, { status: 401, headers: { "WWW-Authenticate": bearerChallenge({ realm: "api" }) } });
 *   try {
 *     await verify(jwt);
 *   } catch (error) {
 *     if (!(error instanceof TransmitError)) throw error;
 *     // Bearer realm="api", error="invalid_token"
 *     return new Response(null, { status: 401, headers: { "WWW-Authenticate": bearerChallenge({ realm: "api", error }) } });
 *   }
 *   return undefined;
 * }
 * ```
 */
export function bearerChallenge(options: BearerChallengeOptions = {}): string {
  const { realm, error, errorDescription, scope } = options;
  const code = typeof error === "object" ? (error.code === "token_invalid" ? "invalid_token" : undefined) : error;
  const params: string[] = [];
  if (realm !== undefined) params.push(`realm=${quoted(realm)}`);
  if (scope !== undefined) params.push(`scope=${quoted(scope)}`);
  if (code !== undefined) params.push(`error=${quoted(code)}`);
  if (errorDescription !== undefined) params.push(`error_description=${quoted(errorDescription)}`);
  return params.length > 0 ? `Bearer ${params.join(", ")}` : "Bearer";
}
