import type { RouteName } from "./types.ts";

/** Stable error codes of {@link TransmitError}. New codes may be added in minor versions. */
export type TransmitErrorCode =
  | "invalid_credentials"
  | "password_change_required"
  | "locked"
  | "rate_limited"
  | "invalid_request"
  | "unauthorized_client"
  | "session_not_found"
  | "timeout"
  | "aborted"
  | "network"
  | "upstream_unavailable"
  | "invalid_response"
  | "token_invalid"
  | "configuration"
  | AccountErrorCode;

/**
 * Codes only the account-journey methods of the full client throw (account.ts). Their messages live there, so the
 * login-only entry (`@transmit-edge/core/login`) does not carry them.
 */
export type AccountErrorCode = "identifier_taken" | "password_rejected" | "user_not_found";

/** Construction fields of a {@link TransmitError}. */
export interface TransmitErrorInit {
  /** HTTP status from Transmit; 0 when no response was received or the error is local. */
  status?: number;
  /** Upstream request id (`x-request-id` / `x-correlation-id`), when sent. */
  requestId?: string;
  /** Seconds to wait before retrying (from `Retry-After`). */
  retryAfter?: number;
  /** Reset token for `password_change_required`. Kept out of `JSON.stringify` and logs. */
  resetToken?: string;
  /** Symbolic or numeric `error_code` / OAuth `error` from Transmit's body (never free text from the body). */
  upstreamCode?: string;
  /** Upstream operation that failed. */
  route?: RouteName;
  /** Underlying error (network failures). */
  cause?: unknown;
}

/** Optional fields, in the order `toJSON` lists them. */
const OPTIONAL = ["route", "requestId", "retryAfter", "upstreamCode"] as const;

/**
 * Brand shared by every copy of this package in one process (`Symbol.for` is global), so that
 * {@link TransmitError.is} recognises errors thrown by another installed copy, where `instanceof` would not.
 */
const BRAND: unique symbol = Symbol.for("@transmit-edge/core.TransmitError");

/**
 * The only error type the client throws. Switch on `code`; messages are fixed English text and never contain
 * passwords, secrets, tokens or upstream bodies.
 *
 * @example
 * ```ts
 * try { await transmit.passwords.authenticate({ username, password }); }
 * catch (e) {
 *   if (e instanceof TransmitError && e.code === "password_change_required") offerChange(e.resetToken);
 * }
 * ```
 */
export class TransmitError extends Error {
  /**
   * Whether `value` is a `TransmitError`, also when it comes from another installed copy of
   * `@transmit-edge/core` (two versions in one dependency tree), where `instanceof` answers `false`.
   *
   * @example
   * ```ts
   * try { await transmit.tokens.refresh(refreshToken); }
   * catch (e) { if (TransmitError.is(e) && e.code === "token_invalid") console.log("signed out"); }
   * ```
   */
  static is(value: unknown): value is TransmitError {
    return typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  override readonly name = "TransmitError";
  /** Stable machine-readable code. */
  readonly code: TransmitErrorCode;
  /** HTTP status from Transmit; 0 when no response was received or the error is local. */
  readonly status: number;
  /** Upstream request id, when Transmit sent one. */
  readonly requestId?: string;
  /** Seconds to wait before retrying, when known. */
  readonly retryAfter?: number;
  /** Symbolic or numeric upstream `error_code` / OAuth `error`, as a string. */
  readonly upstreamCode?: string;
  /** Upstream operation that failed, if any. */
  readonly route?: RouteName;
  /** Held in a private field: not an own property, so no serialisation or inspection (even `%o`) shows it. */
  readonly #resetToken: string | undefined;

  constructor(code: TransmitErrorCode, message: string, init: TransmitErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.status = init.status ?? 0;
    for (const key of OPTIONAL) if (init[key] !== undefined) (this as Record<string, unknown>)[key] = init[key];
    this.#resetToken = init.resetToken;
  }

  /**
   * Reset token accompanying `password_change_required` (pass it to `passwords.reset`). Not an own property and
   * excluded from `toJSON`, so it does not leak through `JSON.stringify`, `console.log` or `util.format("%o")`.
   */
  get resetToken(): string | undefined {
    return this.#resetToken;
  }

  /** Safe, secret-free representation for logs. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: this.name,
      code: this.code,
      status: this.status,
      message: this.message,
    };
    for (const key of OPTIONAL) if (this[key] !== undefined) out[key] = this[key];
    return out;
  }
}

// The brand lives on the prototype, out of the declared type: every instance (of any copy) carries it.
Object.defineProperty(TransmitError.prototype, BRAND, { value: true, enumerable: false });

/**
 * Fixed messages per code: upstream text is never copied into a message (it may echo user input). Account codes:
 * account.ts, which replaces the message of an error mapped to one of them.
 */
// `password_rejected` is here too: `passwords.reset` of the login client answers it (a refused new password).
const MESSAGES: Record<Exclude<TransmitErrorCode, "identifier_taken" | "user_not_found">, string> = {
  password_rejected: "Transmit's password policy rejected the password",
  invalid_credentials: "Transmit rejected the credentials",
  password_change_required: "The password is correct but must be changed",
  locked: "Password authentication is temporarily locked for this user",
  rate_limited: "Transmit rate limited the request",
  invalid_request: "Transmit rejected the request as invalid",
  unauthorized_client: "Transmit rejected the client credentials or client access token",
  session_not_found: "The Transmit session does not exist or has expired",
  timeout: "The request to Transmit timed out",
  aborted: "The request was aborted by the caller",
  network: "The request to Transmit failed before a response arrived",
  upstream_unavailable: "Transmit is unavailable",
  invalid_response: "Transmit sent a response the client cannot use",
  token_invalid: "The token is invalid",
  configuration: "The client is misconfigured",
};

/** Builds an error with the standard message for `code`, optionally with a short secret-free detail. */
export function transmitError(code: TransmitErrorCode, init: TransmitErrorInit = {}, detail?: string): TransmitError {
  const message = MESSAGES[code as keyof typeof MESSAGES];
  return new TransmitError(code, detail ? `${message}: ${detail}` : message, init);
}
