import { DurableObject } from "cloudflare:workers";
import type { TokenCache } from "@transmit-edge/core";

export interface Entry {
  value: string;
  expiresAt: number;
}

/** Another isolate holds the refresh lease until `leased` (ms). */
export interface Leased {
  leased: number;
}

/**
 * The shared object's answer to a read ({@link ClientTokenCache.readEntry}) given its live entry (null: none) and
 * its leases: the entry when there is no lease to decide or it ends after `after`; otherwise null with the lease
 * taken for `leaseMs`, or `{ leased }` while another caller holds it.
 */
export function sharedAnswer(
  entry: Entry | null,
  leases: Map<string, number>,
  key: string,
  now: number,
  leaseMs: number,
  after: number,
): Entry | Leased | null {
  if (leaseMs <= 0 || (entry && entry.expiresAt > after)) return entry;
  const leased = leases.get(key) ?? 0;
  if (leased > now) return { leased };
  leases.set(key, now + leaseMs);
  return null;
}

/**
 * Client access tokens shared by every isolate of the Worker: one object per (region, client id), placed near its
 * Transmit region (`locationHint`), so a cold isolate reads the token another isolate fetched instead of asking
 * Transmit for a new one. Isolates keep the token in memory and read this object only on a miss
 * ({@link tieredTokenCache}).
 */
export class ClientTokenCache extends DurableObject {
  /** When the refresh lease of each key ends (ms). Memory only: an evicted object forgets it, one more fetch at most. */
  #leases = new Map<string, number>();
  /** Who holds each lease (the caller's `holder`), so that only its holder can give it back early. */
  #holders = new Map<string, string>();

