/**
 * One overall deadline per client call: a timer-driven AbortController combined with the caller's signal. Created
 * inside the call (on Workers a timer must belong to the request that uses it). `AbortSignal.any` is used when
 * present, with a small fallback for runtimes that lack it.
 */
import { type TransmitError, transmitError } from "./errors.ts";
import type { RouteName } from "./types.ts";

/** A running deadline. Call `dispose()` when the call settles. */
export interface Deadline {
  /** Aborts when the caller aborts or the time is up. */
  readonly signal: AbortSignal;
  /** Milliseconds left (never negative). */
  remainingMs(): number;
  /** The error for an aborted deadline: `aborted` when the caller aborted, else `timeout`. */
  error(route: RouteName | undefined): TransmitError;
  /** Releases timers and listeners. */
  dispose(): void;
}

/**
 * An AbortController aborted by a timer that `dispose()` clears. Cheaper than `AbortSignal.timeout`, which in Node
 * builds a transferable signal plus a weak reference per call and keeps both until the time is up (measured in
 * bench/: it was half of a login's client-side CPU). The reason is the same `TimeoutError` DOMException.
 */
function timeoutSignal(ms: number): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  if (ms <= 0) {
    controller.abort(new DOMException("timed out", "TimeoutError"));
    return { signal: controller.signal, dispose: () => {} };
  }
  // Not unref'd: a call in flight keeps the process alive until it settles or times out (Deno ends a test whose
  // only pending work is an unref'd timer), and `dispose()` clears the timer as soon as the call settles.
  const timer = setTimeout(() => controller.abort(new DOMException("timed out", "TimeoutError")), ms);
  return { signal: controller.signal, dispose: () => clearTimeout(timer) };
}

/** Combines signals: aborts when any input aborts. Falls back to listeners when `AbortSignal.any` is missing. */
export function anySignal(signals: readonly AbortSignal[]): { signal: AbortSignal; dispose: () => void } {
  const any = (AbortSignal as { any?: (s: AbortSignal[]) => AbortSignal }).any;
  if (typeof any === "function") return { signal: any.call(AbortSignal, [...signals]), dispose: () => {} };
  const controller = new AbortController();
  const cleanups: (() => void)[] = [];
  for (const s of signals) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    const onAbort = () => controller.abort(s.reason);
    s.addEventListener("abort", onAbort, { once: true });
    cleanups.push(() => s.removeEventListener("abort", onAbort));
  }
  return {
    signal: controller.signal,
    dispose: () => {
      for (const cleanup of cleanups) cleanup();
    },
  };
}

/**
 * Starts a deadline of `timeoutMs` (clamped to >= 1 ms) bound to the optional caller signal. The signal and its
 * timer are created on first use of `signal`: a call that needs no I/O (verifying a token with cached keys) pays
 * for neither.
 */
export function startDeadline(timeoutMs: number, callerSignal: AbortSignal | undefined): Deadline {
  // setTimeout-based timers overflow above 2^31-1 ms (about 24.8 days).
  const ms = Math.min(2_147_483_647, Math.max(1, Math.floor(timeoutMs)));
  const startedAt = Date.now();
  const remainingMs = () => Math.max(0, ms - (Date.now() - startedAt));
  let timer: { signal: AbortSignal; dispose: () => void } | undefined;
  let combined: { signal: AbortSignal; dispose: () => void } | undefined;
  const open = (): AbortSignal => {
    if (!combined) {
      // Started late: the timer runs for what is left of the deadline (already aborted when nothing is left).
      timer = timeoutSignal(remainingMs());
      combined = callerSignal ? anySignal([callerSignal, timer.signal]) : { signal: timer.signal, dispose: () => {} };
    }
    return combined.signal;
  };
  return {
    get signal() {
      return open();
    },
    remainingMs,
    error: (route) =>
      callerSignal?.aborted
        ? transmitError("aborted", route ? { route } : {})
        : transmitError("timeout", route ? { route } : {}, `no answer within ${ms} ms`),
    dispose: () => {
      combined?.dispose();
      timer?.dispose();
    },
  };
}

/** Waits `ms`, rejecting early with the deadline's error when it aborts. */
export function sleep(ms: number, deadline: Deadline, route: RouteName): Promise<void> {
  if (deadline.signal.aborted) return Promise.reject(deadline.error(route));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(deadline.error(route));
    };
    const timer = setTimeout(() => {
      deadline.signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    deadline.signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Waits for `promise` (possibly started by another call) but no longer than this call's own deadline, so a shared
 * fetch never holds a caller past its own timeout or abort.
 */
export function untilDeadline<T>(promise: Promise<T>, deadline: Deadline, route: RouteName): Promise<T> {
  if (deadline.signal.aborted) return Promise.reject(deadline.error(route));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(deadline.error(route));
    deadline.signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        deadline.signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        deadline.signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
