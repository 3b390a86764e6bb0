/** `createTransmitClient`: the public client, wiring config, transport, client token, requests and responses. */
import { ClientTokenSource } from "./client-token.ts";
import { type ConfigInput, resolveConfig } from "./config.ts";
import { type Call, type EventInput, startDeadline } from "./deadline.ts";
import { isInvalidClientTokenBody, parseErrorBody } from "./error-body.ts";
import { TransmitError, transmitError } from "./errors.ts";
import { RemoteKeySet } from "./jwks/key-set.ts";
import { verifyJwt } from "./jwks/verify.ts";
import {
  logoutRequest,
  MAX_PASSWORD_LENGTH,
  passwordAuthenticateRequest,
  passwordResetRequest,
  refreshRequest,
  sessionAuthenticateRequest,
} from "./requests.ts";
import { ensureSuccess, parseSuccessJson, processTokenResponse } from "./responses.ts";
import { createMemoryTokenCache } from "./token-cache.ts";
import {
  DEFAULT_RETRY,
  type RetrySettings,
  send,
  type TransportContext,
  type UpstreamRequest,
  type UpstreamResponse,
} from "./transport.ts";
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
  /**
   * Shared store for the JWKS document (default: none, the key set is kept in memory per client), so new isolates
   * or instances start with keys another one fetched. Holds public keys only.
   */
  jwksCache?: TokenCache;
  /**
   * Observability hook; receives redacted events. It is never awaited: exceptions it throws and promises it
   * rejects are ignored, and a slow hook never delays a call.
   */
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

/** Longest username, session id, refresh or reset token accepted, in characters. */
const MAX_FIELD_LENGTH = 16 * 1024;

const required = (value: unknown, field: string, max = MAX_FIELD_LENGTH): void => {
  if (typeof value !== "string" || value.length === 0 || value.length > max) {
    throw transmitError("invalid_request", {}, `${field} must be a string of 1 to ${max} characters`);
  }
};

