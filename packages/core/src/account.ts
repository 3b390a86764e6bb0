/**
 * The account journey beyond login, in its own entry (account-client.ts, `@transmit-edge/core/account`), so neither
 * `createTransmitClient` nor `@transmit-edge/core/login` carries it: sign-up (`users.create`), forgot password by email (link, or code then reset token), one-time codes and
 * TOTP as a first or second factor. Endpoint facts and sources: docs/transmit-contract.md, "Account journey".
 *
 * Every request here carries a password, a code, or sends a message to the user, so all are `"once-sent"`: never
 * resent once they may have reached Transmit (the same budget as the password login, transport.ts).
 */
import { callApi, type Engine, required, run } from "./engine.ts";
import type { ErrorBody } from "./error-body.ts";
import { type AccountErrorCode, TransmitError, type TransmitErrorCode, transmitError } from "./errors.ts";
import { clientAttributes, jsonPost, MAX_PASSWORD_LENGTH, passwordResetRequest } from "./requests.ts";
import {
  ensureSuccess,
  errorFromResponse,
  invalidResponse,
  parseSuccessJson,
  type RouteCodes,
  resetCodes,
  tokenSetFromJson,
} from "./responses.ts";
import type { UpstreamResponse } from "./transport.ts";
import type {
  CreatedUser,
  IdentifierType,
  OtpAuthenticateInput,
  OtpSendInput,
  OtpSendResult,
  PasswordResetCodeInput,
  PasswordResetCodeVerifyInput,
  PasswordResetEmailInput,
  PasswordResetInput,
  PasswordResetResult,
  RequestOptions,
  ResetTokenResult,
  TokenSet,
  TotpAuthenticateInput,
  UserCreateInput,
} from "./types.ts";

/** Longest identifier (username, email, phone number, user id, external id, name part), in characters. */
export const MAX_IDENTIFIER_LENGTH = 256;
/** Longest one-time code or TOTP token, in characters (Transmit's are 4 to 8 digits). */
export const MAX_CODE_LENGTH = 64;
/** Longest redirect URI, in characters. */
export const MAX_REDIRECT_URI_LENGTH = 2048;

/**
 * `passwords.reset` of both clients: a new password with a reset token (from `password_change_required`, a reset
 * email's link, or `verifyResetCode`).
 */
export function resetPassword(
  engine: Engine,
  input: PasswordResetInput,
  opts: RequestOptions | undefined,
): Promise<PasswordResetResult> {
  return run(engine, opts, async (call) => {
    required(input?.resetToken, "resetToken");
    required(input?.newPassword, "newPassword", MAX_PASSWORD_LENGTH);
    const res = await callApi(engine, passwordResetRequest(engine.config.root, input), call);
    // The login client's path too: `ensureSuccess` (not `ensureOk`) keeps the account messages out of its bundle.
    ensureSuccess(res, engine.now(), resetCodes);
    const { message, email } = res.text ? parseSuccessJson(res) : {};
    const out: PasswordResetResult = {};
    if (typeof message === "string") out.message = message;
    // The account's email (documented in the answer): who the reset was for, since the answer names no user id.
    if (typeof email === "string" && email) out.email = email;
    return out;
  });
}

const IDENTIFIER_TYPES: readonly unknown[] = ["email", "phone_number", "user_id", "username"];
const CHANNELS: readonly unknown[] = ["email", "sms", "direct"];

const invalid = (detail: string) => transmitError("invalid_request", {}, detail);

/** Checks an optional string field: absent, or 1 to `max` characters. */
function optional(value: unknown, field: string, max = MAX_IDENTIFIER_LENGTH): void {
  if (value !== undefined) required(value, field, max);
}

function identifierType(value: unknown, field: string): void {
  if (!IDENTIFIER_TYPES.includes(value)) throw invalid(`${field} must be email, phone_number, user_id or username`);
}

// ---------------------------------------------------------------------------------------------------------------
// Error mapping per route (applied after the shared rules of responses.ts: 429, 5xx, lockout, forced change).

const PASSWORD_TEXT = /password/i;
const SESSION_NOT_FOUND = /session not found|session_not_found/i;
const VALIDATION = /system_invalid_input/i;
const APP_MISSING = /client_not_exist|app_not_exist|login_preferences_missing/i;

const isValidation = (body: ErrorBody, text: string) => body.validation === true && !PASSWORD_TEXT.test(text);

