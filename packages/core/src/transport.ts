/**
 * HTTP transport: one fetch per attempt under the call's deadline, `redirect: "manual"`, events, and the retry
 * policy of security-checklist E03 (RFC 9110 section 9.2.2):
 * - `"once-sent"` requests (password authenticate/reset, session authenticate, refresh) are never retried after
 *   they may have reached Transmit (timeout, 5xx, network error); the only retry is one on 429, or 503 with
 *   `Retry-After`, when the wait fits the deadline (Transmit refused them before processing).
 * - `"idempotent"` requests (client token, JWKS, logout) also retry network errors, 5xx and 429 with capped
 *   exponential backoff and full jitter, within the deadline.
 */
import { type Deadline, sleep } from "./deadline.ts";
import { transmitError } from "./errors.ts";
import { parseRetryAfter, requestIdOf } from "./responses.ts";
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
  emit: (event: TransmitEvent) => void;
  retry: RetrySettings;
  random: () => number;
}

/** A fully built upstream request. */
export interface UpstreamRequest {
  route: RouteName;
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  retry: "once-sent" | "idempotent";
}

/** A received response with its body read as text. */
export interface UpstreamResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Which attempt produced this response (1 = no retry). Set by {@link send}. */
  attempt?: number;
}

const RETRYABLE_STATUS = new Set([500, 502, 503, 504, 429]);

function backoffMs(ctx: TransportContext, retryIndex: number): number {
  const ceiling = Math.min(ctx.retry.maxDelayMs, ctx.retry.baseDelayMs * 2 ** retryIndex);
  return Math.floor(ctx.random() * ceiling); // full jitter
}

/** Sends `req`, retrying per its policy, and returns the final response. Throws `timeout`/`aborted`/`network`. */
export async function send(ctx: TransportContext, req: UpstreamRequest, deadline: Deadline): Promise<UpstreamResponse> {
  const maxAttempts = req.retry === "idempotent" ? 1 + Math.max(0, ctx.retry.maxRetries) : 2;
  let usedRetryAfter = false;
  for (let attempt = 1; ; attempt++) {
    if (deadline.signal.aborted) throw deadline.error(req.route);
    ctx.emit({ type: "request.start", route: req.route, attempt });
    const started = Date.now();
    let response: UpstreamResponse;
    try {
      const res = await ctx.fetch(req.url, {
        method: req.method,
        headers: req.headers,
        ...(req.body !== undefined && { body: req.body }),
        redirect: "manual",
        signal: deadline.signal,
      });
      response = { status: res.status, headers: res.headers, text: await res.text() };
    } catch (cause) {
      const aborted = deadline.signal.aborted;
      const error = aborted ? deadline.error(req.route) : transmitError("network", { route: req.route, cause });
      ctx.emit({
        type: "request.end",
        route: req.route,
        attempt,
        durationMs: Date.now() - started,
        failure: aborted ? (error.code === "aborted" ? "aborted" : "timeout") : "network",
      });
      if (aborted || req.retry !== "idempotent" || attempt >= maxAttempts) throw error;
      const delay = backoffMs(ctx, attempt - 1);
      if (delay >= deadline.remainingMs()) throw error;
      ctx.emit({ type: "retry", route: req.route, attempt, delayMs: delay, reason: "network" });
      await sleep(delay, deadline, req.route);
      continue;
    }
    const requestId = requestIdOf(response.headers);
    ctx.emit({
      type: "request.end",
      route: req.route,
      attempt,
      status: response.status,
      durationMs: Date.now() - started,
      ...(requestId !== undefined && { requestId }),
    });

    response.attempt = attempt;
    if (attempt >= maxAttempts || !RETRYABLE_STATUS.has(response.status)) return response;
    const retryAfter = parseRetryAfter(response.headers.get("retry-after"), ctx.now());
    let delay: number | undefined;
    if (retryAfter !== undefined && (response.status === 429 || response.status === 503)) {
      // Transmit said when to come back: honour it once, whatever the policy, if the wait is reasonable.
      if (!usedRetryAfter && retryAfter * 1000 <= ctx.retry.maxRetryAfterMs) delay = retryAfter * 1000;
      usedRetryAfter = true;
    } else if (req.retry === "idempotent") {
      delay = backoffMs(ctx, attempt - 1);
    }
    if (delay === undefined || delay >= deadline.remainingMs()) return response;
    ctx.emit({ type: "retry", route: req.route, attempt, delayMs: delay, reason: `status ${response.status}` });
    await sleep(delay, deadline, req.route);
  }
}
