/**
 * What every client call shares, whichever entry point created the client (`createTransmitClient` in client.ts,
 * `createLoginClient` in login.ts): validated options, the transport context with its contained `onEvent` hook, one
 * deadline per call, the client token (cache and single flight), the one retry on a rejected client token, and the
 * password login itself. Nothing here refers to token verification, so a login-only bundle carries none of it.
 */
import { ClientTokenSource } from "./client-token.ts";
import { type LoginConfigInput, type ResolvedConfig, resolveConfig } from "./config.ts";
import { type Call, type EventInput, startDeadline } from "./deadline.ts";
import { isInvalidClientTokenBody, parseErrorBody } from "./error-body.ts";
import { TransmitError, transmitError } from "./errors.ts";
import { MAX_PASSWORD_LENGTH, passwordAuthenticateRequest } from "./requests.ts";
import { passwordCodes, processTokenResponse, type RouteCodes } from "./responses.ts";
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
  RegionName,
  RequestOptions,
  RouteName,
  TokenCache,
  TokenSet,
  TransmitEvent,
} from "./types.ts";

/**
 * Test hooks of a client: a clock and a random source. Not needed in production; kept apart from the options that
 * shape behaviour so that they are not mistaken for settings.
 */
export interface TestingOptions {
  /** Clock in ms since epoch, for token expiry, `Retry-After` dates and JWT checks (default `Date.now`). */
  now?: () => number;
  /** Random source for backoff jitter, in [0, 1) (default `Math.random`). */
  random?: () => number;
}

/** Options of `createLoginClient` (`@transmit-edge/core/login`): the part of `createTransmitClient`'s options that login uses. */
export interface LoginClientOptions extends LoginConfigInput {
  /** Transmit region; sets the API host (and, for token verification, the expected issuer). */
  region?: RegionName;
  /** Fetch implementation (default: the global `fetch`, looked up on every call). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Where client access tokens are cached (default: in memory, per client). */
  tokenCache?: TokenCache;
  /**
   * Observability hook; receives redacted events. It is never awaited: exceptions it throws and promises it
   * rejects are ignored, and a slow hook never delays a call.
   */
  onEvent?: (event: TransmitEvent) => void;
  /**
   * Share one pending client-token (or JWKS) fetch between concurrent calls of this client. Default: on, except on
   * Cloudflare Workers, where a request must never await a promise created by another request.
   */
  shareInFlight?: boolean;
  /** Backoff for idempotent requests (client token, JWKS, logout). */
  retry?: Partial<RetrySettings>;
  /** Test hooks: a manual clock and random source. */
  testing?: TestingOptions;
  /** @deprecated Use `testing.now`. Still honoured when `testing.now` is absent. */
  now?: () => number;
  /** @deprecated Use `testing.random`. Still honoured when `testing.random` is absent. */
  random?: () => number;
}

/** The client returned by `createLoginClient` (`@transmit-edge/core/login`): password login only. */
export interface TransmitLoginClient {
  /** Resolved API root, e.g. `https://api.eu.transmitsecurity.io`. */
  readonly root: string;
  /** Region the client was created for, if any. */
  readonly region: RegionName | undefined;
  /** Backend password login. */
  readonly passwords: {
    /** Checks a username and password; resolves to the user's tokens. Never retried once sent. */
    authenticate(input: PasswordAuthenticateInput, options?: RequestOptions): Promise<TokenSet>;
  };
}

/** The shared state of one client. */
export interface Engine {
  readonly config: ResolvedConfig;
  readonly ctx: TransportContext;
  readonly now: () => number;
  readonly shareInFlight: boolean;
  readonly clientTokens: ClientTokenSource;
  /** Starts a call: its deadline, a new call id, the trace context for its events, one resend. */
  openCall(opts?: RequestOptions): Call;
  /** A new call id, for a failure before a call could open (bad call options). */
  nextCallId(): number;
}

/**
 * The engine behind each client that `createTransmitClient` or `createLoginClient` returned, so
 * `createAccountClient` (`@transmit-edge/core/account`) can share it: one client-token cache, one event hook.
 */
export const engines = new WeakMap<object, Engine>();

/** Longest username, session id, refresh or reset token accepted, in characters. */
const MAX_FIELD_LENGTH = 16 * 1024;

/** Throws `invalid_request` unless `value` is a string of 1 to `max` characters. */
export const required = (value: unknown, field: string, max = MAX_FIELD_LENGTH): void => {
  if (typeof value !== "string" || !value || value.length > max) {
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
      : timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)
        ? "timeoutMs"
        : signal !== undefined && !(signal instanceof AbortSignal)
          ? "signal"
          : trace !== undefined && (typeof trace !== "object" || trace === null)
            ? "trace"
            : undefined;
  if (bad) throw transmitError("configuration", {}, `invalid call option: ${bad}`);
}

