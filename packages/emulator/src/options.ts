/**
 * Public option types and the documented defaults of the emulator.
 *
 * Everything Transmit does not document (failure statuses and bodies, the sandbox issuer, complexity levels) is a
 * default here and can be overridden; see `transmit-api.md` section 9 and the package README.
 */

/** The Transmit regions (API hosts) the emulator can serve, each under its own path prefix (`/eu`, ...). */
export type RegionName = "us" | "eu" | "ca" | "au" | "sandbox";

/** All regions, in the order they are printed. */
export const ALL_REGIONS: readonly RegionName[] = ["us", "eu", "ca", "au", "sandbox"];

/**
 * Default `iss` per region. US/EU/CA/AU are documented (`validate_tokens` guide); the sandbox issuer is not, so the
 * sandbox default is an inference and configurable.
 */
export const DEFAULT_ISSUERS: Readonly<Record<RegionName, string>> = {
  us: "https://userid.security",
  eu: "https://eu.userid.security",
  ca: "https://ca.userid.security",
  au: "https://au.userid.security",
  sandbox: "https://sbx.userid.security",
};

/** Password policy ("login preferences" `password` object), with the documented default values. */
export interface PasswordPolicy {
  /** Reset-token lifetime in minutes (documented default 5). */
  resetValidityMinutes: number;
  /**
   * Complexity level 1-5 (documented default 5). The levels are not documented; the emulator reads them as the
   * number of character classes (lower, upper, digit, other) required: 1 -> 1, 2 -> 2, 3 -> 3, 4 and 5 -> 4.
   */
  passwordComplexity: number;
  /** Minimum length (documented default 14). */
  passwordMinLength: number;
  /** Days until a password expires (documented default 90). */
  passwordExpiresIn: number;
  /** Never expire passwords. */
  ignoreExpiration: boolean;
  /** Wrong attempts before suspension (documented default 5). */
  maxPasswordFailures: number;
  /** Suspension in minutes after too many failures (documented default 15). */
  passwordSuspensionDuration: number;
  /** Minutes after which counted failures expire (documented default 15). */
  failuresExpireIn: number;
  /** Lifetime of a temporary password in hours (documented example 24). */
  tempPasswordValidityHours: number;
  /** Digits of a password-reset one-time code (documented: `codeLength`, example 6, range 4-8). */
  codeLength: number;
}

/** Defaults of {@link PasswordPolicy}, from the documented GET login-preferences example. */
export const DEFAULT_POLICY: Readonly<PasswordPolicy> = {
  resetValidityMinutes: 5,
  passwordComplexity: 5,
  passwordMinLength: 14,
  passwordExpiresIn: 90,
  ignoreExpiration: false,
  maxPasswordFailures: 5,
  passwordSuspensionDuration: 15,
  failuresExpireIn: 15,
  tempPasswordValidityHours: 24,
  codeLength: 6,
};

/**
 * One-time codes and TOTP. Transmit makes these settings of an app but publishes few defaults, so most defaults here
 * are inferred (see `docs/account-journey.md`); change them with `createEmulator({ codes })` or `PUT /__emulator/codes`.
 */
export interface CodeSettings {
  /** Digits of a code sent by `POST /v1/auth/otp/send` (default 6). */
  otpLength: number;
  /** Minutes a sent code stays valid, unless the send request sets `expires_in` (default 5). */
  otpValidityMinutes: number;
  /**
   * Wrong codes in a row (login OTP, or reset OTP) before the user is locked out of that kind of code for
   * `codeLockoutMinutes`: the pending code is dropped and every try answers `auth_locked` (default 5). Transmit has
   * such a "failed attempts lockout policy" but publishes no default.
   */
  maxCodeFailures: number;
  /** Minutes a one-time code lockout lasts (default 15). */
  codeLockoutMinutes: number;
  /** Wrong TOTP tokens in a row before TOTP is locked for the user (default 5). */
  maxTotpFailures: number;
  /** Minutes a TOTP lock lasts (default 15). */
  totpLockoutMinutes: number;
  /**
   * Earlier TOTP steps (30 s each) still accepted (documented default 1: the current and the previous code; 0-5).
   */
  totpWindowSteps: number;
  /** Later TOTP steps accepted, for an authenticator whose clock runs ahead (default 0: not documented). */
  totpFutureSteps: number;
}

/** Defaults of {@link CodeSettings} (inferred, except the TOTP window). */
export const DEFAULT_CODE_SETTINGS: Readonly<CodeSettings> = {
  otpLength: 6,
  otpValidityMinutes: 5,
  maxCodeFailures: 5,
  codeLockoutMinutes: 15,
  maxTotpFailures: 5,
  totpLockoutMinutes: 15,
  totpWindowSteps: 1,
  totpFutureSteps: 0,
};

/**
 * What the `code` of a password-reset email link is. `"reset_token"` (default; Transmit's password guide says the
 * redirect URI receives the reset token as `code`): the code is the reset token itself. `"opaque"`: a short random
 * code that `POST /v1/auth/password/reset` accepts as `reset_token` in its place, for clients that must not care
 * what the code looks like.
 */
export type ResetLinkCode = "reset_token" | "opaque";

/**
 * Which sessions `GET|DELETE /v1/sessions/{user_id}` see. `"frontend"` (default, as documented): that API does not
 * apply to backend-to-backend authentication, and every emulated session is a backend one, so it lists none and
 * deletes none. `"all"`: it lists and deletes every session of the user.
 */
export type SessionsApiScope = "frontend" | "all";

