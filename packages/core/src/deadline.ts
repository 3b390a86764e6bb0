/**
 * One overall deadline per client call: one AbortController per call, aborted by a timer or by the caller's signal,
 * whichever comes first. Created inside the call (on Workers a timer must belong to the request that uses it).
 *
 * Every await of a call goes through {@link untilDeadline} (fetch, body reads, caches), so a dependency that
 * ignores the abort signal still cannot hold a call past its deadline (docs/core-reliability.md, "Deadlines").
 */
import { type TransmitError, transmitError } from "./errors.ts";
import type { RouteName, TransmitEvent } from "./types.ts";

/** A running deadline. Call `dispose()` when the call settles. */
export interface Deadline {
  /** Aborts when the caller aborts or the time is up. */
  readonly signal: AbortSignal;
  /** When the time is up, in ms since epoch of the runtime's real clock (`Date.now`). */
  readonly endsAt: number;
  /** Milliseconds left (never negative). */
  remainingMs(): number;
  /** The error for an aborted deadline: `aborted` when the caller aborted, else `timeout`. */
  error(route: RouteName | undefined): TransmitError;
  /**
   * Runs `onAbort` once when the deadline aborts, until the returned function is called. Cheaper than a listener
   * per await: a call races several awaits, and one listener on the signal serves them all.
   */
  whenAborted(onAbort: () => void): () => void;
  /** Releases timers and listeners. */
  dispose(): void;
}

/**
 * Starts a deadline of `timeoutMs` (clamped to >= 1 ms) bound to the optional caller signal. The signal and its
 * timer are created on first use of `signal`: a call that needs no I/O (verifying a token with cached keys) pays
 * for neither.
 *
 * The timer aborts a plain AbortController that `dispose()` clears, cheaper than `AbortSignal.timeout`, which in
 * Node builds a transferable signal plus a weak reference per call and keeps both until the time is up (measured in
 * bench/: it was half of a login's client-side CPU). The reason is the same `TimeoutError` DOMException. The
 * caller's signal aborts the same controller with its own reason, which is what `AbortSignal.any` would do, with one
 * listener and no second signal.
 */
export function startDeadline(timeoutMs: number, callerSignal: AbortSignal | undefined): Deadline {
  // setTimeout-based timers overflow above 2^31-1 ms (about 24.8 days).
  const ms = Math.min(2_147_483_647, Math.max(1, Math.floor(timeoutMs)));
  const startedAt = Date.now();
  const remainingMs = () => Math.max(0, ms - (Date.now() - startedAt));
  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Races waiting for the deadline, called when it aborts: an `abort` listener per race costs more than the rest
  // of a login's client-side work in Node (bench/).
  const waiters = new Set<() => void>();
  const abort = (reason: unknown) => {
    if (controller?.signal.aborted !== false) return;
    controller.abort(reason);
    for (const waiter of waiters) waiter();
  };
  const onCallerAbort = () => abort(callerSignal?.reason);
  const open = (): AbortSignal => {
    if (!controller) {
      controller = new AbortController();
      // Started late: the timer runs for what is left of the deadline (aborted at once when nothing is left).
      const left = remainingMs();
      const onTimeout = () => abort(new DOMException("timed out", "TimeoutError"));
      if (callerSignal?.aborted) onCallerAbort();
      else if (left <= 0) onTimeout();
      else {
        // Not unref'd: a call in flight keeps the process alive until it settles or times out (Deno ends a test
        // whose only pending work is an unref'd timer), and `dispose()` clears the timer as soon as the call settles.
        timer = setTimeout(onTimeout, left);
        callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
      }
    }
    return controller.signal;
  };
  return {
    get signal() {
      return open();
    },
    endsAt: startedAt + ms,
    remainingMs,
    whenAborted(onAbort) {
      open();
      waiters.add(onAbort);
      return () => waiters.delete(onAbort);
    },
    error: (route) =>
      callerSignal?.aborted
        ? transmitError("aborted", route ? { route } : {})
        : transmitError("timeout", route ? { route } : {}, `no answer within ${ms} ms`),
    dispose: () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onCallerAbort);
    },
  };
}

/** Waits `ms`, rejecting early with the deadline's error when it aborts. */
export function sleep(ms: number, deadline: Deadline, route: RouteName): Promise<void> {
  if (deadline.signal.aborted) return Promise.reject(deadline.error(route));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const stop = deadline.whenAborted(() => {
      clearTimeout(timer);
      reject(deadline.error(route));
    });
    const timer = setTimeout(() => {
      stop();
      resolve();
    }, ms);
  });
}

/** An event before the call adds its id and trace context. */
export type EventInput = TransmitEvent extends infer E
  ? E extends unknown
    ? Omit<E, "callId" | "trace">
    : never
  : never;

/** One client call: its deadline, its id and trace context for events, and its resend budget. */
export interface Call extends Deadline {
  /** Links the events of one call. */
  readonly id: number;
  /** Emits `event` with this call's id and trace context. Never throws, never waits for the hook. */
  emit(event: EventInput): void;
  /**
   * Resends left for requests that may have been processed once sent (the password POST): one per call, whatever
   * the reason (`Retry-After`, a rejected client token).
   */
  resends: number;
}

/**
 * Waits for `promise` (possibly started by another call, or a dependency that ignores abort signals) but no longer
 * than this call's own deadline. A late settlement of `promise` is handled, so it never becomes an unhandled
 * rejection.
 */
export function untilDeadline<T>(promise: Promise<T>, deadline: Deadline, route: RouteName): Promise<T> {
  if (deadline.signal.aborted) return Promise.reject(deadline.error(route));
  return new Promise<T>((resolve, reject) => {
    const stop = deadline.whenAborted(() => reject(deadline.error(route)));
    promise.then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        reject(error);
      },
    );
  });
}

/** Runs `fn` (a store or a custom fetch that may throw, reject or never settle) within the deadline. */
export function bounded<T>(fn: () => T | PromiseLike<T>, deadline: Deadline, route: RouteName): Promise<T> {
  return untilDeadline(new Promise<T>((resolve) => resolve(fn())), deadline, route);
}
