/**
 * Single-flight for work shared between concurrent calls of one client (the client-token fetch, the JWKS fetch).
 * A pending promise is shared only until its starter's deadline: one that outlives it (a hung dependency, a starter
 * whose request is gone) is dropped, and the next caller starts afresh. A joiner waits within its own deadline, and
 * fetches for itself when the starter gave up (timeout, abort). See docs/core-reliability.md, "Deadlines".
 */
import { type Call, untilDeadline } from "./deadline.ts";
import { TransmitError } from "./errors.ts";
import type { RouteName } from "./types.ts";

/** Pending work per key. */
export class SingleFlight<T> {
  readonly #pending = new Map<string, { promise: Promise<T>; endsAt: number }>();

  /** Joins the pending work of `key`, or starts it with `start` (which runs under `call`). */
  run(key: string, call: Call, route: RouteName, start: () => Promise<T>): Promise<T> {
    const pending = this.#pending.get(key);
    if (pending && pending.endsAt > Date.now()) {
      return untilDeadline(pending.promise, call, route).catch((error: unknown) => {
        const starterGaveUp = error instanceof TransmitError && (error.code === "timeout" || error.code === "aborted");
        if (!starterGaveUp || call.signal.aborted) throw error;
        if (this.#pending.get(key) === pending) this.#pending.delete(key);
        return this.run(key, call, route, start);
      });
    }
    const entry = {
      promise: start().finally(() => {
        if (this.#pending.get(key) === entry) this.#pending.delete(key);
      }),
      endsAt: call.endsAt,
    };
    this.#pending.set(key, entry);
    return entry.promise;
  }
}
