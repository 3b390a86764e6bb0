/**
 * Auth events: one per decision, built from fixed fields only. Usernames never appear (only their keyed hash),
 * so a username with CR, LF or ANSI escapes cannot forge log lines.
 */
import type { Context } from "hono";
import { randomId } from "./crypto.ts";
import type { AuthEvent, AuthEventType, EventSink } from "./types.ts";

/** Fields a route supplies for one event. */
export interface EventFields {
  type: AuthEventType;
  outcome: AuthEvent["outcome"];
  status: number;
  reason?: string;
  userKey?: string;
  region?: string;
  detail?: string;
}

const requestIds = new WeakMap<Request, string>();

/** Hono's `requestId` variable when the app uses that middleware, else one random id per request. */
export function requestIdOf(c: Context): string {
  const fromHono = (c.get as (key: string) => unknown)("requestId");
  if (typeof fromHono === "string" && fromHono.length <= 128) return fromHono;
  let id = requestIds.get(c.req.raw);
  if (!id) {
    id = randomId(12);
    requestIds.set(c.req.raw, id);
  }
  return id;
}

/** Sends one event to the sink; a failing sink never breaks the request. */
export async function emit(
  sink: EventSink | undefined,
  c: Context,
  now: () => number,
  fields: EventFields,
): Promise<void> {
  if (!sink) return;
  const event: AuthEvent = {
    type: fields.type,
    outcome: fields.outcome,
    status: fields.status,
    requestId: requestIdOf(c),
    time: new Date(now()).toISOString(),
  };
  if (fields.reason !== undefined) event.reason = fields.reason;
  if (fields.userKey !== undefined) event.userKey = fields.userKey;
  if (fields.region !== undefined) event.region = fields.region;
  if (fields.detail !== undefined) event.detail = fields.detail;
  try {
    await sink(event);
  } catch {
    // Observability must not change the answer.
  }
}

/**
 * An {@link EventSink} that writes each event as one JSON line (e.g. to `console.log`).
 *
 * @example
 * ```ts
 * passwordLogin({ client, sessions, onEvent: jsonLines(console.log) });
 * ```
 */
export function jsonLines(write: (line: string) => void): EventSink {
  return (event) => write(JSON.stringify(event));
}