/** Validates `options` (`configuration` errors) and builds the shared state of a client. Performs no I/O. */
export function createEngine(options: LoginClientOptions): Engine {
  if (typeof options !== "object" || options === null) throw transmitError("configuration", {}, "options required");
  const config = resolveConfig(options);
  const testing = options.testing;
  const now = testing?.now ?? options.now ?? Date.now;
  const { onEvent, retry, tokenCache } = options;
  const userFetch = options.fetch;
  const shareInFlight =
    options.shareInFlight ?? !(typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers");
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
      maxRetries: retry?.maxRetries ?? DEFAULT_RETRY.maxRetries,
      baseDelayMs: retry?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
      maxRetryAfterMs: retry?.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs,
    },
    random: testing?.random ?? options.random ?? Math.random,
    limits: config.limits,
  };
  let lastCallId = 0;
  const nextCallId = () => ++lastCallId;
  const openCall = (opts?: RequestOptions): Call => {
    const id = nextCallId();
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
      ...config,
      cache: tokenCache ?? createMemoryTokenCache({ now }),
      raceCache: tokenCache !== undefined,
      shareInFlight,
    },
    ctx,
  );
  return { config, ctx, now, shareInFlight, clientTokens, openCall, nextCallId };
}

/** Runs one client call: options checked, one deadline, an `error` event for any failure. */
export async function run<T>(
  engine: Engine,
  opts: RequestOptions | undefined,
  body: (call: Call) => Promise<T>,
): Promise<T> {
  let call: Call | undefined;
  try {
    checkRequestOptions(opts);
    call = engine.openCall(opts);
    // Only the caller can have aborted already; asking the deadline's signal would create it for nothing.
    if (opts?.signal?.aborted) throw call.error(undefined);
    return await body(call);
  } catch (error) {
    if (error instanceof TransmitError) {
      const event = { type: "error", code: error.code, status: error.status } as const;
      const route = error.route;
      if (call) call.emit(route ? { ...event, route } : event);
      else engine.ctx.emit({ ...event, callId: engine.nextCallId() });
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
export async function callApi(engine: Engine, req: UpstreamRequest, call: Call): Promise<UpstreamResponse> {
  const { ctx, clientTokens } = engine;
  const attempt = (token: string) =>
    send(
      ctx,
      { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` }, secrets: [...req.secrets, token] },
      call,
    );
  const token = await clientTokens.get(undefined, call);
  const res = await attempt(token);
  if (!isClientTokenRejected(res)) return res;
  if (req.retry === "once-sent" && call.resends-- < 1) throw clientRejected(req.route);
  const fresh = await clientTokens.replace(undefined, token, call);
  const retried = await attempt(fresh);
  if (isClientTokenRejected(retried)) throw clientRejected(req.route);
  return retried;
}

function clientRejected(route: RouteName) {
  return transmitError("unauthorized_client", { status: 401, route }, "client token rejected");
}

function isClientTokenRejected(res: UpstreamResponse): boolean {
  return res.status === 401 && isInvalidClientTokenBody(parseErrorBody(res.text), res.headers.get("www-authenticate"));
}

/**
 * A call that sends the request `build` returns (after its input checks) and answers with a {@link TokenSet};
 * `routeCodes` maps the operation's own failures.
 */
export function tokenSetCall(
  engine: Engine,
  routeCodes: RouteCodes,
  build: () => UpstreamRequest,
  opts: RequestOptions | undefined,
): Promise<TokenSet> {
  return run(engine, opts, async (call) =>
    processTokenResponse(await callApi(engine, build(), call), engine.now(), routeCodes),
  );
}

const USERNAME_TYPES: readonly unknown[] = ["username", "email", "phone_number"];

/** `passwords.authenticate` of both entry points. */
export function authenticatePassword(
  engine: Engine,
  input: PasswordAuthenticateInput,
  opts: RequestOptions | undefined,
): Promise<TokenSet> {
  return tokenSetCall(
    engine,
    passwordCodes,
    () => {
      required(input?.username, "username");
      required(input?.password, "password", MAX_PASSWORD_LENGTH);
      if (input.usernameType !== undefined && !USERNAME_TYPES.includes(input.usernameType)) {
        throw transmitError("invalid_request", {}, "usernameType must be username, email or phone_number");
      }
      return passwordAuthenticateRequest(engine.config.root, input);
    },
    opts,
  );
}