  /**
   * The entry with its expiry (ms), so an isolate can keep it in memory exactly as long. With `leaseMs`, a caller
   * that finds no entry ending after `after` (its own copy's end, 0 when it has none) gets the refresh lease: null,
   * and it fetches the next token for every isolate; while another caller holds the lease it gets `{ leased }`
   * instead (attack4 F8: one token request per region and client, not one per isolate).
   */
  async readEntry(key: string, leaseMs = 0, after = 0, holder = ""): Promise<Entry | Leased | null> {
    const now = Date.now();
    let entry = (await this.ctx.storage.get<Entry>(key)) ?? null;
    if (entry && entry.expiresAt <= now) {
      await this.ctx.storage.delete(key);
      entry = null;
    }
    const answer = sharedAnswer(entry, this.#leases, key, now, leaseMs, after);
    if (answer === null && leaseMs > 0) this.#holders.set(key, holder);
    return answer;
  }

  /**
   * The lease's holder gives it back: its token request failed, so the next caller may fetch now instead of waiting
   * for the lease to lapse (attack5 F4). Another caller's lease (this one's lapsed and was taken again) is kept.
   */
  async release(key: string, holder: string): Promise<void> {
    if (this.#holders.get(key) !== holder) return;
    this.#holders.delete(key);
    this.#leases.delete(key);
  }

  async write(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.#leases.delete(key);
    this.#holders.delete(key);
    const expiresAt = Date.now() + Math.max(0, ttlSeconds) * 1000;
    await this.ctx.storage.put(key, { value, expiresAt } satisfies Entry);
    // The alarm clears expired tokens so storage never keeps a dead secret around.
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > expiresAt) await this.ctx.storage.setAlarm(expiresAt);
  }

  async remove(key: string): Promise<void> {
    await this.ctx.storage.delete(key);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    let next: number | undefined;
    for (const [key, entry] of await this.ctx.storage.list<Entry>()) {
      if (entry.expiresAt <= now) await this.ctx.storage.delete(key);
      else next = Math.min(next ?? entry.expiresAt, entry.expiresAt);
    }
    if (next !== undefined) await this.ctx.storage.setAlarm(next);
  }
}

/** A {@link tieredTokenCache}: the core's `TokenCache`, told when a token fetch failed. */
export interface TieredTokenCache extends TokenCache {
  /** A token request failed (error, or not 200): the request holding the fetch lease lets go of it now. */
  fetchFailed(): void;
}

/** Durable Object location hints nearest each Transmit region (docs/regions.md, "Where the objects live"). */
export const TOKEN_CACHE_HINTS: Record<string, DurableObjectLocationHint> = {
  us: "enam",
  eu: "weur",
  ca: "enam",
  au: "oc",
};

/** After the shared object fails, skip it for this long, doubling per failure up to {@link MAX_BACKOFF_MS}. */
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;
/** How long one request of an isolate owns the token fetch at most (its fetch settling ends it sooner). */
const LEASE_MS = 3_000;
/**
 * An isolate whose token ends within this long asks the shared object once whether another isolate already renewed
 * it, or takes the shared lease and renews it for all while the others keep using theirs (attack4 F8).
 */
const RENEW_AHEAD_MS = 30_000;
/** First wait between looks at the shared object while another isolate fetches (doubling each time). */
const SHARED_POLL_MS = 25;
/** Longest a request waits for another request's token fetch (the Worker passes half its upstream deadline). */
const MAX_WAIT_MS = 3_000;
/** How often a request waiting for another request's fetch looks at memory again. */
const POLL_MS = 10;
/**
 * Longest wait for the shared object's answer. A read that takes longer counts as a failure (back-off) and the
 * request fetches the token itself: a hung object must not hold every login until its call deadline (attack4 F2).
 */
const SHARED_READ_MS = 1_000;

/** Settings of {@link tieredTokenCache}. */
export interface TieredTokenCacheOptions {
  /** Object name: `<region>:<client id>` (a client id is not a secret). */
  name: string;
  /** Where the shared object should live: near its Transmit region. */
  locationHint?: DurableObjectLocationHint | undefined;
  /** Clock in ms for token expiry (the Worker's clock; tests move it). */
  now?: () => number;
  /** Runs the shared write after the answer (`waitUntil`); default: awaited in line. */
  defer?: (task: () => Promise<unknown>) => void;
  /** Longest wait for another request's token fetch, in ms (default 3000; keep it well below the call deadline). */
  maxWaitMs?: number;
  /** Longest wait for the shared object's answer to a read, in ms (default 1000); longer counts as a failure. */
  sharedReadMs?: number;
  /** Clock in ms for leases and back-off, and how to wait (tests replace both). Default: real time. */
  wall?: { now(): number; sleep(ms: number): Promise<void> };
}

/**
 * The core's `TokenCache` in two tiers: this isolate's memory first, then the region's shared
 * {@link ClientTokenCache} object, read only on a miss. Built once per isolate and client (one key in practice, so
 * one lease). The shared tier can fail without flooding Transmit's token endpoint:
 *
 * - a failing or slow object (no answer within `sharedReadMs`) is skipped for a while (exponential back-off), and
 *   the token is then kept in memory;
 * - on a miss in both tiers one request of the isolate fetches (it holds the lease); the others wait for its token in
 *   memory (they never await another request's promise, which Workers forbid), at most `maxWaitMs`, then fetch on
 *   their own. A waiter takes the lease only when it is free, so a dead holder never chains waits; a failed token
 *   request ends the lease at once ({@link TieredTokenCache.fetchFailed}).
 * - across isolates the shared object hands out one refresh lease per key: the first isolate whose token ends
 *   within 30 s renews it for all while the others keep using theirs, and isolates that find nothing while another
 *   one fetches look again (25 ms, doubling) instead of fetching too (attack4 F8). A lapsed lease (3 s) or
 *   `maxWaitMs` lets the next one fetch.
 */
export function tieredTokenCache(
  namespace: DurableObjectNamespace<ClientTokenCache>,
  options: TieredTokenCacheOptions,
): TieredTokenCache {
  const now = options.now ?? Date.now;
  const wall = options.wall ?? { now: Date.now, sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)) };
  const maxWaitMs = Math.min(options.maxWaitMs ?? MAX_WAIT_MS, MAX_WAIT_MS);
  const sharedReadMs = options.sharedReadMs ?? SHARED_READ_MS;
  /**
   * The shared read (asking for the shared lease when nothing there ends after `after`), or a rejection after
   * `sharedReadMs` (a real timer: a hung object never settles). A failure starts the back-off.
   */
  const readShared = async (key: string, after: number) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("shared token object too slow")), sharedReadMs);
    });
    try {
      const answer = await Promise.race([shared().readEntry(key, LEASE_MS, after, holder()), late]);
      backoffMs = FIRST_BACKOFF_MS;
      // This isolate now holds the shared lease: a failed token request gives it back (fetchFailed).
      if (answer === null) heldKey = key;
      return answer;
    } catch (error) {
      failed();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
  const memory = new Map<string, Entry>();
  /** Memory entries whose renewal was already asked about (once each). */
  const asked = new WeakSet<Entry>();
  let leaseUntil = 0;
  /** This isolate's name as a shared lease holder, and the key whose shared lease it holds (attack5 F4). */
  let holderId: string | undefined;
  const holder = () => (holderId ??= crypto.randomUUID()); // on first use: no crypto work at module scope
  let heldKey: string | undefined;
  let skipSharedUntil = 0;
  let backoffMs = FIRST_BACKOFF_MS;
  const shared = () =>
    namespace.get(namespace.idFromName(options.name), {
      locationHint: options.locationHint as DurableObjectLocationHint,
    });
  const up = () => wall.now() >= skipSharedUntil;
  const failed = () => {
    skipSharedUntil = wall.now() + backoffMs;
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  };
  const fromMemory = (key: string) => {
    const entry = memory.get(key);
    return entry && entry.expiresAt > now() ? entry.value : undefined;
  };
  /** True when this request now holds the fetch lease. */
  const takeLease = () => {
    if (wall.now() < leaseUntil) return false;
    leaseUntil = wall.now() + LEASE_MS;
    return true;
  };

  return {
    async get(key) {
      const mine = memory.get(key);
      if (mine && mine.expiresAt > now()) {
        if (mine.expiresAt - now() > RENEW_AHEAD_MS || asked.has(mine) || !up() || !takeLease()) return mine.value;
        // Ending soon: once, the shared object says whether another isolate renewed it, or lets this request renew
        // it for everyone (it fetches, `set` ends the lease) while the others keep using theirs until it ends.
        asked.add(mine);
        try {
          // A renewal ends about a token lifetime later; the same token written by another tier ends within ms of it.
          const answer = await readShared(key, mine.expiresAt + RENEW_AHEAD_MS);
          if (answer === null) return undefined;
          if ("value" in answer && answer.expiresAt > mine.expiresAt) memory.set(key, answer);
        } catch {}
        leaseUntil = 0;
        // Never the old token once it has ended (the object's answer can take up to `sharedReadMs`): then this is a
        // miss like any other, below (attack5 F6).
        const value = fromMemory(key);
        if (value !== undefined) return value;
      }
      // One deadline for both waits below: waiting for this isolate's fetch and then for the shared lease must not
      // add up to twice `maxWaitMs` (attack5 F5).
      const giveUpAt = wall.now() + maxWaitMs;
      if (!takeLease()) {
        // Another request of this isolate is fetching: wait for its token (see above).
        for (;;) {
          await wall.sleep(POLL_MS);
          const value = fromMemory(key);
          if (value !== undefined) return value;
          if (takeLease()) break;
          if (wall.now() >= giveUpAt) return undefined;
        }
      }
      // Another isolate holds the shared lease: look again, less and less often, until its token is there, the
      // lease lapses (then this request takes it) or `maxWaitMs` has passed (then it fetches on its own).
      // How long the last read took: the next one must also end by `giveUpAt` (a slow object, each read just under
      // `sharedReadMs`, must not stretch the wait past it: attack5 F7).
      let readMs = 0;
      for (let pause = SHARED_POLL_MS; up(); pause *= 2) {
        let answer: Entry | Leased | null;
        const readAt = wall.now();
        try {
          answer = await readShared(key, 0);
        } catch {
          break;
        }
        readMs = wall.now() - readAt;
        if (answer === null) break;
        if ("value" in answer) {
          if (answer.expiresAt <= now()) break;
          memory.set(key, answer);
          leaseUntil = 0;
          return answer.value;
        }
        if (wall.now() + readMs >= giveUpAt) break;
        leaseUntil = wall.now() + LEASE_MS;
        await wall.sleep(Math.min(pause, giveUpAt - wall.now() - readMs));
      }
      // A miss in both tiers: this request (the lease holder) fetches, and `set` ends the lease.
      return undefined;
    },
    async set(key, value, ttlSeconds) {
      memory.set(key, { value, expiresAt: now() + ttlSeconds * 1000 });
      leaseUntil = 0;
      if (heldKey === key) heldKey = undefined; // the write below ends the shared lease
      // Other isolates need it, this request does not: written after the answer when possible.
      const write = () => shared().write(key, value, ttlSeconds).catch(failed);
      if (!up()) return;
      if (options.defer) options.defer(write);
      else await write();
    },
    async delete(key) {
      memory.delete(key);
      if (up()) await shared().remove(key).catch(failed);
    },
    fetchFailed() {
      leaseUntil = 0;
      // The shared lease too, when this isolate holds it: other isolates fetch now, not when it lapses (attack5 F4).
      const key = heldKey;
      heldKey = undefined;
      if (key === undefined || !up()) return;
      const release = async () => {
        try {
          await shared().release(key, holder());
        } catch {} // it lapses on its own
      };
      if (options.defer) options.defer(release);
      else void release();
    },
  };
}
