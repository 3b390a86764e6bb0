/**
 * Attempt counters: the {@link Limiter} interface the login routes call, the sliding-window rule, and an in-memory
 * limiter for one process. On Workers, back the same interface with Durable Objects (per account) and the Rate
 * Limiting binding (per IP).
 */
import type { Context } from "hono";
import { integerIn, OptionError } from "./option-error.ts";

/** Which counter a limiter call is about. */
export interface LimitKey {
  /** `"ip"`: every attempt from one client network; `"account"`: attempts since the last success for one account. */
  scope: "ip" | "account";
  /** For `ip`, an IPv4 address or an IPv6 network in CIDR form (`2001:db8:1:2::/64`); for `account`, a keyed hash. */
  key: string;
}

/** Result of a limiter call. */
export interface LimitResult {
  /** Whether the attempt may go ahead. */
  allowed: boolean;
  /** Seconds until an attempt is allowed again (when not allowed). */
  retryAfter?: number;
}

/**
 * Attempt counters. The routes call `hit` for every attempt in scope `ip`, `hit` before every upstream password
 * check in scope `account` (counting and deciding in one step, so concurrent guesses cannot all slip past a check),
 * `release` when that check got no verdict (upstream fault) and `reset` after a successful login. `hit` must not
 * count an attempt it refuses. Each call also gets the request's `Context`, for limiters that keep what they learn
 * about the account for the rest of the request (edge-login keeps the account's home region there) or that defer
 * work past the response (`c.executionCtx.waitUntil` on Workers); ignoring it is fine.
 *
 * @example
 * ```ts
 * const counts = new Map<string, number>(); // one process; use shared storage across instances
 * const limiter: Limiter = {
 *   async hit({ scope, key }) {
 *     const n = (counts.get(`${scope}:${key}`) ?? 0) + 1;
 *     if (n > 10) return { allowed: false, retryAfter: 60 };
 *     counts.set(`${scope}:${key}`, n);
 *     return { allowed: true };
 *   },
 * };
 * ```
 */
export interface Limiter {
  /** Counts one attempt and returns whether it (the attempt just counted) is allowed. */
  hit(key: LimitKey, c?: Context): Promise<LimitResult>;
  /** Forgets the key's attempts (scope `account`: after a successful login of that account). */
  reset?(key: LimitKey, c?: Context): Promise<void>;
  /**
   * Takes back one attempt counted by `hit` that got no verdict (Transmit failed or timed out: the caller learnt
   * nothing). Without it such attempts stay counted.
   */
  release?(key: LimitKey, c?: Context): Promise<void>;
}

/** One window: at most `limit` events per `windowMs`. */
export interface LimitRule {
  /** Events allowed in the window. */
  limit: number;
  /** Window length in milliseconds. */
  windowMs: number;
}

/**
 * The sliding-window decision: `stamps` are the counted attempts (ms, oldest first) still inside the window. Full
 * when there are `limit` of them; it frees up when the oldest one that keeps it full leaves the window.
 *
 * @example
 * ```ts
 * const verdict = windowVerdict([1000, 2000], 2500, { limit: 2, windowMs: 60_000 }); // { allowed: false, retryAfter: 59 }
 * ```
 */
export function windowVerdict(stamps: readonly number[], nowMs: number, rule: LimitRule): LimitResult {
  if (stamps.length < rule.limit) return { allowed: true };
  const oldest = stamps[stamps.length - rule.limit] as number;
  return { allowed: false, retryAfter: Math.max(1, Math.ceil((oldest + rule.windowMs - nowMs) / 1000)) };
}

