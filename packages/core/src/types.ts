/**
 * Public types shared by the client's modules. Inputs and results are camelCase; the wire format (snake_case) is
 * built and parsed in the modules that talk to Transmit.
 */
import type { TransmitErrorCode } from "./errors.ts";

/** A Transmit (Mosaic) environment with its own API host, issuer and tenants. */
export type RegionName = "us" | "eu" | "ca" | "au" | "sandbox";

/**
 * Trace context of a call, passed through unchanged to every event of that call (e.g. W3C `traceparent` and
 * `tracestate`, or your own request id). Never sent to Transmit.
 */
export type TraceContext = Readonly<Record<string, string>>;

/**
 * Per-call options accepted as the last argument of every client method. Invalid values (a non-positive or NaN
 * `timeoutMs`, a `signal` that is not an `AbortSignal`) are `configuration` errors.
 */
export interface RequestOptions {
  /** Aborts the call (and any retry or backoff wait) when signalled. */
  signal?: AbortSignal;
  /** Overall deadline for this call in milliseconds, across retries. Defaults to the client's `timeoutMs`. */
  timeoutMs?: number;
  /** Trace context copied onto every event of this call (`event.trace`). */
  trace?: TraceContext;
}

/**
 * Tokens returned by Transmit for a user. `JSON.stringify`, `String()` and Node/Bun/Deno `console.log` of a
 * TokenSet print `[REDACTED]` in place of every token and the session id; read the properties explicitly to store
 * them.
 */
export interface TokenSet {
  /** User access token (JWT). */
  accessToken: string;
  /** OIDC ID token (JWT), when Transmit returned one. */
  idToken?: string;
  /** Opaque refresh token, when Transmit returned one (rotates on every refresh). */
  refreshToken?: string;
  /** Token type, normally `"Bearer"`. */
  tokenType: string;
  /** Lifetime of the access token in seconds. */
  expiresIn: number;
  /** Transmit backend session id (absent on refresh responses). */
  sessionId?: string;
}

/** Client attributes forwarded to Transmit so its brute-force protection sees the real end user. */
export interface ClientAttributes {
  /** The end user's IP address (e.g. `CF-Connecting-IP`), never a proxy's. */
  ipAddress?: string;
  /** The end user's `User-Agent`. */
  userAgent?: string;
}

/** OIDC claims request, e.g. `{ id_token: { roles: null } }`. Sent to Transmit unchanged. */
export type ClaimsRequest = Record<string, Record<string, unknown> | null | undefined>;

/** Input of {@link TransmitClient.passwords}`.authenticate`. */
export interface PasswordAuthenticateInput {
  /** Username, email or phone number, matching `usernameType`. Sent byte for byte. */
  username: string;
  /** The user's password. Sent byte for byte: no trimming or normalisation. */
  password: string;
  /** Which identifier `username` is. Transmit's default is `"username"`. */
  usernameType?: "username" | "email" | "phone_number";
  /** Resource URI; becomes the access token's `aud`. */
  resource?: string;
  /** OIDC claims request. */
  claims?: ClaimsRequest;
  /** Organization id for B2B member login. */
  orgId?: string;
  /** Attach this authentication to an existing Transmit session (MFA). */
  sessionId?: string;
  /** Identifier of the originating device. */
  deviceId?: string;
  /** End user's IP and user agent. */
  clientAttributes?: ClientAttributes;
}

/** Input of {@link TransmitClient.passwords}`.reset`. */
export interface PasswordResetInput {
  /** A reset token: `TransmitError.resetToken` of `password_change_required`, a reset link's `code`, or `verifyResetCode`'s. */
  resetToken: string;
  /** The new password. Sent byte for byte. */
  newPassword: string;
}

/** Result of a completed password reset. */
export interface PasswordResetResult {
  /** Transmit's confirmation message, e.g. `"Password changed successfully"`. */
  message?: string;
  /** The account's email address, when Transmit's answer names it (it documents `email` in the answer). */
  email?: string;
}

/** Input of {@link TransmitClient.sessions}`.authenticate` (silent authentication into an existing session). */
export interface SessionAuthenticateInput {
  /** Transmit backend session id. */
  sessionId: string;
  /** Resource URI; becomes the access token's `aud`. */
  resource?: string;
  /** OIDC claims request. */
  claims?: ClaimsRequest;
  /** Organization id. */
  orgId?: string;
  /** End user's IP and user agent. */
  clientAttributes?: ClientAttributes;
}

