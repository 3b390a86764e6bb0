import { DurableObject } from "cloudflare:workers";
import type { TokenCache } from "@transmit-edge/core";

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * Client access tokens shared by every isolate of the Worker: one object per (region, client id), placed near its
 * Transmit region (`locationHint`), so a cold isolate reads the token another isolate fetched instead of asking
 * Transmit for a new one. Isolates keep the token in memory and read this object only on a miss
 * ({@link tieredTokenCache}).
 */
export class ClientTokenCache extends DurableObject {
  /** The entry with its expiry (ms), so an isolate can keep it in memory exactly as long. */
  async readEntry(key: string): Promise<Entry | null> {
    const entry = await this.ctx.storage.get<Entry>(key);
    if (!entry) return null;
    if (entry.expiresAt <= Date.now()) {
      await this.ctx.storage.delete(key);
      return null;
    }
    return entry;
  }

  async write(key: string, value: string, ttlSeconds: number): Promise<void> {
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
 */
export function tieredTokenCache(
  namespace: DurableObjectNamespace<ClientTokenCache>,
  options: TieredTokenCacheOptions,
): TieredTokenCache {
  const now = options.now ?? Date.now;
  const wall = options.wall ?? { now: Date.now, sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)) };
  const maxWaitMs = Math.min(options.maxWaitMs ?? MAX_WAIT_MS, MAX_WAIT_MS);
  const sharedReadMs = options.sharedReadMs ?? SHARED_READ_MS;
  /** The shared read, or a rejection after `sharedReadMs` (a real timer: a hung object never settles). */
  const readShared = (key: string) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("shared token object too slow")), sharedReadMs);
    });
    return Promise.race([shared().readEntry(key), late]).finally(() => clearTimeout(timer));
  };
  const memory = new Map<string, Entry>();
  let leaseUntil = 0;
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
      const hot = fromMemory(key);
      if (hot !== undefined) return hot;
      if (!takeLease()) {
        // Another request of this isolate is fetching: wait for its token (see above).
        const giveUpAt = wall.now() + maxWaitMs;
        for (;;) {
          await wall.sleep(POLL_MS);
          const value = fromMemory(key);
          if (value !== undefined) return value;
          if (takeLease()) break;
          if (wall.now() >= giveUpAt) return undefined;
        }
      }
      if (up()) {
        try {
          const entry = await readShared(key);
          backoffMs = FIRST_BACKOFF_MS;
          if (entry && entry.expiresAt > now()) {
            memory.set(key, entry);
            leaseUntil = 0;
            return entry.value;
          }
        } catch {
          failed();
        }
      }
      // A miss in both tiers: this request (the lease holder) fetches, and `set` ends the lease.
      return undefined;
    },
    async set(key, value, ttlSeconds) {
      memory.set(key, { value, expiresAt: now() + ttlSeconds * 1000 });
      leaseUntil = 0;
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
    },
  };
}