/**
 * Every kind of failure the emulator answers. Statuses and bodies of most are undocumented by Transmit, so each one
 * can be overridden with {@link FailureOverride}.
 */
export type FailureKind =
  | "invalid_credentials"
  | "locked"
  | "temporary_password"
  | "password_expired"
  | "validation"
  | "invalid_token"
  | "invalid_client"
  | "token_bad_request"
  | "session_not_found"
  | "invalid_refresh_token"
  | "invalid_reset_token"
  | "weak_password"
  | "user_exists"
  | "user_not_found"
  | "password_already_configured"
  | "password_not_configured"
  | "payload_too_large"
  | "not_found"
  | "reset_user_not_found"
  | "email_not_verified"
  | "invalid_reset_passcode"
  | "otp_user_not_found"
  | "otp_email_missing"
  | "otp_phone_missing"
  | "invalid_passcode"
  | "passcode_expired"
  | "passcode_locked"
  | "invalid_totp";

/** What a failure response is built from. */
export interface FailureDetails {
  /** The failure kind being answered. */
  kind: FailureKind;
  /** Human-readable messages (validation messages for `validation` / `weak_password`). */
  messages: string[];
  /** The reset token, for `temporary_password` and `password_expired`. */
  resetToken?: string;
}

/** Replaces the status and/or body of one failure kind. */
export interface FailureOverride {
  status?: number;
  /** A JSON value, or a function building it (e.g. to place the reset token elsewhere). */
  body?: unknown | ((details: FailureDetails) => unknown);
}

/** A client (application) of a region's tenant. */
export interface ClientSeed {
  client_id: string;
  client_secret: string;
  /** Resource URIs the client may request as `aud`. */
  resources?: string[];
  /** App name (`app_name` claim). */
  app_name?: string;
}

/** A user of a region's tenant. At least one of `username`, `email`, `phone_number` is required. */
export interface UserSeed {
  user_id?: string;
  username?: string;
  email?: string;
  phone_number?: string;
  password?: string;
  /** The password is temporary (as after `force_replace: true`): login answers 403 `temporary_password`. */
  temporary?: boolean;
  /** The password has expired: login answers 403 `password_expired`. */
  expired?: boolean;
  /** Role ids put in `roles` claims. */
  roles?: string[];
  given_name?: string;
  family_name?: string;
  /**
   * A registered TOTP authenticator: its base32 secret (RFC 4648, as in `otpauth://` URIs). Inferred: Transmit's
   * registration returns such a secret; the emulator lets seeds and the control API set one directly.
   */
  totp_secret?: string;
}

/** Seed data per region, as in `--seed` files: `{"eu": {"clients": [...], "users": [...]}}`. */
export type SeedData = Partial<Record<RegionName, { clients?: ClientSeed[]; users?: UserSeed[] }>>;

/** Options of {@link createEmulator}. */
export interface EmulatorOptions {
  /** Regions to serve (default: all of `us`, `eu`, `ca`, `au`, `sandbox`). */
  regions?: RegionName[];
  /** Issuer per region (default {@link DEFAULT_ISSUERS}). */
  issuers?: Partial<Record<RegionName, string>>;
  /** Extra clients and users on top of the demo data. */
  seed?: SeedData;
  /** Seed the deterministic demo client and users (default true). */
  demo?: boolean;
  /** Password policy overrides, for every region. */
  policy?: Partial<PasswordPolicy>;
  /** Status/body overrides per failure kind. */
  failures?: Partial<Record<FailureKind, FailureOverride>>;
  /** Wall clock in epoch ms (default `Date.now`); the control API's clock offset is added to it. */
  now?: () => number;
  /** PBKDF2-SHA256 iterations for stored password hashes (default 1000: an emulator, tuned for throughput). */
  hashIterations?: number;
  /** Largest accepted request body in bytes (default 64 KiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /**
   * Signing keys per region (RS256 private `CryptoKey`s with their public keys). Generated on first use otherwise.
   */
  keys?: Partial<Record<RegionName, { privateKey: CryptoKey; publicKey: CryptoKey; kid?: string }>>;
  /** Origin used in {@link RegionInfo.root} (default `http://127.0.0.1:4010`); the Node server sets its own. */
  origin?: string;
  /** One-time code and TOTP settings (all inferred defaults, see {@link CodeSettings}). */
  codes?: Partial<CodeSettings>;
  /** What a reset email link's `code` is (default `"reset_token"`). */
  resetLinkCode?: ResetLinkCode;
  /** Which sessions `/v1/sessions/{user_id}` sees (default `"frontend"`: none of the emulated ones). */
  sessionsApiScope?: SessionsApiScope;
  /**
   * Called with every email and SMS the emulator "sends" (also kept in the region's outbox), e.g. to print the link
   * or code. Errors thrown by it are ignored.
   */
  onMessage?: (message: OutboxMessage) => void;
}

/** An email or SMS the emulator sent instead of delivering it: `GET /__emulator/{region}/outbox`. */
export interface OutboxMessage {
  /** Unique id (`msg_...`). */
  id: string;
  region: RegionName;
  channel: "email" | "sms";
  /** Email address or phone number. */
  to: string;
  /** What the message is for. */
  kind: "password_reset_link" | "password_reset_code" | "one_time_code";
  user_id: string;
  /** Email subject (`email_content.subject` when given). */
  subject?: string;
  /** The link to follow (reset email link): `redirect_uri?code=...`. */
  link?: string;
  /** The one-time code (OTP, reset OTP), or the link's `code`. */
  code?: string;
  /** Emulator-clock ISO time it was sent. */
  time: string;
  /** Emulator-clock ISO time its code stops working. */
  expires_at: string;
}
