/**
 * Response processing, separate from transport so it can be tested with hand-made `Response` objects:
 * success bodies become camelCase results, failures become a {@link TransmitError} with a stable code.
 */
import { type ErrorBody, parseErrorBody, parseJsonObject } from "./error-body.ts";
import { type TransmitError, type TransmitErrorCode, transmitError } from "./errors.ts";
import { requestIdOf } from "./headers.ts";
import { parseRetryAfter } from "./retry-after.ts";
import { createTokenSet } from "./token-set.ts";
import type { UpstreamResponse } from "./transport.ts";
import type { RouteName, TokenSet } from "./types.ts";

const LOCKED = /auth_locked|locked|suspended/i;
const CHANGE_REQUIRED = /^(temporary_password|password_expired)$/i;
const SESSION_NOT_FOUND = /session not found|session_not_found/i;
const INVALID_INPUT = /system_invalid_input|validation/i;

/**
 * The part of the error mapping that depends on the operation, applied after the checks every route shares (status
 * classes, the client's own failures, lockout, forced password change). One per CIS route, passed by the caller
 * that sends it, so that a login-only bundle carries the password rules alone. `text` is the body's code and message.
 */
export type RouteCodes = (status: number, body: ErrorBody, text: string) => TransmitErrorCode;

/** `password.authenticate`. */
export const passwordCodes: RouteCodes = (status, body, text) =>
  // Undocumented (docs/transmit-contract.md, "Error bodies"): a wrong password may come as 400 or 401. Every 4xx is
  // a generic credentials failure (fail closed, no user enumeration) except recognisable validation errors.
  status === 400 && (body.validation === true || INVALID_INPUT.test(text)) ? "invalid_request" : "invalid_credentials";

/** `session.authenticate` and `session.logout`. */
export const sessionCodes: RouteCodes = (status, _body, text) =>
  SESSION_NOT_FOUND.test(text) || status === 404 || status === 401
    ? "session_not_found"
    : status === 403
      ? "unauthorized_client"
      : "invalid_request";

/** `token.refresh`. */
export const refreshCodes: RouteCodes = (status) => (status === 403 ? "unauthorized_client" : "token_invalid");

/** `password.reset`. */
export const resetCodes: RouteCodes = (status, _body, text) =>
  status !== 400
    ? "token_invalid"
    : // Transmit documents the 400 as the new password failing the policy (docs/transmit-contract.md); a validation
      // error that does not name the password is our own malformed input.
      /system_invalid_input/i.test(text) && !/password/i.test(text)
      ? "invalid_request"
      : "password_rejected";

function codeFor(
  route: RouteName,
  status: number,
  body: ErrorBody,
  routeCodes: RouteCodes | undefined,
): TransmitErrorCode {
  const text = `${body.code ?? ""} ${body.message ?? ""}`;
  if (status === 429) return "rate_limited";
  // 408: the server gave up waiting for the request, which was not processed (RFC 9110 section 15.5.9).
  if (status >= 500 || status === 408) return "upstream_unavailable";
  if (status < 400) return "invalid_response"; // e.g. a 3xx, which `redirect: "manual"` leaves unfollowed
  // 431: request headers too large (RFC 6585 section 5). The only large header is the client token's, so this is
  // the client's fault, never the user's password.
  // Bad client id/secret is undocumented: `{message:"Bad request"}` 400 or OAuth `invalid_client` 400/401.
  if (status === 431 || route === "token") return "unauthorized_client";
  if (route === "jwks") return "invalid_response";
  if (status === 423 || (status === 403 && LOCKED.test(text))) return "locked";
  // An absent message is tested as "undefined", which the pattern does not match.
  if (status === 403 && (body.resetToken !== undefined || CHANGE_REQUIRED.test(body.message as string))) {
    return "password_change_required";
  }
  return routeCodes ? routeCodes(status, body, text) : "invalid_request";
}