/** Per-call options are checked like client options: a bad value is a `configuration` error, never a TypeError. */
function checkRequestOptions(opts: RequestOptions | undefined): void {
  if (opts === undefined) return;
  const { timeoutMs, signal, trace } = opts ?? {};
  const bad =
    typeof opts !== "object" || opts === null
      ? "options"
      : timeoutMs !== undefined && !(typeof timeoutMs === "number" && timeoutMs > 0 && timeoutMs !== Infinity)
        ? "timeoutMs"
        : signal !== undefined && !(signal instanceof AbortSignal)
          ? "signal"
          : trace !== undefined && (typeof trace !== "object" || trace === null)
            ? "trace"
            : undefined;
  if (bad) throw transmitError("configuration", {}, `invalid call option: ${bad}`);
}

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
      // Observability must not break logins: a throwing hook is ignored, a returned promise is neither awaited nor
      // left to reject unhandled.
      try {
        const result = onEvent?.(event) as unknown;
        if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") {
          Promise.resolve(result).catch(() => {});
        }
      } catch {
        // ignored
      }
    },
    retry: {
      maxRetries: options.retry?.maxRetries ?? DEFAULT_RETRY.maxRetries,
      baseDelayMs: options.retry?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: options.retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
      maxRetryAfterMs: options.retry?.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs,
    },
    random: options.random ?? Math.random,
    limits: config.limits,
  };
  let lastCallId = 0;
  /** Starts a call: its deadline, a new call id, the trace context for its events, one resend. */
  const openCall = (opts?: RequestOptions): Call => {
    const id = ++lastCallId;
    const trace = opts?.trace;
    return Object.assign(startDeadline(opts?.timeoutMs ?? config.timeoutMs, opts?.signal), {
      id,
      resends: 1,
      emit: (event: EventInput) => {
        if (onEvent) ctx.emit({ ...event, callId: id, ...(trace !== undefined && { trace }) } as TransmitEvent);
      },
    });
  };
  const clientTokens = new ClientTokenSource(
    {
      root: config.root,
      tokenUrl: config.tokenUrl,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      cache: options.tokenCache ?? createMemoryTokenCache({ now }),
      raceCache: options.tokenCache !== undefined,
      shareInFlight,
    },
    ctx,
  );
  const keySet = new RemoteKeySet(config.jwksUrl, ctx, shareInFlight, options.jwksCache, openCall);

  /** Runs one client call: options checked, one deadline, an `error` event for any failure. */
  async function run<T>(opts: RequestOptions | undefined, body: (call: Call) => Promise<T>): Promise<T> {
    let call: Call | undefined;
    try {
      checkRequestOptions(opts);
      call = openCall(opts);
      // Only the caller can have aborted already; asking the deadline's signal would create it for nothing.
      if (opts?.signal?.aborted) throw call.error(undefined);
      return await body(call);
    } catch (error) {
      if (error instanceof TransmitError) {
        const event = { type: "error", code: error.code, status: error.status } as const;
        const route = error.route;
        if (call) call.emit(route ? { ...event, route } : event);
        else ctx.emit({ ...event, callId: ++lastCallId });
      }
      throw error;
    } finally {
      call?.dispose();
    }
  }

  /**
   * Sends an API call with the client token; on 401 "Invalid token" replaces the token once and retries once. For a
   * request that must not be repeated once processed, that retry spends the call's only resend.
   */
  async function callApi(req: UpstreamRequest, call: Call): Promise<UpstreamResponse> {
    const attempt = (token: string) =>
      send(
        ctx,
        { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` }, secrets: [...req.secrets, token] },
        call,
      );
    const token = await clientTokens.get(undefined, call);
    const res = await attempt(token);
    if (!isClientTokenRejected(res)) return res;
    if (req.retry === "once-sent" && call.resends-- < 1) throw clientRejected(req);
    const fresh = await clientTokens.replace(undefined, token, call);
    const retried = await attempt(fresh);
    if (isClientTokenRejected(retried)) throw clientRejected(req);
    return retried;
  }

  function verify(jwt: string, audience: string | string[] | undefined, opts: RequestOptions | undefined) {
    return run(opts, (call) => {
      const issuer = config.issuer;
      if (issuer === undefined) {
        throw transmitError("configuration", {}, "issuer is required to verify tokens (sandbox or custom baseUrl)");
      }
      return verifyJwt(
        jwt,
        keySet,
        {
          issuer,
          ...(audience !== undefined && { audience }),
          algorithms: config.algorithms,
          clockToleranceSec: config.clockToleranceSec,
          nowMs: now(),
        },
        call,
      );
    });
  }

  const tokenSet = (
    route: Parameters<typeof processTokenResponse>[0],
    build: () => UpstreamRequest,
    opts?: RequestOptions,
  ) => run(opts, async (call) => processTokenResponse(route, await callApi(build(), call), now()));

  return {
    root: config.root,
    region: config.region,
    passwords: {
      authenticate: (input, opts) =>
        tokenSet(
          "password.authenticate",
          () => {
            required(input?.username, "username");
            required(input?.password, "password", MAX_PASSWORD_LENGTH);
            if (input.usernameType !== undefined && !USERNAME_TYPES.includes(input.usernameType)) {
              throw transmitError("invalid_request", {}, "usernameType must be username, email or phone_number");
            }
            return passwordAuthenticateRequest(config.root, input);
          },
          opts,
        ),
      reset: (input, opts) =>
        run(opts, async (call) => {
          required(input?.resetToken, "resetToken");
          required(input?.newPassword, "newPassword", MAX_PASSWORD_LENGTH);
          const route = "password.reset";
          const res = await callApi(passwordResetRequest(config.root, input), call);
          ensureSuccess(route, res, now());
          const json = res.text ? parseSuccessJson(route, res.status, res.headers, res.text) : {};
          return typeof json.message === "string" ? { message: json.message } : {};
        }),
    },
    sessions: {
      authenticate: (input, opts) =>
        tokenSet(
          "session.authenticate",
          () => {
            required(input?.sessionId, "sessionId");
            return sessionAuthenticateRequest(config.root, input);
          },
          opts,
        ),
      logout: (sessionId, opts) =>
        run(opts, async (call) => {
          required(sessionId, "sessionId");
          const res = await callApi(logoutRequest(config.root, sessionId), call);
          try {
            ensureSuccess("session.logout", res, now());
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
        tokenSet(
          "token.refresh",
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
      run(opts, (call) => {
        const resource = opts?.resource;
        if (resource !== undefined) required(resource, "resource");
        return clientTokens.get(resource, call);
      }),
  };
}

function clientRejected(req: UpstreamRequest) {
  return transmitError("unauthorized_client", { status: 401, route: req.route }, "client token rejected");
}

function isClientTokenRejected(res: UpstreamResponse): boolean {
  return res.status === 401 && isInvalidClientTokenBody(parseErrorBody(res.text), res.headers.get("www-authenticate"));
}
