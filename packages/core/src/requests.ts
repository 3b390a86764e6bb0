/**
 * Request builders for the CIS backend endpoints: camelCase input -> Transmit's snake_case JSON, retry policy per
 * route (docs/core-reliability.md, "Retries"). The bearer client token is added per attempt by the caller. Input
 * is checked here, before anything is sent: it must serialise to JSON and stay within the size limits.
 */
import { transmitError } from "./errors.ts";
import type { UpstreamRequest } from "./transport.ts";
import type {
  ClientAttributes,
  PasswordAuthenticateInput,
  PasswordResetInput,
  RouteName,
  SessionAuthenticateInput,
} from "./types.ts";

/**
 * Longest password (and new password) accepted, in characters. Far above any real password; a cap keeps a caller
 * from sending megabytes to Transmit (docs/core-reliability.md, "Input limits").
 */
export const MAX_PASSWORD_LENGTH = 1024;
/** Largest JSON request body, in characters (claims, attributes, ids together). */
export const MAX_REQUEST_BODY = 64 * 1024;

/** Transmit's `client_attributes`, or `undefined` when there are none. */
export function clientAttributes(attrs: ClientAttributes | undefined): Record<string, unknown> | undefined {
  const { ipAddress, userAgent } = attrs ?? {};
  return ipAddress === undefined && userAgent === undefined
    ? undefined
    : { ip_address: ipAddress, user_agent: userAgent };
}

/**
 * A JSON POST of `fields`. Fields whose value is `undefined` are not sent: `JSON.stringify` leaves them out, and
 * they are not strings, so not secrets either.
 */
export function jsonPost(
  route: RouteName,
  url: string,
  fields: Record<string, unknown>,
  retry: UpstreamRequest["retry"],
): UpstreamRequest {
  let text: string;
  try {
    text = JSON.stringify(fields);
  } catch {
    // BigInt, circular structures, throwing toJSON: a raw TypeError would escape the documented error type.
    throw transmitError("invalid_request", {}, "input not serialisable as JSON");
  }
  if (text.length > MAX_REQUEST_BODY) throw transmitError("invalid_request", {}, "input too large");
  return {
    route,
    url,
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: text,
    retry,
    secrets: Object.values(fields).filter((v): v is string => typeof v === "string"),
  };
}

/** `POST {root}/cis/v1/auth/password/authenticate`. Counts towards lockout: never retried once sent. */
export function passwordAuthenticateRequest(root: string, input: PasswordAuthenticateInput) {
  return jsonPost(
    "password.authenticate",
    `${root}/cis/v1/auth/password/authenticate`,
    {
      username: input.username,
      password: input.password,
      username_type: input.usernameType,
      resource: input.resource,
      claims: input.claims,
      org_id: input.orgId,
      session_id: input.sessionId,
      device_id: input.deviceId,
      client_attributes: clientAttributes(input.clientAttributes),
    },
    "once-sent",
  );
}

/** `POST {root}/cis/v1/auth/password/reset`. Consumes the reset token: never retried once sent. */
export function passwordResetRequest(root: string, input: PasswordResetInput) {
  return jsonPost(
    "password.reset",
    `${root}/cis/v1/auth/password/reset`,
    { reset_token: input.resetToken, new_password: input.newPassword },
    "once-sent",
  );
}

/** `POST {root}/cis/v1/auth/session/authenticate`. Mints tokens and extends the session: never retried once sent. */
export function sessionAuthenticateRequest(root: string, input: SessionAuthenticateInput) {
  return jsonPost(
    "session.authenticate",
    `${root}/cis/v1/auth/session/authenticate`,
    {
      session_id: input.sessionId,
      resource: input.resource,
      claims: input.claims,
      org_id: input.orgId,
      client_attributes: clientAttributes(input.clientAttributes),
    },
    "once-sent",
  );
}

/** `POST {root}/cis/v1/auth/session/logout`. Idempotent: may be retried with backoff. */
export function logoutRequest(root: string, sessionId: string) {
  return jsonPost("session.logout", `${root}/cis/v1/auth/session/logout`, { session_id: sessionId }, "idempotent");
}

/** `POST {root}/cis/v1/auth/token/refresh`. Rotates the refresh token: never retried once sent. */
export function refreshRequest(root: string, refreshToken: string) {
  return jsonPost("token.refresh", `${root}/cis/v1/auth/token/refresh`, { refresh_token: refreshToken }, "once-sent");
}
