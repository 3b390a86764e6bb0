/** Injected faults: per route (and optionally region), applied to the next `times` matching calls. */
import type { RegionName } from "./options.js";

/** Names of the emulated Transmit operations, used by faults and the request log. */
export const ROUTE_NAMES = [
  "oidc.token",
  "jwks",
  "discovery",
  "password.authenticate",
  "password.reset",
  "session.authenticate",
  "token.refresh",
  "session.logout",
  "users.create",
  "users.password.create",
  "users.password.update",
  "users.sessions.list",
  "users.sessions.revoke",
  "password.reset.email.link",
  "password.reset.email.otp",
  "password.reset.email.otp.validate",
  "otp.send",
  "otp.authenticate",
  "totp.authenticate",
  "sessions.list",
  "sessions.delete",
] as const;

/** One emulated operation. */
export type RouteName = (typeof ROUTE_NAMES)[number];

/** A fault, as posted to `POST /__emulator/faults`. */
export interface FaultSpec {
  route: RouteName;
  /** Only calls to this region (default: any region). */
  region?: RegionName;
  /** Number of calls affected (default 1). */
  times?: number;
  /** Delay before anything else happens. */
  latency_ms?: number;
  /** Answer with this status instead of running the operation. */
  status?: number;
  /** Response body for `status`: a JSON value, or a string sent verbatim (HTML, truncated JSON, ...). */
  body?: unknown;
  /** `Retry-After` header (seconds) for `status`. */
  retry_after?: number;
  /** Drop the connection before processing, or after processing (state changes happen, the answer is lost). */
  drop?: "before" | "after";
  /** Never answer; ends only when the caller aborts. */
  hang?: boolean;
}

interface ActiveFault extends FaultSpec {
  remaining: number;
}

/** Validates a posted fault; returns messages for each problem. */
export function checkFault(input: unknown, regions: readonly string[]): { fault?: FaultSpec; errors: string[] } {
  const errors: string[] = [];
  if (!input || typeof input !== "object" || Array.isArray(input)) return { errors: ["body must be an object"] };
  const f = input as Record<string, unknown>;
  if (typeof f.route !== "string" || !(ROUTE_NAMES as readonly string[]).includes(f.route)) {
    errors.push(`route must be one of ${ROUTE_NAMES.join(", ")}`);
  }
  if (f.region !== undefined && (typeof f.region !== "string" || !regions.includes(f.region))) {
    errors.push(`region must be one of ${regions.join(", ")}`);
  }
  const positiveInt = (name: string, min: number) => {
    const v = f[name];
    if (v !== undefined && (typeof v !== "number" || !Number.isInteger(v) || v < min)) {
      errors.push(`${name} must be an integer >= ${min}`);
    }
  };
  positiveInt("times", 1);
  positiveInt("latency_ms", 0);
  positiveInt("retry_after", 0);
  if (
    f.status !== undefined &&
    (typeof f.status !== "number" || !Number.isInteger(f.status) || f.status < 200 || f.status > 599)
  ) {
    errors.push("status must be an integer between 200 and 599");
  }
  if (f.drop !== undefined && f.drop !== "before" && f.drop !== "after")
    errors.push('drop must be "before" or "after"');
  if (f.hang !== undefined && typeof f.hang !== "boolean") errors.push("hang must be a boolean");
  if (errors.length > 0) return { errors };
  return { fault: f as unknown as FaultSpec, errors };
}

/** The queue of active faults. */
export class FaultTable {
  #faults: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    this.#faults.push({ ...spec, remaining: spec.times ?? 1 });
  }

  /** Takes the first fault matching this call, counting it down. */
  take(route: RouteName, region: RegionName): FaultSpec | undefined {
    const index = this.#faults.findIndex((f) => f.route === route && (f.region === undefined || f.region === region));
    if (index < 0) return undefined;
    const fault = this.#faults[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return fault;
  }

  /** Pending faults with their remaining counts. */
  list(): (FaultSpec & { remaining: number })[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.#faults = [];
  }
}

/**
 * Thrown by `emulator.fetch` for a dropped connection. It is a `TypeError`, like the error `fetch` rejects with on a
 * network failure; the Node server destroys the socket instead.
 */
export class EmulatedNetworkError extends TypeError {
  readonly emulatorDrop = true;
  constructor(when: "before" | "after") {
    super(`Emulated connection drop (${when} processing)`);
    this.name = "TypeError";
  }
}

/** True for the error thrown by a `drop` fault. */
export function isEmulatedDrop(error: unknown): error is EmulatedNetworkError {
  return error instanceof EmulatedNetworkError;
}

/** Resolves after `ms`, or rejects with the reason of the first signal that aborts before; cleans up either way. */
export function sleep(ms: number, signals: AbortSignal[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = signals.find((s) => s.aborted);
    if (aborted) return reject(aborted.reason);
    const listeners: [AbortSignal, () => void][] = [];
    const cleanup = () => {
      for (const [s, l] of listeners) s.removeEventListener("abort", l);
    };
    const timer = setTimeout(() => {
      cleanup();
      resolve();
    }, ms);
    for (const signal of signals) {
      const listener = () => {
        clearTimeout(timer);
        cleanup();
        reject(signal.reason);
      };
      listeners.push([signal, listener]);
      signal.addEventListener("abort", listener, { once: true });
    }
  });
}

/** Waits until one of the signals aborts, then rejects with its reason. */
export function hangUntilAborted(signals: AbortSignal[]): Promise<never> {
  return new Promise((_, reject) => {
    const listeners: [AbortSignal, () => void][] = [];
    // A real pending request keeps the process alive (its socket); so does a hanging emulated one. Without this, a
    // caller waiting on an unref'd timer (Node's AbortSignal.timeout) would see the process exit instead of a timeout.
    const keepAlive = setInterval(() => undefined, 60_000);
    const done = (signal: AbortSignal) => {
      clearInterval(keepAlive);
      for (const [s, l] of listeners) s.removeEventListener("abort", l);
      reject(signal.reason);
    };
    for (const signal of signals) {
      if (signal.aborted) return done(signal);
      const listener = () => done(signal);
      listeners.push([signal, listener]);
      signal.addEventListener("abort", listener, { once: true });
    }
  });
}
