/**
 * `createTransmitClient`: the full client. Login and everything a call shares live in engine.ts (also used by the
 * login-only entry, login.ts); this module adds password reset, sessions, refresh and token verification. The account journey (sign-up, forgot
 * password, one-time codes, TOTP) is a separate entry, account-client.ts, so apps that do not use it do not bundle it.
 */
import { resetPassword } from "./account.ts";
import { resolveVerifyConfig } from "./config.ts";
import {
  authenticatePassword,
  callApi,
  createEngine,
  engines,
  type LoginClientOptions,
  required,
  run,
  type TransmitLoginClient,
  tokenSetCall,
} from "./engine.ts";
import { TransmitError, transmitError } from "./errors.ts";
import { RemoteKeySet } from "./jwks/key-set.ts";
import { type TokenAlgorithm, verifyJwt } from "./jwks/verify.ts";
import { logoutRequest, refreshRequest, sessionAuthenticateRequest } from "./requests.ts";
import { ensureSuccess, refreshCodes, sessionCodes } from "./responses.ts";
import type {
  PasswordAuthenticateInput,
  PasswordResetInput,
  PasswordResetResult,
  RequestOptions,
  SessionAuthenticateInput,
  TokenCache,
  TokenSet,
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
     * Sets a new password with a reset token: from `password_change_required`, or from the forgot-password methods
     * of `createAccountClient` (`@transmit-edge/core/account`). Never retried once sent.
     */
    reset(input: PasswordResetInput, options?: RequestOptions): Promise<PasswordResetResult>;
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
    /**
     * Verifies a user access token: signature, `iss`, `exp`; `aud`, `tid` and `client_id` when `audience`, `tenantId`
     * and `clientId` are given. The issuer and JWKS are the region's: give `tenantId` and `clientId`, or any tenant's
     * tokens of the region verify.
     */
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

  /** `listed`: claims that must hold one of the given strings (`[claim, option name, option value]`). */
  function verify(
    jwt: string,
    audience: string | string[] | undefined,
    opts: RequestOptions | undefined,
    listed: [claim: string, option: string, value: unknown][] = [],
  ) {
    return run(engine, opts, async (call) => {
      const issuer = verifyConfig.issuer;
      if (issuer === undefined) {
        throw transmitError("configuration", {}, "issuer is required to verify tokens (sandbox or custom baseUrl)");
      }
      const lists: [string, unknown[]][] = [];
      for (const [claim, option, value] of listed) {
        if (value === undefined) continue;
        const list: unknown[] = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
        if (list.length === 0 || list.some((v) => typeof v !== "string" || v === "")) {
          throw transmitError("configuration", {}, `${option} must be a non-empty string or a list of them`);
        }
        lists.push([claim, list]);
      }
      const claims = await verifyJwt(
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
      for (const [claim, list] of lists) {
        if (!list.includes(claims[claim])) throw transmitError("token_invalid", {}, `${claim} claim check failed`);
      }
      return claims;
    });
  }

  const client: TransmitClient = {
    root: config.root,
    region: config.region,
    passwords: {
      authenticate: (input, opts) => authenticatePassword(engine, input, opts),
      reset: (input, opts) => resetPassword(engine, input, opts),
    },
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
      verifyAccessToken: (jwt, opts) =>
        verify(jwt, opts?.audience, opts, [
          ["tid", "tenantId", opts?.tenantId],
          ["client_id", "clientId", opts?.clientId],
        ]),
    },
    clientAccessToken: (opts) =>
      run(engine, opts, (call) => {
        const resource = opts?.resource;
        if (resource !== undefined) required(resource, "resource");
        return engine.clientTokens.get(resource, call);
      }),
  };
  engines.set(client, engine);
  return client;
}
