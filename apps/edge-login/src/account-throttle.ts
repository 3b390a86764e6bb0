import { DurableObject } from "cloudflare:workers";
import {
  type Limiter,
  type LimitKey,
  type LimitResult,
  type LimitRule,
  lockoutRules,
  type TransmitLockout,
  windowVerdict,
} from "@transmit-edge/hono";
import type { Context } from "hono";
import { accountLogin } from "./account-login.ts";
import { TOKEN_CACHE_HINTS } from "./client-token-cache.ts";
import { jurisdictionOf, placed } from "./residency.ts";

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

/** When the other jurisdiction's object of this account was last told the home region: `{ region, at }`. */
const TOLD = "told";
/** Tell the other jurisdiction again after this long (its pointer then outlives any 400-day gap between logins). */
const RETELL_MS = 30 * 24 * 3_600_000;

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
    const home = await this.home(nowMs);
    return home ? { ...verdict, home } : verdict;
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
  ): Promise<boolean> {
    if (device === undefined) await this.release(nowMs, rule);
    else await this.clear(device);
    return region ? this.point(region, nowMs) : false;
  }

  /**
   * Records `region` as the account's home as of `at` (a success here, or one that another jurisdiction's object of
   * the account saw: a pointer, see docs/regions.md, "The hand-over"). An older report never replaces a newer one.
   * Returns whether the other jurisdiction's object should be told (a new region, or not told for 30 days); the
   * caller marks it {@link told} once the tell has succeeded: marked before, one failed tell left the pointer missing
   * for 30 days (attack4 F6).
   */
  async point(region: string, at: number): Promise<boolean> {
    const home = await this.ctx.storage.get<Home>(HOME);
    if (!home || home.at <= at) await this.ctx.storage.put(HOME, { region, at } satisfies Home);
    const told = await this.ctx.storage.get<Home>(TOLD);
    const tell = !told || told.region !== region || told.at + RETELL_MS <= at;
    if ((await this.ctx.storage.getAlarm()) === null) await this.keepHome();
    return tell;
  }

  /** The other jurisdiction's object of this account now knows `region` as of `at` (after a successful tell). */
  async told(region: string, at: number): Promise<void> {
    const told = await this.ctx.storage.get<Home>(TOLD);
    if (!told || told.at <= at) await this.ctx.storage.put(TOLD, { region, at } satisfies Home);
  }

  /** The account's home region, when one was learnt in the last 400 days. */
  async home(nowMs: number): Promise<string | undefined> {
    const home = await this.ctx.storage.get<Home>(HOME);
    return home && home.at + HOME_TTL_MS > nowMs ? home.region : undefined;
  }

  /** A login handed over by the Worker (account-login.ts): runs here, next to the account's counters. */
  override fetch(request: Request): Promise<Response> {
    return accountLogin(this, this.env as Env, request);
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

/** Settings of {@link edgeLimiter}, the Worker's limiter: per IP, and what a forced password change teaches. */
export interface EdgeLimiterOptions {
  accounts: DurableObjectNamespace<AccountThrottle>;
  /** Workers Rate Limiting binding: per location, eventually consistent; a cheap first layer per IP. */
  ips?: RateLimit;
  /** The tenant's lockout policy, checked when the Worker starts (the account's object applies it). */
  transmit?: TransmitLockout;
  /** Seconds to announce in `Retry-After` when the per-IP binding refuses (its period). Default 60. */
  ipRetryAfter?: number;
  now?: () => number;
  /** Runs work after the response (`waitUntil`): recording the home region. Default: awaited in line. */
  defer?: (task: () => Promise<unknown>) => void;
  /** False only for local development (workerd has no jurisdictions): `ALLOW_NO_JURISDICTION=true`. */
  enforceJurisdictions?: boolean;
  /** The configured regions: a home region is also told to the other jurisdiction's object when they mix EU and not. */
  regions?: readonly string[];
}

/**
 * The object of an account (keyed hash `userKey`) for logins to `region`: in the `eu` jurisdiction for EU, in the
 * default namespace otherwise (residency.ts), created near the region (`locationHint`). Locally, without
 * jurisdictions, the EU object is still a different one (its name says `eu:`), as it is deployed.
 */
export function accountObject(
  accounts: DurableObjectNamespace<AccountThrottle>,
  userKey: string,
  region: string,
  enforce = true,
): DurableObjectStub<AccountThrottle> {
  const j = jurisdictionOf(region);
  const ns = placed(accounts, j, enforce);
  const hint = TOKEN_CACHE_HINTS[region];
  return ns.get(ns.idFromName(j && !enforce ? `${j}:${userKey}` : userKey), hint ? { locationHint: hint } : {});
}

/**
 * After a success in `region` the account's object in the other jurisdiction learns the home region too (only when
 * the configuration mixes EU with other regions), so that a login that first reaches that object (a traveller) is
 * sent to the right one before its password is read. Only the region's name and the time cross.
 */
export async function tellOther(
  accounts: DurableObjectNamespace<AccountThrottle>,
  userKey: string,
  region: string,
  at: number,
  regions: readonly string[],
  enforce = true,
): Promise<void> {
  const eu = jurisdictionOf(region) === "eu";
  const other = regions.find((r) => (jurisdictionOf(r) === "eu") !== eu);
  if (other) await accountObject(accounts, userKey, other, enforce).point(region, at);
}

/**
 * The Worker's {@link Limiter}: per-IP limits with the binding, asked before a login is handed to its account's
 * object, so requests it refuses create no account object (checklist H12). The per-account counters (untrusted, and
 * per device cookie) live in that object, which runs the login with a limiter on its own storage (account-login.ts).
 */
export function edgeLimiter(options: EdgeLimiterOptions): Limiter {
  // Checked here too, so a policy the throttle cannot stay below fails when the Worker starts (checklist G01).
  const rules = lockoutRules(options.transmit);
  const ruleOf = (device: string | undefined) => (device === undefined ? rules.account : rules.device);
  const now = options.now ?? Date.now;
  const ipRetryAfter = options.ipRetryAfter ?? 60;
  const enforce = options.enforceJurisdictions ?? true;
  // Counters of the account's requests that run here, in the Worker: sign-up and forgot password (devices "signup"
  // and "reset") and second-factor codes (keys `mfa.*` and `mfa-send.*`). Keyed hashes and times only, kept in the
  // jurisdiction of the region the request goes to, so an EU account's stay in the EU (attack4 F3): the region the
  // router gives (a second factor's pending login, forgot password's link), else the route's guess (sign-up).
  const counters = (k: LimitKey, c: Context | undefined) => {
    const region = k.region ?? (c?.get("regionGuess" as never) as { region: string } | undefined)?.region;
    return region
      ? accountObject(options.accounts, k.key, region, enforce)
      : options.accounts.get(options.accounts.idFromName(k.key));
  };
  /** `region` becomes the account's home, in its object and as a pointer in the other jurisdiction's. */
  const home = async (key: string, region: string) => {
    const at = now();
    const own = accountObject(options.accounts, key, region, enforce);
    if (await own.point(region, at)) {
      await tellOther(options.accounts, key, region, at, options.regions ?? [], enforce);
      await own.told(region, at);
    }
  };
  const later = async (task: () => Promise<unknown>) => {
    if (options.defer) options.defer(task);
    else await task();
  };
  return {
    async hit(k, c) {
      if (k.scope === "account") {
        // Logins are handed over before the router counts them (account-login.ts): what reaches this side is one
        // of the requests above, never a password check.
        const { home: region, ...verdict } = await counters(k, c).hitHome(now(), ruleOf(k.device), k.device);
        // Forgot password goes to the account's home region when it is known (home-region.ts validates it).
        if (region !== undefined) c?.set("accountRegion" as never, region as never);
        return verdict;
      }
      if (!options.ips) return { allowed: true };
      const { success } = await options.ips.limit({ key: k.key });
      return success ? { allowed: true } : { allowed: false, retryAfter: ipRetryAfter };
    },
    async release(k, c) {
      if (k.scope === "account") await counters(k, c).release(now(), ruleOf(k.device), k.device);
    },
    async reset(k, c) {
      if (k.scope === "account") await counters(k, c).clear(k.device);
    },
    // A new account: its counter is taken back and the region it was created in becomes its home (sign-up).
    async succeeded(k, c) {
      if (k.scope !== "account") return;
      const region = c?.get("transmitRegion" as never) as string | undefined;
      await later(async () => {
        await counters(k, c).succeeded(now(), ruleOf(k.device), k.device, undefined);
        if (region && k.device === "signup") await home(k.key, region);
      });
    },
    // The end of a forced password change or of a second factor (not counted here): its region becomes the
    // account's home, as at a login.
    async learned(k, c) {
      const region = c?.get("transmitRegion" as never) as string | undefined;
      if (k.scope !== "account" || !region) return;
      await later(() => home(k.key, region));
    },
  };
}
