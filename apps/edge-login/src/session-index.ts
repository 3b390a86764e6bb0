import { DurableObject } from "cloudflare:workers";

/** One session in a user's index: what the list shows and where its session object is. No token, no cookie value. */
export interface IndexEntry {
  /** The record id (server-side only; the browser sees a hash of it). */
  id: string;
  /** The session object's id (`DurableObjectId.toString()`), which carries its jurisdiction. */
  object: string;
  region?: string | undefined;
  device?: string | undefined;
  createdAt: number;
  /** Last use, in seconds: reported by the session object at most once per touch interval. */
  lastSeenAt: number;
  /** Absolute expiry (seconds): entries past it are dropped even when their session object never said so. */
  expiresAt: number;
  /**
   * `"mfa"`: a correct password waiting for its second factor (never listed as a session, but ended with the user's
   * sessions: it must not become one after "sign out everywhere" or a credential change; attack2 F2).
   */
  kind?: "mfa" | undefined;
}

const PREFIX = "s:";

/**
 * One Durable Object per user (named by a keyed hash of the Transmit user id, never the id, username or email;
 * EU users' in the `eu` jurisdiction like their sessions): the index of that user's sessions, for "sign out
 * everywhere" and the list on the signed-in page. The session objects keep it in step, object to object: they add
 * themselves before they store their record, and drop themselves when they end (logout, expiry alarm). An entry is
 * removed only by its session object, after the record is gone, so a session whose ending failed stays listed and a
 * retry finds it.
 */
export class SessionIndex extends DurableObject {
  async add(entry: IndexEntry): Promise<void> {
    await this.ctx.storage.put(PREFIX + entry.id, entry);
  }

  /** Moves `lastSeenAt` forward (never back, never for an entry already dropped). */
  async seen(id: string, lastSeenAt: number): Promise<void> {
    const entry = await this.ctx.storage.get<IndexEntry>(PREFIX + id);
    if (entry && lastSeenAt > entry.lastSeenAt) await this.ctx.storage.put(PREFIX + id, { ...entry, lastSeenAt });
  }

  async drop(id: string): Promise<void> {
    await this.ctx.storage.delete(PREFIX + id);
  }

  /** The live entries at `nowS` (seconds); expired ones are deleted on the way. */
  async list(nowS: number): Promise<IndexEntry[]> {
    const all = await this.ctx.storage.list<IndexEntry>({ prefix: PREFIX });
    const live: IndexEntry[] = [];
    const stale: string[] = [];
    for (const [key, entry] of all) {
      if (entry.expiresAt <= nowS) stale.push(key);
      else live.push(entry);
    }
    if (stale.length > 0) await this.ctx.storage.delete(stale);
    return live;
  }
}
