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
};

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
  | "not_found";

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
}
