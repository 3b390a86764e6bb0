/** `createTransmitClient`: the public client, wiring config, transport, client token, requests and responses. */
import { ClientTokenSource } from "./client-token.ts";
import { type ConfigInput, resolveConfig } from "./config.ts";
import { type Deadline, startDeadline } from "./deadline.ts";
import { isInvalidClientTokenBody, parseErrorBody } from "./error-body.ts";
import { TransmitError, transmitError } from "./errors.ts";
import { RemoteKeySet } from "./jwks/key-set.ts";
import { verifyJwt } from "./jwks/verify.ts";
import {
  logoutRequest,
  passwordAuthenticateRequest,
  passwordResetRequest,
  refreshRequest,
  sessionAuthenticateRequest,
} from "./requests.ts";
import { ensureSuccess, parseSuccessJson, processTokenResponse } from "./responses.ts";
import { createMemoryTokenCache } from "./token-cache.ts";
import { DEFAULT_RETRY, type RetrySettings, send, type TransportContext, type UpstreamResponse } from "./transport.ts";
import type {
  PasswordAuthenticateInput,
  PasswordResetInput,
  PasswordResetResult,
  RegionName,
  RequestOptions,
  SessionAuthenticateInput,
  TokenCache,
  TokenSet,
  TransmitEvent,
  VerifiedClaims,
  VerifyAccessTokenOptions,
} from "./types.ts";

/** Options of {@link createTransmitClient}. */
export interface TransmitClientOptions extends ConfigInput {
  /** Transmit region; sets the API host and the expected issuer. Either `region` or `baseUrl` is required. */
  region?: RegionName;
  /** API host root overriding the region's (emulator: `http://127.0.0.1:4010/eu`; custom domain). */
  baseUrl?: string;
  /** Application client id. */
  clientId: string;
  /** Application client secret. Never logged or included in errors. */
  clientSecret: string;
  /** Expected token issuer. Required to verify tokens in the sandbox (its issuer is undocumented). */
  issuer?: string;
  /** JWKS URL (default `{root}/cis/oidc/jwks`). */
  jwksUrl?: string;
  /** Token endpoint path under the root (default `/oidc/token`; `/cis/oidc/token` also exists). */
  tokenPath?: string;
  /** Fetch implementation (default: the global `fetch`, looked up on every call). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Overall deadline per call in ms, across retries (default 10000). */
  timeoutMs?: number;
  /** Where client access tokens are cached (default: in memory, per client). */
  tokenCache?: TokenCache;
  /** Observability hook; receives redacted events. Exceptions it throws are ignored. */
  onEvent?: (event: TransmitEvent) => void;
  /** Clock in ms since epoch, for token expiry and JWT checks (default `Date.now`). */
  now?: () => number;
  /** Allow `http:` base/JWKS URLs on loopback hosts (local emulator). Default false. */
  allowInsecureLoopback?: boolean;
  /**
   * Share one pending client-token or JWKS fetch between concurrent calls of this client. Default: on, except on
   * Cloudflare Workers, where a request must never await a promise created by another request.
   */
  shareInFlight?: boolean;
  /** Backoff for idempotent requests (client token, JWKS, logout). */
  retry?: Partial<RetrySettings>;
  /** Random source for backoff jitter, in [0, 1) (default `Math.random`). */
  random?: () => number;
}

/** The client returned by {@link createTransmitClient}. */
export interface TransmitClient {
  /** Resolved API root, e.g. `https://api.eu.transmitsecurity.io`. */
  readonly root: string;
  /** Region the client was created for, if any. */
  readonly region: RegionName | undefined;
  /** Backend password login. */
  readonly passwords: {
    /** Checks a username and password; resolves to the user's tokens. Never retried once sent. */
    authenticate(input: PasswordAuthenticateInput, options?: RequestOptions): Promise<TokenSet>;
    /** Finishes a forced password change with the reset token from `password_change_required`. */
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
    /** Verifies a user access token: signature, `iss`, `exp`, and `aud` when `audience` is given. */
    verifyAccessToken(jwt: string, options?: VerifyAccessTokenOptions): Promise<VerifiedClaims>;
  };
  /** Returns a valid client access token (cached; fetched when missing or about to expire). */
  clientAccessToken(options?: RequestOptions & { resource?: string }): Promise<string>;
}

function isCloudflareWorkers(): boolean {
  return typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers";
}

const USERNAME_TYPES: readonly unknown[] = ["username", "email", "phone_number"];

const required = (value: unknown, field: string): void => {
  if (typeof value !== "string" || value.length === 0) {
    throw transmitError("invalid_request", {}, `${field} must be a non-empty string`);
  }
};

/**
 * Creates a Transmit client. Options are validated immediately (`configuration` errors); nothing is fetched until a
 * method is called.
 *
 * @example
 * ```ts
 * const transmit = createTransmitClient({ region: "eu", clientId: env.ID, clientSecret: env.SECRET });
 * const tokens = await transmit.passwords.authenticate({ username, password });
 * const claims = await transmit.tokens.verifyIdToken(tokens.idToken!);
 * ```
 */
