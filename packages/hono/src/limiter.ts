/**
 * In-memory sliding-window limiter. Per process or isolate: on Workers use Durable Objects (per account) and the
 * Rate Limiting binding (per IP) behind the same {@link Limiter} interface.
 */
import type { Limiter, LimitKey, LimitResult } from "./types.ts";

/**
 * One window: at most `limit` events per `windowMs`.
 *
 * @example
 * ```ts
 * memoryLimiter({ account: { limit: 5, windowMs: 15 * 60_000 } satisfies LimitRule });
 * ```
 */
export interface LimitRule {
  /** Events allowed in the window. */
  limit: number;
  /** Window length in milliseconds. */
  windowMs: number;
}

/**
 * Options of {@link memoryLimiter}.
 *
 * @example
 * ```ts
 * memoryLimiter({ ip: { limit: 20, windowMs: 60_000 }, account: { limit: 10, windowMs: 3_600_000 } });
 * ```
 */
export interface MemoryLimiterOptions {
  /** Attempts per client IP. Default 30 per minute. */
  ip?: LimitRule;
  /** Attempts per normalised username since its last success. Default 10 per hour (checklist A04: <= 100 per hour). */
  account?: LimitRule;
  /** Most keys tracked per scope (oldest dropped beyond). Default 50,000. */
  maxKeys?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

const DEFAULT_IP: LimitRule = { limit: 30, windowMs: 60_000 };
const DEFAULT_ACCOUNT: LimitRule = { limit: 10, windowMs: 3_600_000 };

function validRule(rule: LimitRule, name: string): LimitRule {
  if (!Number.isInteger(rule.limit) || rule.limit < 1 || !(rule.windowMs > 0)) {
    throw new TypeError(`memoryLimiter: option \`${name}\` needs a positive integer limit and windowMs`);
  }
  return rule;
}

/**
 * A {@link Limiter} that keeps the timestamps of recent events per key (a true sliding window) and answers how
 * long to wait when the window is full.
 *
 * @example
 * ```ts
 * const limiter = memoryLimiter({ ip: { limit: 20, windowMs: 60_000 }, account: { limit: 5, windowMs: 900_000 } });
 * app.route("/auth", passwordLogin({ client, sessions, limiter }));
 * ```
 */
export function memoryLimiter(options: MemoryLimiterOptions = {}): Limiter {
  const rules = {
    ip: validRule(options.ip ?? DEFAULT_IP, "ip"),
    account: validRule(options.account ?? DEFAULT_ACCOUNT, "account"),
  };
  const maxKeys = options.maxKeys ?? 50_000;
  const now = options.now ?? Date.now;
  const windows = { ip: new Map<string, number[]>(), account: new Map<string, number[]>() };

  function recent(k: LimitKey, t: number): number[] {
    const rule = rules[k.scope];
    const map = windows[k.scope];
    const stamps = (map.get(k.key) ?? []).filter((s) => s > t - rule.windowMs);
    if (stamps.length === 0) map.delete(k.key);
    else map.set(k.key, stamps);
    return stamps;
  }

  function decide(k: LimitKey, stamps: number[], t: number): LimitResult {
    const rule = rules[k.scope];
    if (stamps.length < rule.limit) return { allowed: true };
    // The window frees up when the oldest event that keeps it full leaves it.
    const oldest = stamps[stamps.length - rule.limit] as number;
    return { allowed: false, retryAfter: Math.max(1, Math.ceil((oldest + rule.windowMs - t) / 1000)) };
  }

  return {
    async check(k) {
      const t = now();
      return decide(k, recent(k, t), t);
    },
    async hit(k) {
      const t = now();
      const stamps = recent(k, t);
      const before = decide(k, stamps, t);
      if (!before.allowed) return before;
      const map = windows[k.scope];
      if (!map.has(k.key) && map.size >= maxKeys) {
        const first = map.keys().next();
        if (!first.done) map.delete(first.value);
      }
      stamps.push(t);
      map.set(k.key, stamps);
      return { allowed: true };
    },
    async reset(k) {
      windows[k.scope].delete(k.key);
    },
    async release(k) {
      const stamps = windows[k.scope].get(k.key);
      stamps?.pop();
      if (stamps?.length === 0) windows[k.scope].delete(k.key);
    },
  };
}
