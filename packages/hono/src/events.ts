/**
 * Auth events: one per decision, built from fixed fields only. Usernames never appear (only their keyed hash),
 * so a username with CR, LF or ANSI escapes cannot forge log lines.
 */
import type { Context } from "hono";
import { randomId } from "./crypto.ts";

/** Kind of auth decision an {@link AuthEvent} reports (`refresh` is a user session's token refresh). */
export type AuthEventType =
  | "login"
  | "logout"
  | "refresh"
  | "session"
  | "password_change"
  | "guard"
  | "second_factor"
  | "signup"
  | "password_reset";

/** One structured event per auth decision. Never holds a password, token, session id, reset token or username. */
export interface AuthEvent {
  type: AuthEventType;
  /** `success`, `failure` (rejected by policy or credentials), `throttled` or `error` (upstream or config). */
  outcome: "success" | "failure" | "throttled" | "error";
  /** Stable reason code, e.g. `invalid_credentials`, `csrf`, `timeout`. */
  reason?: string;
  /** HTTP status of the response. */
  status: number;
  /** Keyed hash of the normalised username, when known. */
  userKey?: string;
  /** Region of the Transmit client involved. */
  region?: string;
  /** Request id (Hono's `requestId` variable when set, else a random id). */
  requestId: string;
  /** ISO 8601 time of the decision. */
  time: string;
  /** For `configuration` errors: which setting is missing or invalid (never a value). */
  detail?: string;
}

/**
 * Receives auth events. Errors it throws are ignored.
 *
 * @example
 * ```ts
 * const sink: EventSink = (event) => { queue.push(event); };
 * ```
 */
export type EventSink = (event: AuthEvent) => void | Promise<void>;

/** Fields a route supplies for one event. */
export type EventFields = Omit<AuthEvent, "requestId" | "time">;

/** The event sink of one instance, with the request ids it handed out. */
export class Events {
  readonly #sink: EventSink | undefined;
  readonly #now: () => number;
  readonly #ids = new WeakMap<Context, string>();

  constructor(sink: EventSink | undefined, now: () => number) {
    this.#sink = sink;
    this.#now = now;
  }

  /** Hono's `requestId` variable when the app uses that middleware, else one random id per request. */
  requestId(c: Context): string {
    const fromHono = (c.get as (key: string) => unknown)("requestId");
    if (typeof fromHono === "string" && fromHono.length <= 128) return fromHono;
    let id = this.#ids.get(c);
    if (!id) {
      id = randomId(12);
      this.#ids.set(c, id);
    }
    return id;
  }

  /** Sends one event; a failing sink never breaks the request. */
  async emit(c: Context, fields: EventFields): Promise<void> {
    if (!this.#sink) return;
    const event: AuthEvent = {
      type: fields.type,
      outcome: fields.outcome,
      status: fields.status,
      requestId: this.requestId(c),
      time: new Date(this.#now()).toISOString(),
    };
    if (fields.reason !== undefined) event.reason = fields.reason;
    if (fields.userKey !== undefined) event.userKey = fields.userKey;
    if (fields.region !== undefined) event.region = fields.region;
    if (fields.detail !== undefined) event.detail = fields.detail;
    try {
      await this.#sink(event);
    } catch {
      // Observability must not change the answer.
    }
  }
}

/**
 * An {@link EventSink} that writes each event as one JSON line (e.g. to `console.log`).
 *
 * @example
 * ```ts
 * const auth = transmitAuth({ client, sessions, limiter, userKeySecret: env.USER_KEY_SECRET, onEvent: jsonLines(console.log) });
 * ```
 */
export function jsonLines(write: (line: string) => void): EventSink {
  return (event) => write(JSON.stringify(event));
}