/**
 * `users.create`: 409 identifier taken; 400 naming the password is the policy refusing it (`auth_password_weak`
 * and kin, or a validation message about the password); any other 400 is our input.
 */
export const userCreateCodes: RouteCodes = (status, _body, text) =>
  status === 409
    ? "identifier_taken"
    : status === 400 && PASSWORD_TEXT.test(text)
      ? "password_rejected"
      : status === 401 || status === 403
        ? "unauthorized_client"
        : "invalid_request";

/**
 * Reset starts (`/reset/email/link`, `/reset/email/otp`): 404 no user with that identifier, 403 no verified email to
 * send to; both mean Transmit cannot reach a user by it.
 */
export const resetStartCodes: RouteCodes = (status, _body, text) =>
  APP_MISSING.test(text)
    ? "unauthorized_client"
    : status === 404 || status === 403
      ? "user_not_found"
      : "invalid_request";

/** A code or token check (reset code, OTP, TOTP): anything but malformed input or a gone session is a wrong code. */
export const factorCodes: RouteCodes = (status, body, text) =>
  SESSION_NOT_FOUND.test(text)
    ? "session_not_found"
    : APP_MISSING.test(text)
      ? "unauthorized_client"
      : status === 400 && (isValidation(body, text) || VALIDATION.test(text))
        ? "invalid_request"
        : status === 404 && /user_not_found|user not found/i.test(text)
          ? "user_not_found"
          : "invalid_credentials";

/** `otp.send`: 404 (unknown user, no email or phone for the channel) and 403 inactive user: no reachable user. */
export const otpSendCodes: RouteCodes = (status, _body, text) =>
  APP_MISSING.test(text)
    ? "unauthorized_client"
    : status === 404 || (status === 403 && /not_active/i.test(text))
      ? "user_not_found"
      : status === 401 || status === 403
        ? "unauthorized_client"
        : "invalid_request";

/** Messages of the codes only these methods throw (errors.ts leaves them out of the login-only bundle). */
const ACCOUNT_MESSAGES: Record<AccountErrorCode, string> = {
  identifier_taken: "A user with this identifier already exists",
  password_rejected: "Transmit's password policy rejected the password",
  user_not_found: "Transmit has no user reachable by this identifier",
};

/** Throws the mapped {@link TransmitError} unless `res` is a 2xx (responses.ts `ensureSuccess`, with account codes). */
function ensureOk(engine: Engine, res: UpstreamResponse, routeCodes: RouteCodes): void {
  if (res.status >= 200 && res.status <= 299) return;
  const e = errorFromResponse(res, engine.now(), routeCodes);
  const message = ACCOUNT_MESSAGES[e.code as AccountErrorCode];
  if (message === undefined) throw e;
  const { status, route, requestId, retryAfter, upstreamCode } = e;
  throw new TransmitError(e.code as TransmitErrorCode, `${message}: HTTP ${status} from ${route}`, {
    status,
    ...(route !== undefined && { route }),
    ...(requestId !== undefined && { requestId }),
    ...(retryAfter !== undefined && { retryAfter }),
    ...(upstreamCode !== undefined && { upstreamCode }),
  });
}