/**
 * Maps a non-success response to a {@link TransmitError}, with `routeCodes` for the operation's own rules. Never
 * includes body text in the error.
 */
export function errorFromResponse(res: UpstreamResponse, nowMs: number, routeCodes?: RouteCodes): TransmitError {
  const { route, status, headers } = res;
  const body = parseErrorBody(res.text);
  const code = codeFor(route, status, body, routeCodes);
  const retryAfter = parseRetryAfter(headers.get("retry-after"), nowMs);
  const requestId = requestIdOf(headers);
  return transmitError(
    code,
    {
      status,
      route,
      ...(requestId !== undefined && { requestId }),
      ...(retryAfter !== undefined && { retryAfter }),
      ...(body.code !== undefined && { upstreamCode: body.code }),
      ...(code === "password_change_required" && body.resetToken !== undefined && { resetToken: body.resetToken }),
    },
    `HTTP ${status} from ${route}`,
  );
}

/** An `invalid_response` error for `res`, with its status and request id. */
export function invalidResponse(res: UpstreamResponse, detail: string): TransmitError {
  const { route, status } = res;
  const requestId = requestIdOf(res.headers);
  return transmitError("invalid_response", { status, route, ...(requestId !== undefined && { requestId }) }, detail);
}

/** Parses a 200 body as a JSON object or throws `invalid_response` (HTML, truncated JSON, empty). */
export function parseSuccessJson(res: UpstreamResponse): Record<string, unknown> {
  const json = parseJsonObject(res.text);
  if (!json) throw invalidResponse(res, `${res.route} returned a body that is not a JSON object`);
  return json;
}

/**
 * Largest `expires_in` accepted, in seconds (one year). Transmit's tokens live an hour by default and their
 * lifetimes can be configured per resource (docs/transmit-contract.md, "Token lifetimes"); a larger value is a
 * broken answer, and would overflow the expiry arithmetic of caches.
 */
export const MAX_EXPIRES_IN_SEC = 365 * 86_400;

/** Converts the JSON of a 200 token response `res` (`access_token`, `token_type`, `expires_in`, ...) to a {@link TokenSet}. */
export function tokenSetFromJson(res: UpstreamResponse, json: Record<string, unknown>): TokenSet {
  const { access_token, id_token, refresh_token, token_type, expires_in, session_id } = json;
  const expiresIn = typeof expires_in === "string" && /^\d+$/.test(expires_in) ? Number(expires_in) : expires_in;
  if (typeof access_token !== "string" || access_token.length === 0) {
    throw invalidResponse(res, "access_token missing");
  }
  if (typeof expiresIn !== "number" || !(expiresIn >= 1 && expiresIn <= MAX_EXPIRES_IN_SEC)) {
    throw invalidResponse(res, "expires_in missing or out of range");
  }
  if (token_type !== undefined && typeof token_type !== "string") {
    throw invalidResponse(res, "token_type invalid");
  }
  return createTokenSet({
    accessToken: access_token,
    tokenType: (token_type as string | undefined) || "Bearer", // a string or absent here
    expiresIn,
    ...(typeof id_token === "string" && id_token && { idToken: id_token }),
    ...(typeof refresh_token === "string" && refresh_token && { refreshToken: refresh_token }),
    ...(typeof session_id === "string" && session_id && { sessionId: session_id }),
  });
}

/** Throws the mapped {@link TransmitError} unless the response is a 2xx. */
export function ensureSuccess(res: UpstreamResponse, nowMs: number, routeCodes?: RouteCodes): void {
  if (res.status < 200 || res.status > 299) throw errorFromResponse(res, nowMs, routeCodes);
}

/** Processes a user-token response (password, session authenticate, refresh) into a {@link TokenSet}. */
export function processTokenResponse(res: UpstreamResponse, nowMs: number, routeCodes: RouteCodes): TokenSet {
  ensureSuccess(res, nowMs, routeCodes);
  return tokenSetFromJson(res, parseSuccessJson(res));
}
