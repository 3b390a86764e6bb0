/**
 * HTTP transport: one fetch per attempt under the call's deadline, `redirect: "manual"`, bounded body reads,
 * events, and the retry policy of RFC 9110 section 9.2.2 (docs/core-reliability.md, "Retries"):
 * - `"once-sent"` requests (password authenticate/reset, session authenticate, refresh) are never retried after
 *   they may have reached Transmit (timeout, 5xx, network error); the only retry is one on 429, or 503 with
 *   `Retry-After`, when the wait fits the deadline (Transmit refused them before processing). A call spends at most
 *   one such resend, whatever the reason (`Call.resends`).
 * - `"idempotent"` requests (client token, JWKS, logout) also retry network errors, 408, 5xx and 429 with capped
 *   exponential backoff and full jitter, within the deadline.
 */
import { type BodyLimits, limitFor, readBody } from "./body.ts";
import { type Call, sleep, untilDeadline } from "./deadline.ts";
import { TransmitError, transmitError } from "./errors.ts";
import { requestIdOf } from "./headers.ts";
import { parseRetryAfter } from "./retry-after.ts";
import type { RouteName, TransmitEvent } from "./types.ts";

/** Backoff settings for idempotent requests. */
export interface RetrySettings {
  /** Retries after the first attempt (default 2). */
  maxRetries: number;
  /** First backoff ceiling in ms (default 100); doubles per retry. */
  baseDelayMs: number;
  /** Backoff ceiling in ms (default 1000). */
  maxDelayMs: number;
  /** Longest `Retry-After` honoured, in ms (default 5000); longer waits are returned to the caller instead. */
  maxRetryAfterMs: number;
}

/** Defaults for {@link RetrySettings}. */
export const DEFAULT_RETRY: RetrySettings = {
  maxRetries: 2,
  baseDelayMs: 100,
  maxDelayMs: 1000,
  maxRetryAfterMs: 5000,
};

/** What the transport needs from the client. */
export interface TransportContext {
  fetch: (input: string, init: RequestInit) => Promise<Response>;
  now: () => number;
  /** Calls the client's `onEvent` hook; contains whatever the hook does (see `client.ts`). */
  emit: (event: TransmitEvent) => void;
  retry: RetrySettings;
  random: () => number;
  limits: BodyLimits;
}

/** A fully built upstream request. */
export interface UpstreamRequest {
  route: RouteName;
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  retry: "once-sent" | "idempotent";
  /** Values that must never reach an error's `cause` (client secret, password, tokens sent in this request). */
  secrets: string[];
}

/** A received response with its body read as text. */
export interface UpstreamResponse {
  /** The request's route. */
  route: RouteName;
  status: number;
  headers: Headers;
  text: string;
  /** Which attempt produced this response (1 = no retry). Set by {@link send}. */
  attempt?: number;
}

// 408: the server gave up waiting for the request (RFC 9110 section 15.5.9), so it was not processed.
const RETRYABLE_STATUS = new Set([408, 500, 502, 503, 504, 429]);

function backoffMs(ctx: TransportContext, retryIndex: number): number {
  const ceiling = Math.min(ctx.retry.maxDelayMs, ctx.retry.baseDelayMs * 2 ** retryIndex);
  return Math.floor(ctx.random() * ceiling); // full jitter
}

/**
 * A copy of a fetch failure that is safe to keep as `cause`: its name, its (or its cause's) string `code` such as
 * `ECONNREFUSED`, and its message only when it contains none of the request's secrets. A custom fetch may put the
 * request, and so the client secret or the password, into its error.
 */
export function safeCause(error: unknown, secrets: readonly string[]): Error {
  const e = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  const message = typeof e.message === "string" ? e.message : "";
  const safe = new Error(secrets.some((s) => s && message.includes(s)) ? "[redacted]" : message.slice(0, 200));
  if (typeof e.name === "string") safe.name = e.name.slice(0, 50);
  const code = e.code ?? (e.cause as Record<string, unknown> | undefined)?.code;
  if (typeof code === "string") Object.assign(safe, { code: code.slice(0, 50) });
  return safe;
}

