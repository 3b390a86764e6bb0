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

/** The account's home region (issue 14, home-region.ts): `{ region, at }` (ms), written at each successful login. */
const HOME = "home";
/** How long a home region is kept after the account's last successful login (then the object deletes itself). */
export const HOME_TTL_MS = 400 * 24 * 3_600_000;

interface Home {
  region: string;
  at: number;
}

/** A throttle verdict, with the account's home region when one is known. */
export type AccountVerdict = LimitResult & { home?: string };

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
    await this.keepHome();
  }

  /**
   * {@link hit}, returning the account's home region along with the verdict: the login learns where the account
   * lives in the call that counts the attempt (one Durable Object round trip for both).
   */
  async hitHome(nowMs: number, rule: LimitRule, device?: string): Promise<AccountVerdict> {
    const verdict = await this.hit(nowMs, rule, device);
    // A pending alarm far beyond any window is the home region's (below), which `hit` leaves alone: the counted
    // attempt's alarm comes first; the home alarm is armed again when that one has run.
    const alarm = await this.ctx.storage.getAlarm();
    if (verdict.allowed && alarm !== null && alarm > nowMs + 2 * rule.windowMs) {
      await this.ctx.storage.setAlarm(nowMs + rule.windowMs);
    }
    const home = await this.ctx.storage.get<Home>(HOME);
    return home && home.at + HOME_TTL_MS > nowMs ? { ...verdict, home: home.region } : verdict;
  }

  /**
   * After a successful login in `region`: what the router's `release` (no device cookie: this attempt was no
   * failure) or `reset` (the device's count) would do, and `region` recorded as the account's home. Called after the
   * answer (`waitUntil`), so it costs the login no waiting.
   */
  async succeeded(
    nowMs: number,
    rule: LimitRule,
    device: string | undefined,
    region: string | undefined,
  ): Promise<void> {
    if (device === undefined) await this.release(nowMs, rule);
    else await this.clear(device);
    if (region) await this.ctx.storage.put(HOME, { region, at: nowMs } satisfies Home);
    if ((await this.ctx.storage.getAlarm()) === null) await this.keepHome();
  }

  /** Arms the alarm for the home region's expiry, or forgets the account once it has expired. */
  private async keepHome(): Promise<void> {
    const home = await this.ctx.storage.get<Home>(HOME);
    if (!home) return;
    if (home.at + HOME_TTL_MS <= Date.now()) await this.ctx.storage.deleteAll();
    else await this.ctx.storage.setAlarm(home.at + HOME_TTL_MS);
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
  /**
   * Runs work after the response (`waitUntil`): the post-login write to the account's object (attempt taken back,
   * home region recorded). Default: awaited in line.
   */
  defer?: (task: () => Promise<unknown>) => void;
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
    async hit(k, c) {
      if (k.scope === "account") {
        const { home, ...verdict } = await account(k.key).hitHome(now(), ruleOf(k.device), k.device);
        // Kept for the client choice of this request (home-region.ts); validated there.
        if (home !== undefined) c?.set("accountRegion" as never, home as never);
        return verdict;
      }
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
    async succeeded(k, c) {
      if (k.scope !== "account") return;
      // The region this login succeeded in becomes the account's home (set by the client choice, home-region.ts).
      const region = c?.get("transmitRegion" as never) as string | undefined;
      const task = () => account(k.key).succeeded(now(), ruleOf(k.device), k.device, region);
      if (options.defer) options.defer(task);
      else await task();
    },
  };
}
