/**
 * Request builders for the CIS backend endpoints: camelCase input -> Transmit's snake_case JSON, bearer client
 * token, retry policy per route (security-checklist E03).
 */
import type { UpstreamRequest } from "./transport.ts";
import type {
  ClientAttributes,
  PasswordAuthenticateInput,
  PasswordResetInput,
  RouteName,
  SessionAuthenticateInput,
} from "./types.ts";

/** Drops `undefined` values so they are not sent. */
function compact(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in body) if (body[key] !== undefined) out[key] = body[key];
  return out;
}

function clientAttributes(attrs: ClientAttributes | undefined): Record<string, unknown> | undefined {
  if (!attrs) return undefined;
  const out = compact({ ip_address: attrs.ipAddress, user_agent: attrs.userAgent });
  return Object.keys(out).length > 0 ? out : undefined;
}

function jsonPost(
  route: RouteName,
  url: string,
  token: string,
  body: Record<string, unknown>,
  retry: UpstreamRequest["retry"],
): UpstreamRequest {
  return {
    route,
    url,
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(compact(body)),
    retry,
  };
}

/** `POST {root}/cis/v1/auth/password/authenticate`. Counts towards lockout: never retried once sent. */
export function passwordAuthenticateRequest(root: string, token: string, input: PasswordAuthenticateInput) {
  return jsonPost(
    "password.authenticate",
    `${root}/cis/v1/auth/password/authenticate`,
    token,
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
export function passwordResetRequest(root: string, token: string, input: PasswordResetInput) {
  return jsonPost(
    "password.reset",
    `${root}/cis/v1/auth/password/reset`,
    token,
    { reset_token: input.resetToken, new_password: input.newPassword },
    "once-sent",
  );
}

/** `POST {root}/cis/v1/auth/session/authenticate`. Mints tokens and extends the session: never retried once sent. */
export function sessionAuthenticateRequest(root: string, token: string, input: SessionAuthenticateInput) {
  return jsonPost(
    "session.authenticate",
    `${root}/cis/v1/auth/session/authenticate`,
    token,
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
export function logoutRequest(root: string, token: string, sessionId: string) {
  return jsonPost(
    "session.logout",
    `${root}/cis/v1/auth/session/logout`,
    token,
    { session_id: sessionId },
    "idempotent",
  );
}

/** `POST {root}/cis/v1/auth/token/refresh`. Rotates the refresh token: never retried once sent. */
export function refreshRequest(root: string, token: string, refreshToken: string) {
  return jsonPost(
    "token.refresh",
    `${root}/cis/v1/auth/token/refresh`,
    token,
    { refresh_token: refreshToken },
    "once-sent",
  );
}
