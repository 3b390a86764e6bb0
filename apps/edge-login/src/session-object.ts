import { DurableObject } from "cloudflare:workers";
import type { SessionRecord, SessionStore } from "@transmit-edge/hono";

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

function newSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(ID_BYTES));
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Object name for a session id: a SHA-256 of it, so the id itself (the cookie value, a bearer secret) never shows
 * up in Durable Object names, dashboards or logs (checklist C10).
 */
async function objectName(sessionId: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(sessionId));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The router's {@link SessionStore} on {@link SessionObject}s. Cookie values are 256-bit random ids from the
 * platform CSPRNG (checklist C02); malformed values are rejected before any storage call.
 */
export function durableSessionStore(
  namespace: DurableObjectNamespace<SessionObject>,
  now: () => number = Date.now,
): SessionStore {
  const stub = async (id: string) => namespace.get(namespace.idFromName(await objectName(id)));
  return {
    async create(record) {
      const id = newSessionId();
      await (await stub(id)).write(record);
      return id;
    },
    async get(value) {
      if (!ID_PATTERN.test(value)) return undefined;
      return (await (await stub(value)).read(now())) ?? undefined;
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
