/**
 * Attempt counters: the {@link Limiter} interface the login routes call, the sliding-window rule, the account rules
 * that stay below Transmit's own lockout, and an in-memory limiter for one process. On Workers, back the same
 * interface with Durable Objects (per account) and the Rate Limiting binding (per IP).
 */
import type { Context } from "hono";
import { integerIn, OptionError } from "./option-error.ts";

/** Which counter a limiter call is about. */
export interface LimitKey {
  /** `"ip"`: every attempt from one client network; `"account"`: password checks for one account. */
  scope: "ip" | "account";
  /** For `ip`, an IPv4 address or an IPv6 network in CIDR form (`2001:db8:1:2::/64`); for `account`, a keyed hash. */
  key: string;
  /**
   * Scope `account` only: the id of the browser's device cookie for this account, when it carries a valid one (a
   * browser that signed in to the account before). Its attempts are counted for that device alone, under the
   * limiter's `device` rule; attempts without it are the account's untrusted attempts, under the `account` rule.
   * Strangers who use up the untrusted attempts therefore do not lock the owner's browser out. The account routes
   * count their requests for an account apart from logins, under the `device` rule, with `"signup"` (sign-up) and
   * `"reset"` (forgot password; `"reset.<device id>"` from a browser with the account's device cookie, so strangers
   * cannot use up its owner's budget); device cookie ids are random and never take these values.
   */
  device?: string;
  /**
   * Scope `account` only: the Transmit region (tenant) the counted request goes to, when the router knows it before
   * counting (a second factor: its pending login's region; forgot password: the region the link is sent from;
   * sign-up: the region the account is created in). A limiter that keeps data per jurisdiction counts there
   * (edge-login keeps an EU account's counters in the EU). When the region of a sign-up or forgot password moves
   * after the count (a limiter that learns the account's home), the router takes the attempt back under the old one
   * and counts it again under the new one: sign-up before its answer, forgot password after it (before the email,
   * which a refusal there stops), so its answer's time does not depend on where the account lives.
   */
  region?: string;
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
 * check in scope `account` (counting and deciding in one step, so concurrent guesses cannot all slip past a check;
 * with `device` when the browser has a device cookie for the account), `release` when that check got no verdict
 * (upstream fault) or succeeded without a device cookie (it was no failure), and `reset` with `device` after a
 * successful login from that device. Untrusted failures are never reset: they age out of their window, as
 * Transmit's do. `hit` must not count an attempt it refuses. Keep attempts with a `device` apart from those without,
 * per device. Each call also gets the request's `Context`, for limiters that keep what they learn about the account
 * for the rest of the request (edge-login keeps the account's home region there) or that defer work past the answer
 * (`waitUntil`); ignoring it is fine.
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
  /** Forgets the key's attempts. */
  reset?(key: LimitKey, c?: Context): Promise<void>;
  /**
   * Takes back one attempt counted by `hit` that was no failure: it got no verdict (Transmit failed or timed out:
   * the caller learnt nothing) or it succeeded. Without it such attempts stay counted.
   */
  release?(key: LimitKey, c?: Context): Promise<void>;
  /**
   * After a successful password login, when defined: called instead of `release` (no `device`) or `reset` (with
   * `device`), and must do what they would. One call lets a limiter also keep what the success teaches (edge-login
   * records the region the account signed in to).
   */
  succeeded?(key: LimitKey, c?: Context): Promise<void>;
  /**
   * Optional: a sign-in that was not counted succeeded (the one that ends a forced password change). Nothing is
   * counted or taken back; a limiter may keep what the success teaches (edge-login records the account's region).
   */
  learned?(key: LimitKey, c?: Context): Promise<void>;
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

/**
 * The lockout policy of your Transmit tenant (its login preferences, see docs/transmit-contract.md): after
 * `maxPasswordFailures` failures within `failuresExpireIn` minutes Transmit suspends password login for the user.
 * Give the values of your tenant when they differ from Transmit's defaults (with several regional tenants, the
 * smallest `maxPasswordFailures` and the longest `failuresExpireIn`).
 */
export interface TransmitLockout {
  /** Failures that suspend the user (`maxPasswordFailures`, 1 to 20). Default 5. */
  maxPasswordFailures?: number;
  /** Minutes after which a failure stops counting (`failuresExpireIn`). Default 15. */
  failuresExpireIn?: number;
}

/** The per-account rules of a limiter: untrusted attempts, and attempts per device cookie. */
export interface AccountRules {
  /** Untrusted attempts per account (browsers without a device cookie for it). */
  account: LimitRule;
  /** Attempts per device cookie of the account. */
  device: LimitRule;
}

/** Margin on top of `failuresExpireIn`: our window must never end before Transmit forgets the same failure. */
const SKEW_MS = 60_000;

/**
 * Per-account rules that keep this limiter's attempts below Transmit's lockout, so that no stranger can make
 * Transmit suspend an account. Untrusted attempts: `maxPasswordFailures - 2` (at least 1) per window, which leaves
 * the owner one mistake of their own before Transmit's threshold; attempts per device cookie:
 * `maxPasswordFailures - 1`. The window is `failuresExpireIn` plus one minute (clock skew and call latency). Explicit
 * rules are checked against the same bounds; a `TypeError` names the option that would reach the threshold.
 *
 * @example
 * ```ts
 * const rules = lockoutRules({ maxPasswordFailures: 5, failuresExpireIn: 15 });
 * // { account: { limit: 3, windowMs: 960_000 }, device: { limit: 4, windowMs: 960_000 } }
 * ```
 */
export function lockoutRules(lockout?: TransmitLockout, explicit?: Partial<AccountRules>): AccountRules {
  return rulesBelow(lockout, explicit, "lockoutRules");
}

function rulesBelow(
  lockout: TransmitLockout | undefined,
  explicit: Partial<AccountRules> = {},
  factory: string,
): AccountRules {
  const max = integerIn(factory, "transmit.maxPasswordFailures", lockout?.maxPasswordFailures, 5, 1, 20);
  const minutes = integerIn(factory, "transmit.failuresExpireIn", lockout?.failuresExpireIn, 15, 1, 525_600);
  if (max < 2) {
    throw new OptionError(factory, "transmit.maxPasswordFailures", "must be 2 or more");
  }
  const windowMs = minutes * 60_000 + SKEW_MS;
  const check = (option: "account" | "device", rule: LimitRule): LimitRule => {
    const valid = validRule(rule, option, factory);
    if (valid.limit > max - 1 || valid.windowMs < minutes * 60_000) {
      throw new OptionError(factory, option, "must stay below Transmit's lockout (see `transmit`)");
    }
    return valid;
  };
  return {
    account: check("account", explicit.account ?? { limit: Math.max(1, max - 2), windowMs }),
    device: check("device", explicit.device ?? { limit: max - 1, windowMs }),
  };
}

/** Options of {@link memoryLimiter}. */
export interface MemoryLimiterOptions {
  /** Attempts per client IP (IPv6: per network). Default 30 per minute. */
  ip?: LimitRule;
  /** Your tenant's lockout policy, which the account rules stay below. Default Transmit's: 5 failures in 15 minutes. */
  transmit?: TransmitLockout;
  /** Untrusted attempts per account. Default from {@link lockoutRules}: 3 per 16 minutes. */
  account?: LimitRule;
  /** Attempts per device cookie of an account. Default from {@link lockoutRules}: 4 per 16 minutes. */
  device?: LimitRule;
  /**
   * Most keys tracked per table. When every tracked key is still live, the weakest counter (fewest attempts, then the
   * oldest) makes room: a flood of one-attempt keys cannot push out a larger live counter. Default 50,000.
   */
  maxKeys?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

const DEFAULT_IP: LimitRule = { limit: 30, windowMs: 60_000 };

function validRule(rule: LimitRule, option: string, factory = "memoryLimiter"): LimitRule {
  if (!rule || !Number.isInteger(rule.limit) || rule.limit < 1 || !(rule.windowMs > 0)) {
    throw new OptionError(factory, option, "needs a positive whole `limit` and a positive `windowMs`");
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
 * Account attempts stay below Transmit's lockout ({@link lockoutRules}), untrusted ones apart from those of each
 * device cookie. Memory is bounded (`maxKeys` keys per table, at most `limit` times each); expired keys are dropped
 * first, and a table full of live counters gives up its weakest one (fewest attempts, then the oldest).
 *
 * @example
 * ```ts
 * const limiter = memoryLimiter({ ip: { limit: 20, windowMs: 60_000 }, transmit: { maxPasswordFailures: 10 } });
 * const auth = transmitAuth({ client, sessions, limiter, userKeySecret: env.USER_KEY_SECRET });
 * ```
 */
export function memoryLimiter(options: MemoryLimiterOptions = {}): Limiter {
  const rules = rulesBelow(
    options.transmit,
    {
      ...(options.account !== undefined ? { account: options.account } : {}),
      ...(options.device !== undefined ? { device: options.device } : {}),
    },
    "memoryLimiter",
  );
  const table = (rule: LimitRule): Table => ({ rule, stamps: new Map(), freeAt: 0 });
  const tables = {
    ip: table(validRule(options.ip ?? DEFAULT_IP, "ip")),
    account: table(rules.account),
    device: table(rules.device),
  };
  /** The table and map key of a limiter key: per device when it names one. */
  const where = (k: LimitKey): [Table, string] =>
    k.scope === "account" && k.device !== undefined
      ? [tables.device, `${k.key}\u0000${k.device}`]
      : [tables[k.scope], k.key];
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
      const [table, key] = where(k);
      let stamps = live(table, key, t);
      const verdict = windowVerdict(stamps ?? [], t, table.rule);
      if (!verdict.allowed) return verdict;
      if (!stamps) {
        if (!makeRoom(table, t)) evictWeakest(table);
        stamps = [];
        table.stamps.set(key, stamps);
      }
      stamps.push(t);
      return { allowed: true };
    },
    async reset(k) {
      const [table, key] = where(k);
      table.stamps.delete(key);
    },
    async release(k) {
      const [table, key] = where(k);
      const stamps = table.stamps.get(key);
      if (!stamps) return;
      stamps.pop();
      const last = stamps[stamps.length - 1];
      if (last === undefined) table.stamps.delete(key);
      // The key now expires earlier: a full table may have room sooner.
      else table.freeAt = Math.min(table.freeAt, last + table.rule.windowMs);
    },
  };
}
