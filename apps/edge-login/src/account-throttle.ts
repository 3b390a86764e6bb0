import { DurableObject } from "cloudflare:workers";
import {
  type Limiter,
  type LimitResult,
  type LimitRule,
  lockoutRules,
  type TransmitLockout,
  windowVerdict,
} from "@transmit-edge/hono";

/** Untrusted attempts (browsers without a device cookie for the account). */
const UNTRUSTED = "failures";
/** Attempts of one device cookie: this prefix + the device id. */
const DEVICE = "device:";

const counterKey = (device: string | undefined) => (device === undefined ? UNTRUSTED : `${DEVICE}${device}`);

/**
 * Login-attempt counters of one account (one object per keyed hash of the normalised username): sliding windows of
 * the times of attempts, one for untrusted attempts and one per device cookie (OWASP device cookies), kept in
 * storage so they hold across isolates and locations (checklist A04, C07). The throttle owns the `failures` and
 * `device:*` keys only; its alarm and `clear` leave any other key of the object alone.
 */
export class AccountThrottle extends DurableObject {
  /** Counts one attempt and decides in one step (a Durable Object runs one call at a time). */
  async hit(nowMs: number, rule: LimitRule, device?: string): Promise<LimitResult> {
    const key = counterKey(device);
    const stamps = await this.recent(key, nowMs, rule.windowMs);
    // A refused attempt is not counted: a flood neither grows the stored window nor pushes the reopening back.
    const verdict = windowVerdict(stamps, nowMs, rule);
    if (!verdict.allowed) return verdict;
    stamps.push(nowMs);
    await this.ctx.storage.put(key, stamps);
    // Forget the counters once the latest window has passed.
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm < nowMs + rule.windowMs) await this.ctx.storage.setAlarm(nowMs + rule.windowMs);
    return verdict;
  }

  /** Takes back the latest attempt (no verdict from Transmit, or a success without a device cookie). */
  async release(nowMs: number, rule: LimitRule, device?: string): Promise<void> {
    const key = counterKey(device);
    const stamps = await this.recent(key, nowMs, rule.windowMs);
    stamps.pop();
    if (stamps.length === 0) await this.ctx.storage.delete(key);
    else await this.ctx.storage.put(key, stamps);
  }

  /** Forgets one counter: the device's after it signed in (untrusted failures are left to age out). */
  async clear(device?: string): Promise<void> {
    await this.ctx.storage.delete(counterKey(device));
  }

  override async alarm(): Promise<void> {
    // Every counted attempt is older than its window by now (the alarm follows the latest one).
    const keys = [UNTRUSTED, ...(await this.ctx.storage.list({ prefix: DEVICE })).keys()];
    // At most 128 keys per delete call.
    for (let i = 0; i < keys.length; i += 128) await this.ctx.storage.delete(keys.slice(i, i + 128));
  }

  private async recent(key: string, nowMs: number, windowMs: number): Promise<number[]> {
    const stamps = (await this.ctx.storage.get<number[]>(key)) ?? [];
    return stamps.filter((t) => t > nowMs - windowMs);
  }
}

/** Settings of {@link edgeLimiter}. */
export interface EdgeLimiterOptions {
  accounts: DurableObjectNamespace<AccountThrottle>;
  /** Workers Rate Limiting binding: per location, eventually consistent; a cheap first layer per IP. */
  ips?: RateLimit;
  /**
   * The tenant's lockout policy (`maxPasswordFailures`, `failuresExpireIn`): the account rules stay below it, so no
   * stranger can get an account suspended at Transmit. Default Transmit's: 5 failures in 15 minutes.
   */
  transmit?: TransmitLockout;
  /** Untrusted attempts per account. Default from hono's `lockoutRules`: 3 per 16 minutes. */
  account?: LimitRule;
  /** Attempts per device cookie of an account. Default from hono's `lockoutRules`: 4 per 16 minutes. */
  device?: LimitRule;
  /** Seconds to announce in `Retry-After` when the per-IP binding refuses (its period). Default 60. */
  ipRetryAfter?: number;
  now?: () => number;
}

/**
 * The router's {@link Limiter}: per-account counters (untrusted, and per device cookie) in Durable Objects, per-IP
 * limits with the binding. The router asks the per-IP layer first, so requests it refuses create no account object.
 */
export function edgeLimiter(options: EdgeLimiterOptions): Limiter {
  const rules = lockoutRules(options.transmit, {
    ...(options.account ? { account: options.account } : {}),
    ...(options.device ? { device: options.device } : {}),
  });
  const now = options.now ?? Date.now;
  const account = (key: string) => options.accounts.get(options.accounts.idFromName(key));
  const ruleOf = (device: string | undefined) => (device === undefined ? rules.account : rules.device);
  const ipRetryAfter = options.ipRetryAfter ?? 60;
  return {
    async hit(k) {
      if (k.scope === "account") return account(k.key).hit(now(), ruleOf(k.device), k.device);
      if (!options.ips) return { allowed: true };
      const { success } = await options.ips.limit({ key: k.key });
      return success ? { allowed: true } : { allowed: false, retryAfter: ipRetryAfter };
    },
    async reset(k) {
      if (k.scope === "account") await account(k.key).clear(k.device);
    },
    async release(k) {
      if (k.scope === "account") await account(k.key).release(now(), ruleOf(k.device), k.device);
    },
  };
}
