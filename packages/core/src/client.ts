/**
 * `createTransmitClient`: the full client. Login and everything a call shares live in engine.ts (also used by the
 * login-only entry, login.ts); this module adds password reset, sessions, refresh and token verification.
 */
import {
  authenticateOtp,
  authenticateTotp,
  createUser,
  sendOtp,
  sendResetCode,
  sendResetEmail,
  verifyResetCode,
} from "./account.ts";
import { resolveVerifyConfig } from "./config.ts";
import {
  authenticatePassword,
  callApi,
  createEngine,
  type LoginClientOptions,
  required,
  run,
  type TransmitLoginClient,
  tokenSetCall,
} from "./engine.ts";
import { TransmitError, transmitError } from "./errors.ts";
import { RemoteKeySet } from "./jwks/key-set.ts";
import { type TokenAlgorithm, verifyJwt } from "./jwks/verify.ts";
import {
  logoutRequest,
  MAX_PASSWORD_LENGTH,
  passwordResetRequest,
  refreshRequest,
  sessionAuthenticateRequest,
} from "./requests.ts";
import { ensureSuccess, parseSuccessJson, refreshCodes, resetCodes, sessionCodes } from "./responses.ts";
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
  SessionAuthenticateInput,
  TokenCache,
  TokenSet,
  TotpAuthenticateInput,
  UserCreateInput,
  VerifiedClaims,
  VerifyAccessTokenOptions,
} from "./types.ts";

/** Options of {@link createTransmitClient}: those of the login-only client plus token verification's. */
export interface TransmitClientOptions extends LoginClientOptions {
  /** Expected token issuer. Required to verify tokens in the sandbox (its issuer is undocumented). */
  issuer?: string;
  /** JWKS URL (default `{root}/cis/oidc/jwks`). */
  jwksUrl?: string;
  /**
   * Signature algorithms accepted for ID and access tokens (default `["RS256"]`). Add `"PS256"` for FAPI tenants;
   * `none` and HMAC are never accepted.
   */
  algorithms?: readonly TokenAlgorithm[];
  /** Clock skew allowed when checking `exp`, `nbf` and `iat`, in seconds, 0 to 300 (default 30). */
  clockToleranceSec?: number;
  /**
   * Shared store for the JWKS document (default: none, the key set is kept in memory per client), so new isolates
   * or instances start with keys another one fetched. Holds public keys only.
   */
  jwksCache?: TokenCache;
}

/** The client returned by {@link createTransmitClient}. */
export interface TransmitClient extends TransmitLoginClient {
  /** Backend password login. */
  readonly passwords: {
    /** Checks a username and password; resolves to the user's tokens. Never retried once sent. */
    authenticate(input: PasswordAuthenticateInput, options?: RequestOptions): Promise<TokenSet>;
    /**
     * Sets a new password with a reset token: from `password_change_required`, the `code` of a reset email's link,
     * or {@link TransmitClient.passwords}`.verifyResetCode`. Never retried once sent.
     */
    reset(input: PasswordResetInput, options?: RequestOptions): Promise<PasswordResetResult>;
    /**
     * Forgot password: emails the user (by `username` or `email`) a link to `redirectUri?code=<reset token>`; pass
     * the code to `reset`. `user_not_found` when Transmit has no user, or no verified email, for the identifier:
     * answer your visitor the same either way. Never retried once sent.
     *
     * @example
     * ```ts
     * await transmit.passwords.sendResetEmail({ email, redirectUri: "https://app.example.com/reset" });
     * // later, on https://app.example.com/reset?code=...
     * await transmit.passwords.reset({ resetToken: code, newPassword });
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
     * const user = await transmit.users.create({ email: "ann@example.com", password });
     * const tokens = await transmit.passwords.authenticate({ username: "ann@example.com", usernameType: "email", password });
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
     * const first = await transmit.passwords.authenticate({ username, password });
     * await transmit.otp.send({ channel: "email", identifierType: "username", identifier: username });
     * const tokens = await transmit.otp.authenticate({
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
     * const first = await transmit.passwords.authenticate({ username: email, usernameType: "email", password });
     * const tokens = await transmit.totp.authenticate({ token: code, identifier: email, sessionId: first.sessionId });
     * ```
     */
    authenticate(input: TotpAuthenticateInput, options?: RequestOptions): Promise<TokenSet>;
  };
  /** Backend sessions. */
  readonly sessions: {
    /** Silent authentication into an existing session; `session_not_found` when it is gone. */
    authenticate(input: SessionAuthenticateInput, options?: RequestOptions): Promise<TokenSet>;
    /** Ends the session and revokes its refresh tokens. */
    logout(sessionId: string, options?: RequestOptions): Promise<void>;
  };
  /** User tokens. */
  readonly tokens: {
    /** Exchanges a refresh token for a rotated TokenSet (no `sessionId`). Never retried once sent. */
    refresh(refreshToken: string, options?: RequestOptions): Promise<TokenSet>;
    /** Verifies an ID token: signature (JWKS), `iss`, `aud` = clientId, `exp`. */
    verifyIdToken(jwt: string, options?: RequestOptions): Promise<VerifiedClaims>;
    /** Verifies a user access token: signature, `iss`, `exp`, and `aud` when `audience` is given. */
    verifyAccessToken(jwt: string, options?: VerifyAccessTokenOptions): Promise<VerifiedClaims>;
  };
  /** Returns a valid client access token (cached; fetched when missing or about to expire). */
  clientAccessToken(options?: RequestOptions & { resource?: string }): Promise<string>;
}

