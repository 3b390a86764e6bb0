/**
 * Response processing, separate from transport so it can be tested with hand-made `Response` objects:
 * success bodies become camelCase results, failures become a {@link TransmitError} with a stable code.
 */
import { type ErrorBody, parseErrorBody, parseJsonObject } from "./error-body.ts";
import { type TransmitError, type TransmitErrorCode, transmitError } from "./errors.ts";
import { parseRetryAfter } from "./retry-after.ts";
import { createTokenSet } from "./token-set.ts";
import type { UpstreamResponse } from "./transport.ts";
import type { RouteName, TokenSet } from "./types.ts";

/** Request ids are copied into errors and events: only id-shaped values, never free text. */
const SAFE_REQUEST_ID = /^[\w.:/+=-]{1,128}$/;

/** Reads the upstream request id from the usual headers, when it looks like one. */
export function requestIdOf(headers: Headers): string | undefined {
  const id = headers.get("x-request-id") ?? headers.get("x-correlation-id") ?? headers.get("request-id");
  return id !== null && SAFE_REQUEST_ID.test(id) ? id : undefined;
}

const LOCKED = /auth_locked|locked|suspended/i;
const CHANGE_REQUIRED = /^(temporary_password|password_expired)$/i;
const SESSION_NOT_FOUND = /session not found|session_not_found/i;
const INVALID_INPUT = /system_invalid_input|validation/i;

function codeFor(route: RouteName, status: number, body: ErrorBody): TransmitErrorCode {
  const text = `${body.code ?? ""} ${body.message ?? ""}`;
  if (status === 429) return "rate_limited";
  // 408: the server gave up waiting for the request, which was not processed (RFC 9110 section 15.5.9).
  if (status >= 500 || status === 408) return "upstream_unavailable";
  if (status < 400) return "invalid_response"; // e.g. a 3xx, which `redirect: "manual"` leaves unfollowed
  // 431: request headers too large (RFC 6585 section 5). The only large header is the client token's, so this is
  // the client's fault, never the user's password.
  if (status === 431) return "unauthorized_client";
  // Bad client id/secret is undocumented: `{message:"Bad request"}` 400 or OAuth `invalid_client` 400/401.
  if (route === "token") return "unauthorized_client";
  if (route === "jwks") return "invalid_response";
  if (status === 423 || (status === 403 && LOCKED.test(text))) return "locked";
  if (status === 403 && (body.resetToken !== undefined || CHANGE_REQUIRED.test(body.message ?? ""))) {
    return "password_change_required";
  }
  switch (route) {
    case "password.authenticate":
      // Undocumented (docs/transmit-contract.md, "Error bodies"): a wrong password may come as 400 or 401. Every
      // 4xx is a generic credentials failure (fail closed, no user enumeration) except recognisable validation errors.
      if (status === 400 && (body.validation === true || INVALID_INPUT.test(text))) return "invalid_request";
      return "invalid_credentials";
    case "session.authenticate":
    case "session.logout":
      if (SESSION_NOT_FOUND.test(text) || status === 404 || status === 401) return "session_not_found";
      return status === 403 ? "unauthorized_client" : "invalid_request";
    case "token.refresh":
      return status === 403 ? "unauthorized_client" : "token_invalid";
    case "password.reset":
      if (status === 400) return "invalid_request";
      return "token_invalid";
    default:
      return "invalid_request";
  }
}

/** Maps a non-success response to a {@link TransmitError}. Never includes body text in the error. */
export function errorFromResponse(
  route: RouteName,
  status: number,
  headers: Headers,
  text: string,
  nowMs: number,
): TransmitError {
  const body = parseErrorBody(text);
  const code = codeFor(route, status, body);
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

/** An `invalid_response` error for an answer of `route`, with its status and request id. */
export function invalidResponse(route: RouteName, status: number, headers: Headers, detail: string): TransmitError {
  const requestId = requestIdOf(headers);
  return transmitError("invalid_response", { status, route, ...(requestId !== undefined && { requestId }) }, detail);
}

/** Parses a 200 body as a JSON object or throws `invalid_response` (HTML, truncated JSON, empty). */
export function parseSuccessJson(route: RouteName, status: number, headers: Headers, text: string) {
  const json = parseJsonObject(text);
  if (!json) throw invalidResponse(route, status, headers, `${route} returned a body that is not a JSON object`);
  return json;
}

/**
 * Largest `expires_in` accepted, in seconds (one year). Transmit's tokens live an hour by default and their
 * lifetimes can be configured per resource (docs/transmit-contract.md, "Token lifetimes"); a larger value is a
 * broken answer, and would overflow the expiry arithmetic of caches.
 */
export const MAX_EXPIRES_IN_SEC = 365 * 86_400;

/** Converts a 200 token response (`access_token`, `token_type`, `expires_in`, ...) to a {@link TokenSet}. */
export function tokenSetFromJson(
  route: RouteName,
  status: number,
  headers: Headers,
  json: Record<string, unknown>,
): TokenSet {
  const { access_token, id_token, refresh_token, token_type, expires_in, session_id } = json;
  const expiresIn = typeof expires_in === "string" && /^\d+$/.test(expires_in) ? Number(expires_in) : expires_in;
  if (typeof access_token !== "string" || access_token.length === 0) {
    throw invalidResponse(route, status, headers, "access_token missing");
  }
  if (typeof expiresIn !== "number" || !(expiresIn >= 1 && expiresIn <= MAX_EXPIRES_IN_SEC)) {
    throw invalidResponse(route, status, headers, "expires_in missing or out of range");
  }
  if (token_type !== undefined && typeof token_type !== "string") {
    throw invalidResponse(route, status, headers, "token_type invalid");
  }
  return createTokenSet({
    accessToken: access_token,
    tokenType: typeof token_type === "string" && token_type ? token_type : "Bearer",
    expiresIn,
    ...(typeof id_token === "string" && id_token && { idToken: id_token }),
    ...(typeof refresh_token === "string" && refresh_token && { refreshToken: refresh_token }),
    ...(typeof session_id === "string" && session_id && { sessionId: session_id }),
  });
}

/** Throws the mapped {@link TransmitError} unless the response is a 2xx. */
export function ensureSuccess(route: RouteName, res: UpstreamResponse, nowMs: number): void {
  if (res.status < 200 || res.status > 299) throw errorFromResponse(route, res.status, res.headers, res.text, nowMs);
}

/** Processes a user-token response (password, session authenticate, refresh) into a {@link TokenSet}. */
export function processTokenResponse(route: RouteName, res: UpstreamResponse, nowMs: number): TokenSet {
  ensureSuccess(route, res, nowMs);
  return tokenSetFromJson(route, res.status, res.headers, parseSuccessJson(route, res.status, res.headers, res.text));
}
