/**
 * Failure responses. Transmit documents few of them (see `transmit-api.md` sections 2.3, 3.4, 4 and 9.5), so each
 * kind has a default status and body here and can be overridden through `createEmulator({ failures })`.
 */
import type { FailureDetails, FailureKind, FailureOverride } from "./options.js";

interface FailureDefault {
  status: number;
  body: (details: FailureDetails) => unknown;
}

const first = (d: FailureDetails, fallback: string): string => d.messages[0] ?? fallback;

/** Default status and body per failure kind; `[D]` documented, `[I]` inferred (see the README). */
export const FAILURE_DEFAULTS: Readonly<Record<FailureKind, FailureDefault>> = {
  // [I] Unknown user and wrong password share this answer (anti credential-harvesting).
  invalid_credentials: {
    status: 401,
    body: () => ({ message: "Username and password do not match or do not exist", error_code: 401 }),
  },
  // [I] Shape of the documented backend OTP `auth_locked` error.
  locked: {
    status: 403,
    body: () => ({ error_code: "auth_locked", message: "User is locked due to multiple failed attempts" }),
  },
  // [D] frontend login's ApiResetPasswordRequiredErrorResponse, mirrored by the backend endpoint [I].
  temporary_password: {
    status: 403,
    body: (d) => ({ message: "temporary_password", error_code: 403, reset_token: d.resetToken }),
  },
  password_expired: {
    status: 403,
    body: (d) => ({ message: "password_expired", error_code: 403, reset_token: d.resetToken }),
  },
  // [D] BadRequestHttpError: message is an array of strings.
  validation: { status: 400, body: (d) => ({ message: d.messages, error_code: 400 }) },
  // [D] InvalidTokenHttpError.
  invalid_token: { status: 401, body: () => ({ message: "Invalid token", error_code: 401 }) },
  // [I] Not documented; OAuth 2.0 (RFC 6749 section 5.2) shape, which the same endpoint uses for other errors.
  invalid_client: {
    status: 401,
    body: () => ({ error: "invalid_client", error_description: "Client authentication failed" }),
  },
  // [D] token page: 400 {message: "Bad request", error_code: 400}.
  token_bad_request: { status: 400, body: () => ({ message: "Bad request", error_code: 400 }) },
  // [D-src] be_sso_across_apps guide.
  session_not_found: { status: 400, body: () => ({ message: "Session not found", error_code: 400 }) },
  // [I]
  invalid_refresh_token: { status: 400, body: () => ({ message: "Invalid refresh token", error_code: 400 }) },
  // [D] reset answers 403 (body shape [I]).
  invalid_reset_token: { status: 403, body: () => ({ message: "Invalid or expired reset token", error_code: 403 }) },
  // [D] 400 BadRequestHttpError when the new password fails the policy.
  weak_password: { status: 400, body: (d) => ({ message: d.messages, error_code: 400 }) },
  // [D] 409 identifier taken.
  user_exists: { status: 409, body: (d) => ({ message: first(d, "User already exists"), error_code: 409 }) },
  // [D] NotFoundHttpError.
  user_not_found: { status: 404, body: () => ({ message: "User not found", error_code: 404 }) },
  // [D] 409 ConflictException.
  password_already_configured: {
    status: 409,
    body: () => ({ message: "Password already configured", error_code: 409 }),
  },
  // [3P] 409 on PUT when no password is configured.
  password_not_configured: { status: 409, body: () => ({ message: "Password not configured", error_code: 409 }) },
  // [I]
  payload_too_large: { status: 413, body: () => ({ message: "Payload too large", error_code: 413 }) },
  not_found: { status: 404, body: () => ({ message: "Not found", error_code: 404 }) },
  // The account-journey kinds below are sourced in docs/account-journey.md.
  // [D] reset starts and reset OTP validation: 404 when no user has that identifier (message [I]).
  reset_user_not_found: { status: 404, body: () => ({ message: "User not found", error_code: 404 }) },
  // [D] reset starts: 403 when the user's email is not verified; the emulator's only such users have no email.
  email_not_verified: { status: 403, body: () => ({ message: "User email is not verified", error_code: 403 }) },
  // [D] 403 for a wrong or expired reset OTP; the symbolic code is from the newer reference [3P].
  invalid_reset_passcode: {
    status: 403,
    body: () => ({ error_code: "auth_invalid_credentials", message: "Invalid or expired passcode" }),
  },
  // [3P] OTP send: 404 user_not_found / user_email_address_missing / user_phone_number_missing.
  otp_user_not_found: { status: 404, body: () => ({ error_code: "user_not_found", message: "User not found" }) },
  otp_email_missing: {
    status: 404,
    body: () => ({ error_code: "user_email_address_missing", message: "User has no email address" }),
  },
  otp_phone_missing: {
    status: 404,
    body: () => ({ error_code: "user_phone_number_missing", message: "User has no phone number" }),
  },
  // [3P] OTP authenticate: 400 auth_invalid_credentials / auth_otp_passcode_expired, 403 auth_locked.
  invalid_passcode: {
    status: 400,
    body: () => ({ error_code: "auth_invalid_credentials", message: "Invalid credentials" }),
  },
  passcode_expired: {
    status: 400,
    body: () => ({ error_code: "auth_otp_passcode_expired", message: "Passcode expired" }),
  },
  passcode_locked: {
    status: 403,
    body: () => ({ error_code: "auth_locked", message: "One time code invalid due to multiple failed attempts" }),
  },
  // [I] TOTP authenticate documents only 200: the OTP answer is mirrored.
  invalid_totp: {
    status: 400,
    body: () => ({ error_code: "auth_invalid_credentials", message: "Invalid credentials" }),
  },
};