/** How Transmit finds a user for one-time codes and TOTP. */
export type IdentifierType = "email" | "phone_number" | "user_id" | "username";

/** Input of `TransmitAccountClient.users.create` (from `@transmit-edge/core/account`): a new user with a permanent password. */
export interface UserCreateInput {
  /** Login name (unique per application). At least one of `username`, `email` and `phoneNumber` is required. */
  username?: string;
  /** Primary email. */
  email?: string;
  /** Primary phone number in E.164 form, e.g. `+15550100001`. */
  phoneNumber?: string;
  /** The new user's password, sent byte for byte; permanent (`force_replace: false`), checked by Transmit's policy. */
  password: string;
  /** Display name. */
  name?: { firstName?: string; lastName?: string };
  /** Your own id for the user. */
  externalUserId?: string;
}

/** The user created by `TransmitAccountClient.users.create` (from `@transmit-edge/core/account`). */
export interface CreatedUser {
  /** Transmit user id (the `sub` of the user's tokens). */
  userId: string;
  /** Login name, when the user has one. */
  username?: string;
  /** Primary email, when the user has one. */
  email?: string;
  /** Primary phone number, when the user has one. */
  phoneNumber?: string;
  /** Account status as Transmit reports it (`Active`, `Pending`, `Disabled`). */
  status?: string;
}

/** Input of {@link TransmitClient.passwords}`.sendResetEmail`: exactly one of `username` and `email`. */
export interface PasswordResetEmailInput {
  /** The user's login name. */
  username?: string;
  /** The user's primary email. */
  email?: string;
  /**
   * Absolute `https:` (or `http:`) URL the email's link leads to, with the reset token as its `code` query
   * parameter. Must be one of the application's allowed redirect URIs at Transmit.
   */
  redirectUri: string;
}

/** Input of {@link TransmitClient.passwords}`.sendResetCode`. */
export interface PasswordResetCodeInput {
  /** The user's primary email; the code is emailed there. */
  email: string;
}

/** Input of {@link TransmitClient.passwords}`.verifyResetCode`. */
export interface PasswordResetCodeVerifyInput {
  /** The email the code was sent to. */
  email: string;
  /** The code from the email. */
  passcode: string;
}

/**
 * A reset token, for {@link TransmitClient.passwords}`.reset`. Serialisations (`JSON.stringify`, `String()`, console
 * output) print `[REDACTED]`; read `resetToken` explicitly.
 */
export interface ResetTokenResult {
  /** Single-use reset token (lives a few minutes). */
  resetToken: string;
}

/** Input of `TransmitAccountClient.otp.send` (from `@transmit-edge/core/account`). */
export interface OtpSendInput {
  /** `email` or `sms` sends the code to the user's email or phone; `direct` returns it to you instead. */
  channel: "email" | "sms" | "direct";
  /** What `identifier` is. */
  identifierType: IdentifierType;
  /** The user's email, phone number, user id or username. */
  identifier: string;
}

/**
 * Answer of `TransmitAccountClient.otp.send` (from `@transmit-edge/core/account`). Serialisations print `[REDACTED]` in place of the code.
 */
export interface OtpSendResult {
  /** The code itself, for `channel: "direct"` only: deliver it yourself, never log it. */
  code?: string;
}

/** Input of `TransmitAccountClient.otp.authenticate` (from `@transmit-edge/core/account`). */
export interface OtpAuthenticateInput {
  /** The code the user entered. */
  passcode: string;
  /** What `identifier` is (the same as for `otp.send`). */
  identifierType: IdentifierType;
  /** The user's email, phone number, user id or username. */
  identifier: string;
  /** The password login's session id: the code becomes its second factor (`amr` gains `mfa`). */
  sessionId?: string;
  /** Resource URI; becomes the access token's `aud`. */
  resource?: string;
  /** OIDC claims request. */
  claims?: ClaimsRequest;
  /** End user's IP and user agent. */
  clientAttributes?: ClientAttributes;
}