/** Options of {@link memoryLimiter}. */
export interface MemoryLimiterOptions {
  /** Attempts per client IP (IPv6: per network). Default 30 per minute. */
  ip?: LimitRule;
  /** Attempts per account since its last success. Default 10 per hour. */
  account?: LimitRule;
  /**
   * Most keys tracked per scope. When every tracked key is still live, an attempt for a new key is refused until one
   * expires: a flood of new keys cannot push out a live counter. Default 50,000.
   */
  maxKeys?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

const DEFAULT_IP: LimitRule = { limit: 30, windowMs: 60_000 };
const DEFAULT_ACCOUNT: LimitRule = { limit: 10, windowMs: 3_600_000 };

function validRule(rule: LimitRule, option: string): LimitRule {
  if (!rule || !Number.isInteger(rule.limit) || rule.limit < 1 || !(rule.windowMs > 0)) {
    throw new OptionError("memoryLimiter", option, "needs a positive whole `limit` and a positive `windowMs`");
  }
  return { limit: rule.limit, windowMs: rule.windowMs };
}

/** The counters of one scope, with the earliest time a full table can have room again. */
interface Table {
  rule: LimitRule;
  stamps: Map<string, number[]>;
  /** While the table is full, no key can expire before this time (ms); 0 when unknown. */
  freeAt: number;
}

/**
 * A {@link Limiter} for one process that keeps the times of recent attempts per key (a true sliding window).
 * Memory is bounded (`maxKeys` keys per scope, at most `limit` times each); expired keys are dropped first, and a
 * table full of live counters refuses new keys rather than forgetting old ones (fail towards throttling).
 *
 * @example
 * ```ts
 * const limiter = memoryLimiter({ ip: { limit: 20, windowMs: 60_000 }, account: { limit: 5, windowMs: 900_000 } });
 * const auth = transmitAuth({ client, sessions, limiter, userKeySecret: env.USER_KEY_SECRET });
 * ```
 */
export function memoryLimiter(options: MemoryLimiterOptions = {}): Limiter {
  const tables: Record<LimitKey["scope"], Table> = {
    ip: { rule: validRule(options.ip ?? DEFAULT_IP, "ip"), stamps: new Map(), freeAt: 0 },
    account: { rule: validRule(options.account ?? DEFAULT_ACCOUNT, "account"), stamps: new Map(), freeAt: 0 },
  };
  const maxKeys = integerIn("memoryLimiter", "maxKeys", options.maxKeys, 50_000, 1, 10_000_000);
  const now = options.now ?? Date.now;

  /** The key's attempts still inside the window (the key is dropped when none are). */
  function live(table: Table, key: string, t: number): number[] | undefined {
    const all = table.stamps.get(key);
    if (!all) return undefined;
    const recent = all.filter((s) => s > t - table.rule.windowMs);
    if (recent.length === 0) {
      table.stamps.delete(key);
      return undefined;
    }
    table.stamps.set(key, recent);
    return recent;
  }

  /** Drops expired keys of a full table; false (and when room is expected) when every key is still live. */
  function makeRoom(table: Table, t: number): boolean {
    if (table.stamps.size < maxKeys) return true;
    // Nothing can have expired since the last sweep found the table full of live keys.
    if (t < table.freeAt) return false;
    let freeAt = Number.POSITIVE_INFINITY;
    for (const [key, stamps] of table.stamps) {
      const expiry = (stamps[stamps.length - 1] as number) + table.rule.windowMs;
      if (expiry <= t) table.stamps.delete(key);
      else freeAt = Math.min(freeAt, expiry);
    }
    table.freeAt = table.stamps.size < maxKeys ? 0 : freeAt;
    return table.stamps.size < maxKeys;
  }

  /**
   * A table full of live keys gives up its weakest counter: the fewest attempts, the oldest last attempt first.
   * Junk keys made to flush the table have one attempt each, so a counter with more attempts outlives all of them,
   * and nobody is turned away because strangers filled the table (a full table that refused new keys would lock
   * every other user out). Costs one pass over the table, only while it is full.
   */
  function evictWeakest(table: Table): void {
    let weakest: string | undefined;
    let fewest = Number.POSITIVE_INFINITY;
    let oldest = Number.POSITIVE_INFINITY;
    for (const [key, stamps] of table.stamps) {
      const last = stamps[stamps.length - 1] as number;
      if (stamps.length < fewest || (stamps.length === fewest && last < oldest)) {
        weakest = key;
        fewest = stamps.length;
        oldest = last;
      }
    }
    if (weakest !== undefined) table.stamps.delete(weakest);
  }

  return {
    async hit(k) {
      const t = now();
      const table = tables[k.scope];
      let stamps = live(table, k.key, t);
      const verdict = windowVerdict(stamps ?? [], t, table.rule);
      if (!verdict.allowed) return verdict;
      if (!stamps) {
        if (!makeRoom(table, t)) evictWeakest(table);
        stamps = [];
        table.stamps.set(k.key, stamps);
      }
      stamps.push(t);
      return { allowed: true };
    },
    async reset(k) {
      tables[k.scope].stamps.delete(k.key);
    },
    async release(k) {
      const table = tables[k.scope];
      const stamps = table.stamps.get(k.key);
      if (!stamps) return;
      stamps.pop();
      const last = stamps[stamps.length - 1];
      if (last === undefined) table.stamps.delete(k.key);
      // The key now expires earlier: a full table may have room sooner.
      else table.freeAt = Math.min(table.freeAt, last + table.rule.windowMs);
    },
  };
}