/** Sends `req`, retrying per its policy, and returns the final response. Throws `timeout`/`aborted`/`network`. */
export async function send(ctx: TransportContext, req: UpstreamRequest, call: Call): Promise<UpstreamResponse> {
  const idempotent = req.retry === "idempotent";
  let usedRetryAfter = false;
  for (let attempt = 1; ; attempt++) {
    if (call.signal.aborted) throw call.error(req.route);
    call.emit({ type: "request.start", route: req.route, attempt });
    const started = Date.now();
    let response: UpstreamResponse;
    let status: number | undefined;
    try {
      const pending = new Promise<Response>((resolve) =>
        resolve(
          ctx.fetch(req.url, {
            method: req.method,
            headers: req.headers,
            ...(req.body !== undefined && { body: req.body }),
            redirect: "manual",
            signal: call.signal,
          }),
        ),
      );
      // Raced: a fetch that ignores the signal must not outlive the deadline. If it answers later, free the body.
      let res: Response;
      try {
        res = await untilDeadline(pending, call, req.route);
      } catch (error) {
        pending.then(
          (late) => late.body?.cancel().catch(() => {}),
          () => {},
        );
        throw error;
      }
      status = res.status;
      response = {
        route: req.route,
        status,
        headers: res.headers,
        text: await readBody(res, limitFor(ctx.limits, req.route, status), call, req.route),
      };
    } catch (cause) {
      const aborted = call.signal.aborted;
      const tooLarge = !aborted && cause instanceof TransmitError;
      const error = aborted
        ? call.error(req.route)
        : tooLarge
          ? cause
          : transmitError("network", { route: req.route, cause: safeCause(cause, req.secrets) });
      call.emit({
        type: "request.end",
        route: req.route,
        attempt,
        ...(status !== undefined && { status }),
        durationMs: Date.now() - started,
        failure: aborted
          ? error.code === "aborted"
            ? "aborted"
            : "timeout"
          : tooLarge
            ? "invalid_response"
            : "network",
      });
      if (aborted || tooLarge || !idempotent || attempt > ctx.retry.maxRetries) throw error;
      const delay = backoffMs(ctx, attempt - 1);
      if (delay >= call.remainingMs()) throw error;
      call.emit({ type: "retry", route: req.route, attempt, delayMs: delay, reason: "network" });
      await sleep(delay, call, req.route);
      continue;
    }
    const requestId = requestIdOf(response.headers);
    call.emit({
      type: "request.end",
      route: req.route,
      attempt,
      status: response.status,
      durationMs: Date.now() - started,
      ...(requestId !== undefined && { requestId }),
    });

    response.attempt = attempt;
    if (!RETRYABLE_STATUS.has(response.status)) return response;
    const retryAfter = parseRetryAfter(response.headers.get("retry-after"), ctx.now());
    let delay: number | undefined;
    if (retryAfter !== undefined && (response.status === 429 || response.status === 503)) {
      // Transmit said when to come back: honour it once if the wait is reasonable. For a request that must not be
      // repeated once processed, this spends the call's only resend.
      if (!usedRetryAfter && retryAfter * 1000 <= ctx.retry.maxRetryAfterMs && (idempotent || call.resends > 0)) {
        delay = retryAfter * 1000;
      }
      usedRetryAfter = true;
    } else if (idempotent) {
      delay = backoffMs(ctx, attempt - 1);
    }
    if (idempotent && attempt > ctx.retry.maxRetries) delay = undefined;
    if (delay === undefined || delay >= call.remainingMs()) return response;
    if (!idempotent) call.resends--;
    call.emit({ type: "retry", route: req.route, attempt, delayMs: delay, reason: `status ${response.status}` });
    await sleep(delay, call, req.route);
  }
}