/**
 * Creates a Transmit client. Options are validated immediately (`configuration` errors); nothing is fetched until a
 * method is called. An app that only logs users in can import `createLoginClient` from `@transmit-edge/core/login`
 * instead: same login, a fraction of the bundle.
 *
 * @example
 * ```ts
 * const transmit = createTransmitClient({ region: "eu", clientId: env.ID, clientSecret: env.SECRET });
 * const tokens = await transmit.passwords.authenticate({ username, password });
 * const claims = await transmit.tokens.verifyIdToken(tokens.idToken!);
 * ```
 */
export function createTransmitClient(options: TransmitClientOptions): TransmitClient {
  const engine = createEngine(options);
  const { config, now } = engine;
  const verifyConfig = resolveVerifyConfig(options, config);
  const keySet = new RemoteKeySet(verifyConfig.jwksUrl, engine.ctx, engine.shareInFlight, options.jwksCache, () =>
    engine.openCall(),
  );

  function verify(jwt: string, audience: string | string[] | undefined, opts: RequestOptions | undefined) {
    return run(engine, opts, (call) => {
      const issuer = verifyConfig.issuer;
      if (issuer === undefined) {
        throw transmitError("configuration", {}, "issuer is required to verify tokens (sandbox or custom baseUrl)");
      }
      return verifyJwt(
        jwt,
        keySet,
        {
          issuer,
          ...(audience !== undefined && { audience }),
          algorithms: verifyConfig.algorithms,
          clockToleranceSec: verifyConfig.clockToleranceSec,
          nowMs: now(),
        },
        call,
      );
    });
  }

  return {
    root: config.root,
    region: config.region,
    passwords: {
      authenticate: (input, opts) => authenticatePassword(engine, input, opts),
      reset: (input, opts) =>
        run(engine, opts, async (call) => {
          required(input?.resetToken, "resetToken");
          required(input?.newPassword, "newPassword", MAX_PASSWORD_LENGTH);
          const res = await callApi(engine, passwordResetRequest(config.root, input), call);
          ensureSuccess(res, now(), resetCodes);
          const json = res.text ? parseSuccessJson(res) : {};
          return typeof json.message === "string" ? { message: json.message } : {};
        }),
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
    sessions: {
      authenticate: (input, opts) =>
        tokenSetCall(
          engine,
          sessionCodes,
          () => {
            required(input?.sessionId, "sessionId");
            return sessionAuthenticateRequest(config.root, input);
          },
          opts,
        ),
      logout: (sessionId, opts) =>
        run(engine, opts, async (call) => {
          required(sessionId, "sessionId");
          const res = await callApi(engine, logoutRequest(config.root, sessionId), call);
          try {
            ensureSuccess(res, now(), sessionCodes);
          } catch (error) {
            // A retry after an attempt that may have been processed (answer lost, 5xx) finds the session already
            // gone: that is the outcome the caller asked for, not a failure.
            if ((res.attempt ?? 1) > 1 && error instanceof TransmitError && error.code === "session_not_found") return;
            throw error;
          }
        }),
    },
    tokens: {
      refresh: (refreshToken, opts) =>
        tokenSetCall(
          engine,
          refreshCodes,
          () => {
            required(refreshToken, "refreshToken");
            return refreshRequest(config.root, refreshToken);
          },
          opts,
        ),
      verifyIdToken: (jwt, opts) => verify(jwt, config.clientId, opts),
      verifyAccessToken: (jwt, opts) => verify(jwt, opts?.audience, opts),
    },
    clientAccessToken: (opts) =>
      run(engine, opts, (call) => {
        const resource = opts?.resource;
        if (resource !== undefined) required(resource, "resource");
        return engine.clientTokens.get(resource, call);
      }),
  };
}
