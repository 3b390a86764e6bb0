/**
 * Server-side session store in memory: the cookie holds only a random handle (256 bits from the CSPRNG).
 * Good for a single process (Node, Bun, Deno) and tests; records die with the process.
 */
import { randomId } from "./crypto.ts";
import { type SessionRecord, type SessionStore, type SessionSummary, summaryOf as summary } from "./session-record.ts";

/**
 * Options of {@link memorySessionStore}.
 *
 * @example
 * ```ts
 * memorySessionStore({ maxEntries: 50_000 });
 * ```
 */
export interface MemorySessionStoreOptions {
  /** Most records kept; the ones closest to expiry are dropped first beyond it. Default 10,000. */
  maxEntries?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/**
 * A {@link SessionStore} that keeps records in a `Map` keyed by a random handle. The handle carries no
 * information; expired records are pruned on access.
 *
 * @example
 * ```ts
 * const sessions = memorySessionStore();
 * app.route("/auth", passwordLogin({ client, sessions }));
 * app.use("/api/*", requireSession({ sessions, client }));
 * ```
 */
export function memorySessionStore(options: MemorySessionStoreOptions = {}): SessionStore {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const records = new Map<string, SessionRecord>();

  const expired = (r: SessionRecord) => {
    const t = now() / 1000;
    return r.expiresAt <= t || r.lastSeenAt + r.idleTimeout <= t;
  };

  function makeRoom() {
    if (records.size < maxEntries) return;
    for (const [handle, r] of records) if (expired(r)) records.delete(handle);
    // Records anyone can make go first (a reset link's landing), then logins waiting for a step, and only then
    // signed-in sessions: a flood of landings must not sign people out (attack2 F3).
    for (const first of [(r: SessionRecord) => r.purpose === "reset", (r: SessionRecord) => r.kind !== "session"]) {
      for (const [handle, r] of records) {
        if (records.size < maxEntries) return;
        if (first(r)) records.delete(handle);
      }
    }
    while (records.size >= maxEntries) {
      const first = records.keys().next();
      if (first.done) break;
      records.delete(first.value);
    }
  }

  return {
    async create(record) {
      makeRoom();
      const handle = randomId(32);
      records.set(handle, structuredClone(record));
      return handle;
    },
    async get(value) {
      const record = records.get(value);
      if (!record) return undefined;
      if (expired(record)) {
        records.delete(value);
        return undefined;
      }
      return structuredClone(record);
    },
    async set(value, record) {
      // Never resurrect a record deleted meanwhile (logout racing a refresh).
      if (records.has(value)) records.set(value, structuredClone(record));
      return value;
    },
    async delete(value) {
      records.delete(value);
    },
    async listUser(userId) {
      return live(userId).map(([, r]) => summary(r));
    },
    async endUser(userId, { only, except }) {
      const ended: SessionSummary[] = [];
      for (const [handle, r] of live(userId, only === undefined)) {
        if ((only !== undefined && r.id !== only) || r.id === except) continue;
        records.delete(handle);
        ended.push({ ...summary(r), ...(r.transmitSessionId ? { transmitSessionId: r.transmitSessionId } : {}) });
      }
      return { ended, failed: 0 };
    },
  };

  /**
   * The user's unexpired sessions (expired ones are pruned on the way). `pending`: with the user's logins waiting for
   * a second factor too, which "sign out everywhere" and a credential change end as well (attack2 F2): a correct
   * password that waits for its code must not turn into a session after the user signed out everywhere.
   */
  function live(userId: string, pending = false): [string, SessionRecord][] {
    const out: [string, SessionRecord][] = [];
    for (const [handle, r] of records) {
      if (expired(r)) records.delete(handle);
      else if ((r.kind === "session" || (pending && r.kind === "mfa")) && r.userId === userId) out.push([handle, r]);
    }
    return out;
  }
}