export function createTransmitClient(options: TransmitClientOptions): TransmitClient {
  if (typeof options !== "object" || options === null) throw transmitError("configuration", {}, "options required");
  const config = resolveConfig(options);
  const now = options.now ?? Date.now;
  const userFetch = options.fetch;
  const onEvent = options.onEvent;
  const shareInFlight = options.shareInFlight ?? !isCloudflareWorkers();
  const ctx: TransportContext = {
    // Look the global up on every call and call it as a plain function: a detached `fetch` reference throws
    // "Illegal invocation" on Workers, and tests may replace the global after the client is created.
    fetch: userFetch ?? ((input, init) => globalThis.fetch(input, init)),
    now,
    emit: (event) => {
      try {
        onEvent?.(event);
      } catch {
        // Observability must not break logins.
      }
    },
    retry: {
      maxRetries: options.retry?.maxRetries ?? DEFAULT_RETRY.maxRetries,
      baseDelayMs: options.retry?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: options.retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
      maxRetryAfterMs: options.retry?.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs,
    },
    random: options.random ?? Math.random,
  };
  const clientTokens = new ClientTokenSource(
    {
      root: config.root,
      tokenUrl: config.tokenUrl,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      cache: options.tokenCache ?? createMemoryTokenCache({ now }),
      shareInFlight,
    },
    ctx,
  );
  const keySet = new RemoteKeySet(config.jwksUrl, ctx, shareInFlight);

  async function withDeadline<T>(opts: RequestOptions | undefined, run: (deadline: Deadline) => Promise<T>) {
    const deadline = startDeadline(opts?.timeoutMs ?? config.timeoutMs, opts?.signal);
    try {
      // Only the caller can have aborted already; asking the deadline's signal would create it for nothing.
      if (opts?.signal?.aborted) throw deadline.error(undefined);
      return await run(deadline);
    } finally {
      deadline.dispose();
    }
  }

  /** Sends an API call with the client token; on 401 "Invalid token" replaces the token once and retries once. */
  async function callApi(
    build: (token: string) => Parameters<typeof send>[1],
    deadline: Deadline,
  ): Promise<UpstreamResponse> {
    const token = await clientTokens.get(undefined, deadline);
    const res = await send(ctx, build(token), deadline);
    if (!isClientTokenRejected(res)) return res;
    const fresh = await clientTokens.replace(undefined, token, deadline);
    const retried = await send(ctx, build(fresh), deadline);
    if (isClientTokenRejected(retried)) {
      throw transmitError("unauthorized_client", { status: 401, route: build(fresh).route }, "client token rejected");
    }
    return retried;
  }

  async function verify(jwt: string, audience: string | string[] | undefined, opts: RequestOptions | undefined) {
    const issuer = config.issuer;
    if (issuer === undefined) {
      throw transmitError("configuration", {}, "issuer is required to verify tokens (sandbox or custom baseUrl)");
    }
    return withDeadline(opts, (deadline) =>
      verifyJwt(
        jwt,
        keySet,
        {
          issuer,
          ...(audience !== undefined && { audience }),
          algorithms: config.algorithms,
          clockToleranceSec: config.clockToleranceSec,
          nowMs: now(),
        },
        deadline,
      ),
    );
  }

  return {
    root: config.root,
    region: config.region,
    passwords: {
      async authenticate(input, opts) {
        required(input?.username, "username");
        required(input?.password, "password");
        if (input.usernameType !== undefined && !USERNAME_TYPES.includes(input.usernameType)) {
          throw transmitError("invalid_request", {}, "usernameType must be username, email or phone_number");
        }
        const route = "password.authenticate";
        const res = await withDeadline(opts, (d) =>
          callApi((t) => passwordAuthenticateRequest(config.root, t, input), d),
        );
        return processTokenResponse(route, res, now());
      },
      async reset(input, opts) {
        required(input?.resetToken, "resetToken");
        required(input?.newPassword, "newPassword");
        const route = "password.reset";
        const res = await withDeadline(opts, (d) => callApi((t) => passwordResetRequest(config.root, t, input), d));
        ensureSuccess(route, res, now());
        const json = res.text ? parseSuccessJson(route, res.status, res.headers, res.text) : {};
        return typeof json.message === "string" ? { message: json.message } : {};
      },
    },
    sessions: {
      async authenticate(input, opts) {
        required(input?.sessionId, "sessionId");
        const res = await withDeadline(opts, (d) =>
          callApi((t) => sessionAuthenticateRequest(config.root, t, input), d),
        );
        return processTokenResponse("session.authenticate", res, now());
      },
      async logout(sessionId, opts) {
        required(sessionId, "sessionId");
        const res = await withDeadline(opts, (d) => callApi((t) => logoutRequest(config.root, t, sessionId), d));
        try {
          ensureSuccess("session.logout", res, now());
        } catch (error) {
          // A retry after an attempt that may have been processed (answer lost, 5xx) finds the session already gone:
          // that is the outcome the caller asked for, not a failure.
          if ((res.attempt ?? 1) > 1 && error instanceof TransmitError && error.code === "session_not_found") return;
          throw error;
        }
      },
    },
    tokens: {
      async refresh(refreshToken, opts) {
        required(refreshToken, "refreshToken");
        const res = await withDeadline(opts, (d) => callApi((t) => refreshRequest(config.root, t, refreshToken), d));
        return processTokenResponse("token.refresh", res, now());
      },
      verifyIdToken: (jwt, opts) => verify(jwt, config.clientId, opts),
      verifyAccessToken: (jwt, opts) => verify(jwt, opts?.audience, opts),
    },
    clientAccessToken: (opts) => withDeadline(opts, (d) => clientTokens.get(opts?.resource, d)),
  };
}

function isClientTokenRejected(res: UpstreamResponse): boolean {
  return res.status === 401 && isInvalidClientTokenBody(parseErrorBody(res.text), res.headers.get("www-authenticate"));
}
