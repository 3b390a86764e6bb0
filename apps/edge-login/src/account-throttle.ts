import { DurableObject } from "cloudflare:workers";
import { type Limiter, type LimitResult, windowVerdict } from "@transmit-edge/hono";

const STAMPS = "failures";

/**
 * Login-attempt counter of one account (one object per keyed hash of the normalised username): a sliding window of
 * the times of attempts since the last success, kept in storage, so it holds across isolates and locations
 * (checklist A04, C07).
 */
export class AccountThrottle extends DurableObject {
  /** Counts one attempt and decides in one step (a Durable Object runs one call at a time). */
  async hit(nowMs: number, limit: number, windowMs: number): Promise<LimitResult> {
    const stamps = await this.recent(nowMs, windowMs);
    // A refused attempt is not counted: a flood neither grows the stored window nor pushes the reopening back.
    const verdict = windowVerdict(stamps, nowMs, { limit, windowMs });
    if (!verdict.allowed) return verdict;
    stamps.push(nowMs);
    await this.ctx.storage.put(STAMPS, stamps);
    // Forget the account once its window has passed.
    await this.ctx.storage.setAlarm(nowMs + windowMs);
    return verdict;
  }

  /** Takes back the latest attempt (it got no verdict from Transmit). */
  async release(nowMs: number, windowMs: number): Promise<void> {
    const stamps = await this.recent(nowMs, windowMs);
    stamps.pop();
    await this.ctx.storage.put(STAMPS, stamps);
  }

  async clear(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  private async recent(nowMs: number, windowMs: number): Promise<number[]> {
    const stamps = (await this.ctx.storage.get<number[]>(STAMPS)) ?? [];
    return stamps.filter((t) => t > nowMs - windowMs);
  }
}

/** Settings of {@link edgeLimiter}. */
export interface EdgeLimiterOptions {
  accounts: DurableObjectNamespace<AccountThrottle>;
  /** Workers Rate Limiting binding: per location, eventually consistent; a cheap first layer per IP. */
  ips?: RateLimit;
  /** Login attempts per account since its last success, per window. Default 10 per hour. */
  account?: { limit: number; windowMs: number };
  /** Seconds to announce in `Retry-After` when the per-IP binding refuses (its period). Default 60. */
  ipRetryAfter?: number;
  now?: () => number;
}

/** The router's {@link Limiter}: per-account counters in Durable Objects, per-IP limits with the binding. */
export function edgeLimiter(options: EdgeLimiterOptions): Limiter {
  const { limit, windowMs } = options.account ?? { limit: 10, windowMs: 3_600_000 };
  const now = options.now ?? Date.now;
  const account = (key: string) => options.accounts.get(options.accounts.idFromName(key));
  const ipRetryAfter = options.ipRetryAfter ?? 60;
  return {
    async hit(k) {
      if (k.scope === "account") return account(k.key).hit(now(), limit, windowMs);
      if (!options.ips) return { allowed: true };
      const { success } = await options.ips.limit({ key: k.key });
      return success ? { allowed: true } : { allowed: false, retryAfter: ipRetryAfter };
    },
    async reset(k) {
      if (k.scope === "account") await account(k.key).clear();
    },
    async release(k) {
      if (k.scope === "account") await account(k.key).release(now(), windowMs);
    },
  };
}
