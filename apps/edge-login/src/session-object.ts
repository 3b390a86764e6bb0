import { DurableObject } from "cloudflare:workers";
import type { SessionRecord, SessionStore } from "@transmit-edge/hono";
import { jurisdictionOf, jurisdictionOfId, placed, withJurisdiction } from "./residency.ts";

const RECORD = "record";

/**
 * One Durable Object per session: strongly consistent reads of its own writes (checklist C07), revocable at once,
 * and cleaned up by an alarm at the record's idle or absolute expiry, whichever comes first.
 */
export class SessionObject extends DurableObject {
  /** The record, or null when absent or expired at `nowMs` (an expired record is deleted on the spot). */
  async read(nowMs: number): Promise<SessionRecord | null> {
    const record = await this.ctx.storage.get<SessionRecord>(RECORD);
    if (!record) return null;
    if (nowMs >= endOf(record)) {
      await this.ctx.storage.deleteAll();
      return null;
    }
    return record;
  }

  /**
   * {@link read}, sliding the idle deadline inside the same call when `lastSeenAt` is `touchAfter` seconds old or
   * older: a guarded request makes one round trip, never a read and then a write (the router's own touch then finds
   * the record fresh).
   */
  async readFresh(nowMs: number, touchAfter: number): Promise<SessionRecord | null> {
    const record = await this.read(nowMs);
    if (!record) return null;
    const t = Math.floor(nowMs / 1000);
    if (record.kind !== "session" || t - record.lastSeenAt < touchAfter) return record;
    const touched = { ...record, lastSeenAt: t };
    await this.write(touched);
    return touched;
  }

  async write(record: SessionRecord): Promise<void> {
    await this.ctx.storage.put(RECORD, record);
    await this.ctx.storage.setAlarm(endOf(record));
  }

  async remove(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    const record = await this.ctx.storage.get<SessionRecord>(RECORD);
    if (!record) return;
    // The idle deadline may have moved since the alarm was set (a write touches lastSeenAt).
    const end = endOf(record);
    if (Date.now() >= end) await this.ctx.storage.deleteAll();
    else await this.ctx.storage.setAlarm(end);
  }
}

/** When a record stops being valid, in ms: its absolute expiry or its idle deadline, whichever is first. */
function endOf(record: SessionRecord): number {
  return Math.min(record.expiresAt, record.lastSeenAt + record.idleTimeout) * 1000;
}

const ID_BYTES = 32;
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function newSessionId(jurisdiction?: DurableObjectJurisdiction): string {
  const bytes = crypto.getRandomValues(new Uint8Array(ID_BYTES));
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  const id = btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return withJurisdiction(id, jurisdiction);
}

/**
 * Object name for a session id: a SHA-256 of it, so the id itself (the cookie value, a bearer secret) never shows
 * up in Durable Object names, dashboards or logs (checklist C10).
 */
async function objectName(sessionId: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(sessionId));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Options of {@link durableSessionStore}. */
export interface SessionStoreOptions {
  /** Slide the idle deadline on reads when `lastSeenAt` is this many seconds old (the router's `touchInterval`). */
  touchAfter?: number;
  /** False only for local development (workerd has no jurisdictions): `ALLOW_NO_JURISDICTION=true`. */
  enforceJurisdictions?: boolean;
}

/**
 * The router's {@link SessionStore} on {@link SessionObject}s. A session of a region with a jurisdiction (EU) is
 * created in that jurisdiction, and its id says so (first character, see residency.ts), so later requests find the
 * object without a lookup. Cookie values are 256-bit random ids from the
 * platform CSPRNG (checklist C02); malformed values are rejected before any storage call.
 */
export function durableSessionStore(
  namespace: DurableObjectNamespace<SessionObject>,
  now: () => number = Date.now,
  options: SessionStoreOptions = {},
): SessionStore {
  const touchAfter = options.touchAfter ?? Number.POSITIVE_INFINITY;
  const stub = async (id: string) => {
    const ns = placed(namespace, jurisdictionOfId(id), options.enforceJurisdictions ?? true);
    return ns.get(ns.idFromName(await objectName(id)));
  };
  return {
    async create(record) {
      const id = newSessionId(jurisdictionOf(record.region));
      await (await stub(id)).write(record);
      return id;
    },
    async get(value) {
      if (!ID_PATTERN.test(value)) return undefined;
      return (await (await stub(value)).readFresh(now(), touchAfter)) ?? undefined;
    },
    async set(value, record) {
      await (await stub(value)).write(record);
      return value;
    },
    async delete(value) {
      if (!ID_PATTERN.test(value)) return;
      await (await stub(value)).remove();
    },
  };
}