/** Sends a sign-in (code or TOTP) and reads its token set. */
function signIn(engine: Engine, build: () => ReturnType<typeof jsonPost>, opts: RequestOptions | undefined) {
  return run(engine, opts, async (call): Promise<TokenSet> => {
    const res = await callApi(engine, build(), call);
    ensureOk(engine, res, factorCodes);
    return tokenSetFromJson(res, parseSuccessJson(res));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Secret-bearing results: serialisations print [REDACTED] for every field (same idea as token-set.ts).

const INSPECT_NODE = Symbol.for("nodejs.util.inspect.custom");
const INSPECT_DENO = Symbol.for("Deno.customInspect");

function redactAll(value: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(value)) out[key] = "[REDACTED]";
  return out;
}

class RedactedResult {
  toJSON(): Record<string, string> {
    return redactAll(this);
  }
  toString(): string {
    return JSON.stringify(redactAll(this));
  }
  [INSPECT_NODE](): Record<string, string> {
    return redactAll(this);
  }
  [INSPECT_DENO](): string {
    return JSON.stringify(redactAll(this));
  }
}

const redacted = <T extends object>(fields: T): T => Object.assign(new RedactedResult(), fields);

/** A short secret from an answer (code, reset token): a non-empty string of at most `max` characters. */
function secretString(res: UpstreamResponse, value: unknown, what: string, max: number): string {
  if (typeof value !== "string" || value.length === 0 || value.length > max)
    throw invalidResponse(res, `${what} invalid`);
  return value;
}

/** An optional identifier of the user object: a string, or `{value}` (email and phone number objects). */
function userField(value: unknown): string | undefined {
  const v = typeof value === "object" && value !== null ? (value as { value?: unknown }).value : value;
  return typeof v === "string" && v.length > 0 && v.length <= MAX_IDENTIFIER_LENGTH ? v : undefined;
}

/** Reads the `{result: User}` answer of `POST /v1/users`. */
export function createdUserFrom(res: UpstreamResponse): CreatedUser {
  const json = parseSuccessJson(res);
  const user = (typeof json.result === "object" && json.result !== null ? json.result : json) as Record<
    string,
    unknown
  >;
  const userId = user.user_id;
  if (typeof userId !== "string" || userId.length === 0 || userId.length > MAX_IDENTIFIER_LENGTH) {
    throw invalidResponse(res, "user_id missing");
  }
  const out: CreatedUser = { userId };
  const username = userField(user.username);
  const email = userField(user.email);
  const phoneNumber = userField(user.phone_number);
  const status = userField(user.status);
  if (username !== undefined) out.username = username;
  if (email !== undefined) out.email = email;
  if (phoneNumber !== undefined) out.phoneNumber = phoneNumber;
  if (status !== undefined) out.status = status;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The methods.

/** `users.create` of the full client. */
export function createUser(engine: Engine, input: UserCreateInput, opts: RequestOptions | undefined) {
  return run(engine, opts, async (call) => {
    const { username, email, phoneNumber, password, name, externalUserId } = input ?? ({} as UserCreateInput);
    optional(username, "username");
    optional(email, "email");
    optional(phoneNumber, "phoneNumber");
    if (username === undefined && email === undefined && phoneNumber === undefined) {
      throw invalid("one of username, email or phoneNumber is required");
    }
    required(password, "password", MAX_PASSWORD_LENGTH);
    if (name !== undefined && (typeof name !== "object" || name === null)) throw invalid("name must be an object");
    optional(name?.firstName, "name.firstName");
    optional(name?.lastName, "name.lastName");
    optional(externalUserId, "externalUserId");
    const req = jsonPost(
      "users.create",
      `${engine.config.root}/cis/v1/users`,
      {
        username,
        email,
        phone_number: phoneNumber,
        // A permanent password: Transmit's default (`force_replace: true`) would make the first login a forced change.
        credentials: { password, force_replace: false },
        name: name && { first_name: name.firstName, last_name: name.lastName },
        external_user_id: externalUserId,
      },
      "once-sent",
    );
    req.secrets.push(password);
    const res = await callApi(engine, req, call);
    ensureOk(engine, res, userCreateCodes);
    return createdUserFrom(res);
  });
}

function checkRedirectUri(value: unknown): void {
  required(value, "redirectUri", MAX_REDIRECT_URI_LENGTH);
  let url: URL;
  try {
    url = new URL(value as string);
  } catch {
    throw invalid("redirectUri must be an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw invalid("redirectUri must be an http(s) URL");
}

/** `passwords.sendResetEmail`: emails a link to `redirectUri?code=<reset token>`. */
export function sendResetEmail(engine: Engine, input: PasswordResetEmailInput, opts: RequestOptions | undefined) {
  return run(engine, opts, async (call) => {
    const { username, email, redirectUri } = input ?? ({} as PasswordResetEmailInput);
    if ((username === undefined) === (email === undefined))
      throw invalid("exactly one of username or email is required");
    optional(username, "username");
    optional(email, "email");
    checkRedirectUri(redirectUri);
    const req = jsonPost(
      "password.reset.email.link",
      `${engine.config.root}/cis/v1/auth/password/reset/email/link`,
      { username, email, redirect_uri: redirectUri },
      "once-sent",
    );
    ensureOk(engine, await callApi(engine, req, call), resetStartCodes);
  });
}

/** `passwords.sendResetCode`: emails a reset code. */
export function sendResetCode(engine: Engine, input: PasswordResetCodeInput, opts: RequestOptions | undefined) {
  return run(engine, opts, async (call) => {
    required(input?.email, "email", MAX_IDENTIFIER_LENGTH);
    const req = jsonPost(
      "password.reset.email.otp",
      `${engine.config.root}/cis/v1/auth/password/reset/email/otp`,
      { email: input.email },
      "once-sent",
    );
    ensureOk(engine, await callApi(engine, req, call), resetStartCodes);
  });
}

/** `passwords.verifyResetCode`: exchanges the emailed code for a reset token. */
export function verifyResetCode(
  engine: Engine,
  input: PasswordResetCodeVerifyInput,
  opts: RequestOptions | undefined,
): Promise<ResetTokenResult> {
  return run(engine, opts, async (call) => {
    required(input?.email, "email", MAX_IDENTIFIER_LENGTH);
    required(input?.passcode, "passcode", MAX_CODE_LENGTH);
    const req = jsonPost(
      "password.reset.email.otp.validate",
      `${engine.config.root}/cis/v1/auth/password/reset/email/otp/validate`,
      { email: input.email, passcode: input.passcode },
      "once-sent",
    );
    const res = await callApi(engine, req, call);
    ensureOk(engine, res, factorCodes);
    // Same cap as the reset token `passwords.reset` accepts (engine.ts, `required`).
    return redacted({ resetToken: secretString(res, parseSuccessJson(res).result, "result", 16 * 1024) });
  });
}

/** `otp.send`. */
export function sendOtp(engine: Engine, input: OtpSendInput, opts: RequestOptions | undefined): Promise<OtpSendResult> {
  return run(engine, opts, async (call) => {
    if (!CHANNELS.includes(input?.channel)) throw invalid("channel must be email, sms or direct");
    identifierType(input.identifierType, "identifierType");
    required(input.identifier, "identifier", MAX_IDENTIFIER_LENGTH);
    const req = jsonPost(
      "otp.send",
      `${engine.config.root}/cis/v1/auth/otp/send`,
      { channel: input.channel, identifier_type: input.identifierType, identifier: input.identifier },
      "once-sent",
    );
    const res = await callApi(engine, req, call);
    ensureOk(engine, res, otpSendCodes);
    if (input.channel !== "direct") return redacted({});
    const code = parseSuccessJson(res).code;
    return redacted({
      code: secretString(res, typeof code === "number" ? String(code) : code, "code", MAX_CODE_LENGTH),
    });
  });
}

/** `otp.authenticate`. */
export function authenticateOtp(
  engine: Engine,
  input: OtpAuthenticateInput,
  opts: RequestOptions | undefined,
): Promise<TokenSet> {
  return signIn(
    engine,
    () => {
      required(input?.passcode, "passcode", MAX_CODE_LENGTH);
      identifierType(input.identifierType, "identifierType");
      required(input.identifier, "identifier", MAX_IDENTIFIER_LENGTH);
      optional(input.sessionId, "sessionId", 16 * 1024);
      optional(input.resource, "resource", MAX_REDIRECT_URI_LENGTH);
      return jsonPost(
        "otp.authenticate",
        `${engine.config.root}/cis/v1/auth/otp/authenticate`,
        {
          passcode: input.passcode,
          identifier_type: input.identifierType,
          identifier: input.identifier,
          session_id: input.sessionId,
          resource: input.resource,
          claims: input.claims,
          client_attributes: clientAttributes(input.clientAttributes),
        },
        "once-sent",
      );
    },
    opts,
  );
}

/** `totp.authenticate`. */
export function authenticateTotp(
  engine: Engine,
  input: TotpAuthenticateInput,
  opts: RequestOptions | undefined,
): Promise<TokenSet> {
  return signIn(
    engine,
    () => {
      required(input?.token, "token", MAX_CODE_LENGTH);
      required(input.identifier, "identifier", MAX_IDENTIFIER_LENGTH);
      if (input.identifierType !== undefined) identifierType(input.identifierType as IdentifierType, "identifierType");
      optional(input.sessionId, "sessionId", 16 * 1024);
      optional(input.resource, "resource", MAX_REDIRECT_URI_LENGTH);
      return jsonPost(
        "totp.authenticate",
        `${engine.config.root}/cis/v1/auth/totp/authenticate`,
        {
          token: input.token,
          identifier: input.identifier,
          identifier_type: input.identifierType,
          session_id: input.sessionId,
          resource: input.resource,
          claims: input.claims,
          client_attributes: clientAttributes(input.clientAttributes),
        },
        "once-sent",
      );
    },
    opts,
  );
}
