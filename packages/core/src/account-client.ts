/**
 * `@transmit-edge/core/account`: the account journey beyond login. Sign-up (`users.create`), forgot password by email
 * (a link, or a code exchanged for a reset token), one-time codes and TOTP, as a first or second factor. Its own
 * entry so that apps that only log users in (or verify tokens) do not bundle it.
 *
 * @module
 */
import {
  authenticateOtp,
  authenticateTotp,
  createUser,
  resetPassword,
  sendOtp,
  sendResetCode,
  sendResetEmail,
  verifyResetCode,
} from "./account.ts";
import {
  authenticatePassword,
  createEngine,
  engines,
  type LoginClientOptions,
  type TransmitLoginClient,
} from "./engine.ts";
import type {
  CreatedUser,
  OtpAuthenticateInput,
  OtpSendInput,
  OtpSendResult,
  PasswordAuthenticateInput,
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

export type { AccountErrorCode } from "./errors.ts";
export type {
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
  ResetTokenResult,
  TotpAuthenticateInput,
  UserCreateInput,
} from "./types.ts";

/** The client returned by {@link createAccountClient}: password login plus the account journey. */
export interface TransmitAccountClient extends TransmitLoginClient {
  /** Password login, reset and forgot password. */
  readonly passwords: {
    /** Checks a username and password; resolves to the user's tokens (and `sessionId`). Never retried once sent. */
    authenticate(input: PasswordAuthenticateInput, options?: RequestOptions): Promise<TokenSet>;
    /**
     * Sets a new password with a reset token: the `code` of a reset email's link, or `verifyResetCode`'s
     * `resetToken`. Never retried once sent.
     */
    reset(input: PasswordResetInput, options?: RequestOptions): Promise<PasswordResetResult>;
    /**
     * Forgot password: emails the user (by `username` or `email`) a link to `redirectUri?code=<reset token>`; pass
     * the code to `reset`. `user_not_found` when Transmit has no user, or no verified email, for the identifier:
     * answer your visitor the same either way. Never retried once sent.
     *
     * @example
     * ```ts
     * await account.passwords.sendResetEmail({ email, redirectUri: "https://app.example.com/reset" });
     * // later, on https://app.example.com/reset?code=...
     * await account.passwords.reset({ resetToken: code, newPassword });
     * ```
     */
    sendResetEmail(input: PasswordResetEmailInput, options?: RequestOptions): Promise<void>;
    /** Forgot password by code: emails the user a reset code (see `verifyResetCode`). Never retried once sent. */
    sendResetCode(input: PasswordResetCodeInput, options?: RequestOptions): Promise<void>;
    /**
     * Exchanges an emailed reset code for a reset token (for `reset`); `invalid_credentials` for a wrong or expired
     * code, `locked` after too many. Never retried once sent.
     */
    verifyResetCode(input: PasswordResetCodeVerifyInput, options?: RequestOptions): Promise<ResetTokenResult>;
  };
  /** Users. */
  readonly users: {
    /**
     * Creates a user with a permanent password. `identifier_taken` when the username, email or phone number is
     * taken; `password_rejected` when the password policy refuses the password. Never retried once sent.
     *
     * @example
     * ```ts
     * const user = await account.users.create({ email: "ann@example.com", password });
     * const tokens = await account.passwords.authenticate({ username: "ann@example.com", usernameType: "email", password });
     * ```
     */
    create(input: UserCreateInput, options?: RequestOptions): Promise<CreatedUser>;
  };
  /** One-time codes by email, SMS or handed to you (`direct`): a login of their own, or a second factor. */
  readonly otp: {
    /**
     * Sends a code; with `channel: "direct"` returns it instead (`code`, redacted from serialisations).
     * `user_not_found` when Transmit cannot reach a user by the identifier. Never retried once sent.
     */
    send(input: OtpSendInput, options?: RequestOptions): Promise<OtpSendResult>;
    /**
     * Checks a code; resolves to the user's tokens. With the password login's `sessionId` it is a second factor and
     * the ID token's `amr` gains `mfa`. Never retried once sent.
     *
     * @example
     * ```ts
     * const first = await account.passwords.authenticate({ username, password });
     * await account.otp.send({ channel: "email", identifierType: "username", identifier: username });
     * const tokens = await account.otp.authenticate({
     *   passcode, identifierType: "username", identifier: username, sessionId: first.sessionId,
     * });
     * ```
     */
    authenticate(input: OtpAuthenticateInput, options?: RequestOptions): Promise<TokenSet>;
  };
  /** TOTP (authenticator apps). */
  readonly totp: {
    /**
     * Checks a TOTP code; resolves to the user's tokens (a second factor with `sessionId`). Never retried once sent.
     *
     * @example
     * ```ts
     * const first = await account.passwords.authenticate({ username: email, usernameType: "email", password });
     * const tokens = await account.totp.authenticate({ token: code, identifier: email, sessionId: first.sessionId });
     * ```
     */
    authenticate(input: TotpAuthenticateInput, options?: RequestOptions): Promise<TokenSet>;
  };
}

/**
 * Creates an account-journey client. Pass a client from `createTransmitClient` or `createLoginClient` to share its
 * configuration, client-token cache and event hook, or the options of `createLoginClient` (validated immediately:
 * `configuration` errors). Nothing is fetched until a method is called.
 *
 * @example
 * ```ts
 * import { createTransmitClient } from "@transmit-edge/core";
 * import { createAccountClient } from "@transmit-edge/core/account";
 *
 * const transmit = createTransmitClient({ region: "eu", clientId: env.ID, clientSecret: env.SECRET });
 * const account = createAccountClient(transmit);
 * await account.users.create({ email: "ann@example.com", password });
 * ```
 */
export function createAccountClient(from: TransmitLoginClient | LoginClientOptions): TransmitAccountClient {
  const engine = engines.get(from) ?? createEngine(from as LoginClientOptions);
  return {
    root: engine.config.root,
    region: engine.config.region,
    passwords: {
      authenticate: (input, opts) => authenticatePassword(engine, input, opts),
      reset: (input, opts) => resetPassword(engine, input, opts),
      sendResetEmail: (input, opts) => sendResetEmail(engine, input, opts),
      sendResetCode: (input, opts) => sendResetCode(engine, input, opts),
      verifyResetCode: (input, opts) => verifyResetCode(engine, input, opts),
    },
    users: { create: (input, opts) => createUser(engine, input, opts) },
    otp: {
      send: (input, opts) => sendOtp(engine, input, opts),
      authenticate: (input, opts) => authenticateOtp(engine, input, opts),
    },
    totp: { authenticate: (input, opts) => authenticateTotp(engine, input, opts) },
  };
}

/** The part of {@link TransmitAccountClient} that sign-up and forgot password by email use. */
export interface TransmitSignupClient {
  readonly users: Pick<TransmitAccountClient["users"], "create">;
  readonly passwords: Pick<TransmitAccountClient["passwords"], "sendResetEmail">;
}

/**
 * {@link createAccountClient} with `users.create` and `passwords.sendResetEmail` only: a bundler then leaves the
 * codes, TOTP and the code-based reset out (about 1 KB gzip in a Worker). Same arguments and behaviour.
 *
 * @example
 * ```ts
 * import { createSignupClient } from "@transmit-edge/core/account";
 *
 * const signup = createSignupClient(transmit);
 * await signup.users.create({ email, username: email, password });
 * ```
 */
export function createSignupClient(from: TransmitLoginClient | LoginClientOptions): TransmitSignupClient {
  const engine = engines.get(from) ?? createEngine(from as LoginClientOptions);
  return {
    users: { create: (input, opts) => createUser(engine, input, opts) },
    passwords: { sendResetEmail: (input, opts) => sendResetEmail(engine, input, opts) },
  };
}

/** The part of {@link TransmitAccountClient} that a second factor uses: one-time codes and TOTP. */
export interface TransmitFactorClient {
  readonly otp: TransmitAccountClient["otp"];
  readonly totp: TransmitAccountClient["totp"];
}

/**
 * {@link createAccountClient} with `otp` and `totp` only (a second factor after the password login): a bundler then
 * leaves sign-up and forgot password out. Same arguments and behaviour.
 *
 * @example
 * ```ts
 * import { createFactorClient } from "@transmit-edge/core/account";
 *
 * const first = await transmit.passwords.authenticate({ username: email, usernameType: "email", password });
 * const factors = createFactorClient(transmit);
 * const tokens = await factors.totp.authenticate({ token: code, identifier: email, sessionId: first.sessionId });
 * ```
 */
export function createFactorClient(from: TransmitLoginClient | LoginClientOptions): TransmitFactorClient {
  const engine = engines.get(from) ?? createEngine(from as LoginClientOptions);
  return {
    otp: {
      send: (input, opts) => sendOtp(engine, input, opts),
      authenticate: (input, opts) => authenticateOtp(engine, input, opts),
    },
    totp: { authenticate: (input, opts) => authenticateTotp(engine, input, opts) },
  };
}