/** Builds failure responses, applying the configured overrides. */
export class FailureResponder {
  #overrides: Partial<Record<FailureKind, FailureOverride>>;

  constructor(overrides: Partial<Record<FailureKind, FailureOverride>> = {}) {
    this.#overrides = { ...overrides };
  }

  /** Replaces the overrides (control API `PUT /__emulator/failures`, and reset). */
  set(overrides: Partial<Record<FailureKind, FailureOverride>>): void {
    this.#overrides = { ...overrides };
  }

  /** The effective status of each kind and whether its body is overridden. */
  describe(): Record<string, { status: number; body: unknown }> {
    const out: Record<string, { status: number; body: unknown }> = {};
    for (const kind of Object.keys(FAILURE_DEFAULTS) as FailureKind[]) {
      const override = this.#overrides[kind];
      const body = override?.body;
      out[kind] = {
        status: override?.status ?? FAILURE_DEFAULTS[kind].status,
        body: body === undefined ? "default" : typeof body === "function" ? "function" : body,
      };
    }
    return out;
  }

  /** The JSON response for a failure. */
  respond(kind: FailureKind, extra: { messages?: string[]; resetToken?: string } = {}): Response {
    const details: FailureDetails = { kind, messages: extra.messages ?? [] };
    if (extra.resetToken !== undefined) details.resetToken = extra.resetToken;
    const fallback = FAILURE_DEFAULTS[kind];
    const override = this.#overrides[kind];
    const status = override?.status ?? fallback.status;
    let body: unknown;
    if (override && "body" in override && override.body !== undefined) {
      body =
        typeof override.body === "function"
          ? (override.body as (d: FailureDetails) => unknown)(details)
          : override.body;
    } else {
      body = fallback.body(details);
    }
    return jsonResponse(body, status);
  }
}

/** Messages for an invalid failure-override map (unknown kinds, bad statuses). */
export function checkFailureOverrides(value: unknown): string[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return ["failures must be an object keyed by kind"];
  const errors: string[] = [];
  for (const [kind, override] of Object.entries(value)) {
    if (!(kind in FAILURE_DEFAULTS)) {
      errors.push(`unknown failure kind "${kind}" (expected ${Object.keys(FAILURE_DEFAULTS).join(", ")})`);
      continue;
    }
    if (!override || typeof override !== "object" || Array.isArray(override)) {
      errors.push(`${kind} must be an object {status?, body?}`);
      continue;
    }
    const status = (override as { status?: unknown }).status;
    if (status !== undefined && (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 599)) {
      errors.push(`${kind}.status must be an integer between 200 and 599`);
    }
  }
  return errors;
}

/** A JSON response with the given status. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}
