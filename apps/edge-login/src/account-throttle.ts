import { DurableObject } from "cloudflare:workers";
import { type Limiter, type LimitResult, windowVerdict } from "@transmit-edge/hono";

const STAMPS = "failures";
/** The account's home region: `{ region, at }` (ms), written at each successful login. */
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
    // The window has passed; the home region outlives it until HOME_TTL_MS after the last success.
    const home = await this.ctx.storage.get<Home>(HOME);
    if (!home || home.at + HOME_TTL_MS <= Date.now()) {
      await this.ctx.storage.deleteAll();
      return;
    }
    await this.ctx.storage.delete(STAMPS);
    await this.ctx.storage.setAlarm(home.at + HOME_TTL_MS);
  }

  /**
   * {@link hit}, returning the account's home region along with the verdict: the login learns where the account
   * lives in the call that counts the attempt (one Durable Object round trip for both).
   */
  async hitHome(nowMs: number, limit: number, windowMs: number): Promise<AccountVerdict> {
    const verdict = await this.hit(nowMs, limit, windowMs);
    const home = await this.ctx.storage.get<Home>(HOME);
    return home ? { ...verdict, home: home.region } : verdict;
  }

  /**
   * After a successful login in `region`: forgets the attempts and records `region` as the account's home. Called
   * after the response is sent (`waitUntil`), so it costs the login no waiting.
   */
  async succeeded(nowMs: number, region: string | undefined): Promise<void> {
    await this.ctx.storage.delete(STAMPS);
    if (!region) return;
    await this.ctx.storage.put(HOME, { region, at: nowMs } satisfies Home);
    await this.ctx.storage.setAlarm(nowMs + HOME_TTL_MS);
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
  /**
   * Runs work after the response (`waitUntil`): the post-login write to the account's object (attempts forgotten,
   * home region recorded). Default: awaited in line.
   */
  defer?: (task: () => Promise<unknown>) => void;
}

/** The router's {@link Limiter}: per-account counters in Durable Objects, per-IP limits with the binding. */
export function edgeLimiter(options: EdgeLimiterOptions): Limiter {
  const { limit, windowMs } = options.account ?? { limit: 10, windowMs: 3_600_000 };
  const now = options.now ?? Date.now;
  const account = (key: string) => options.accounts.get(options.accounts.idFromName(key));
  const ipRetryAfter = options.ipRetryAfter ?? 60;
  return {
    async hit(k, c) {
      if (k.scope === "account") {
        const { home, ...verdict } = await account(k.key).hitHome(now(), limit, windowMs);
        // Kept for the client choice of this request (home-region.ts); validated there.
        if (home !== undefined) c?.set("accountRegion" as never, home as never);
        return verdict;
      }
      if (!options.ips) return { allowed: true };
      const { success } = await options.ips.limit({ key: k.key });
      return success ? { allowed: true } : { allowed: false, retryAfter: ipRetryAfter };
    },
    async reset(k, c) {
      if (k.scope !== "account") return;
      // The region this login succeeded in becomes the account's home (set by the client choice, home-region.ts).
      const region = c?.get("transmitRegion" as never) as string | undefined;
      const task = () => account(k.key).succeeded(now(), region);
      if (options.defer) options.defer(task);
      else await task();
    },
    async release(k) {
      if (k.scope === "account") await account(k.key).release(now(), windowMs);
    },
  };
}