/** Input of `TransmitAccountClient.totp.authenticate` (from `@transmit-edge/core/account`). */
export interface TotpAuthenticateInput {
  /** The 6-digit code from the user's authenticator app. */
  token: string;
  /** The user's email (default), phone number, user id or username. */
  identifier: string;
  /** What `identifier` is; Transmit's default is `"email"`. */
  identifierType?: IdentifierType;
  /** The password login's session id: the code becomes its second factor (`amr` gains `mfa`). */
  sessionId?: string;
  /** Resource URI; becomes the access token's `aud`. */
  resource?: string;
  /** OIDC claims request. */
  claims?: ClaimsRequest;
  /** End user's IP and user agent. */
  clientAttributes?: ClientAttributes;
}

/** Claims of a verified JWT. */
export interface VerifiedClaims {
  /** Subject: the Transmit user id (or client id for client tokens). */
  sub?: string;
  /** Issuer. */
  iss?: string;
  /** Audience. */
  aud?: string | string[];
  /** Expiry (seconds since epoch). */
  exp?: number;
  /** Issued at (seconds since epoch). */
  iat?: number;
  /** Any other claim. */
  [claim: string]: unknown;
}

/** Options of `tokens.verifyAccessToken`. */
export interface VerifyAccessTokenOptions extends RequestOptions {
  /** Expected `aud` (e.g. your resource URI, or Transmit's default `userid-api`). Not checked when omitted. */
  audience?: string | string[];
  /**
   * Accepted `tid` (your tenant, or one per regional tenant). Not checked when omitted: the issuer and the JWKS are
   * the region's, so without it a token from any tenant of the region verifies.
   */
  tenantId?: string | string[];
  /** Accepted `client_id` (your application, and any other whose users' tokens you accept). Not checked when omitted. */
  clientId?: string | string[];
}

/**
 * Storage for client access tokens (`tokenCache`) and JWKS documents (`jwksCache`), shared across client instances
 * or isolates. Values are opaque strings that carry their own expiry; implementations may drop them after
 * `ttlSeconds`. Every call is bounded by the calling request's deadline, and a failing or hanging store only costs
 * a cache miss. Token caches hold secrets: keep them server-side (memory, Cache API with a private key URL,
 * Durable Object).
 */
export interface TokenCache {
  /** Returns the stored value, or `undefined`/`null` when absent or expired. */
  get(key: string): Promise<string | undefined | null>;
  /** Stores `value` for `ttlSeconds` seconds (never less than `minTtlSeconds`). */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Removes a value (used when Transmit rejects a cached client token). Optional. */
  delete?(key: string): Promise<void>;
  /**
   * Shortest TTL the store accepts, in seconds (Workers KV: 60). Shorter TTLs are raised to it; the client still
   * ignores a value past the expiry stored inside it.
   */
  readonly minTtlSeconds?: number;
}

/** Names of the upstream operations, used in events and errors. */
export type RouteName =
  | "token"
  | "password.authenticate"
  | "password.reset"
  | "session.authenticate"
  | "session.logout"
  | "token.refresh"
  | "jwks"
  | "users.create"
  | "password.reset.email.link"
  | "password.reset.email.otp"
  | "password.reset.email.otp.validate"
  | "otp.send"
  | "otp.authenticate"
  | "totp.authenticate";

/**
 * Observability events. They never contain request or response bodies, tokens, passwords or secrets. Every event
 * carries `callId`, the same for all events of one client call (including the shared client-token or JWKS fetch it
 * started), and the call's `trace` context when one was passed.
 */
export type TransmitEvent = {
  /** Links the events of one client call. */
  callId: number;
  /** The `trace` option of the call, unchanged. */
  trace?: TraceContext;
} & (
  | { type: "request.start"; route: RouteName; attempt: number }
  | {
      type: "request.end";
      route: RouteName;
      attempt: number;
      /** HTTP status, absent when no response arrived. */
      status?: number;
      durationMs: number;
      /**
       * Set when the attempt failed without a usable response: no answer (`timeout`, `aborted`, `network`), or a
       * body too large to read (`invalid_response`).
       */
      failure?: "timeout" | "aborted" | "network" | "invalid_response";
      /** Upstream request id (`x-request-id`), when sent. */
      requestId?: string;
    }
  | { type: "retry"; route: RouteName; attempt: number; delayMs: number; reason: string }
  | { type: "token.refresh"; reason: "missing" | "expired" | "rejected"; hasResource: boolean }
  | {
      /** The call failed; `code` is the `TransmitError` code it threw. */
      type: "error";
      code: TransmitErrorCode;
      /** HTTP status from Transmit, 0 when none. */
      status: number;
      route?: RouteName;
    }
);
