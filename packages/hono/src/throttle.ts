/**
 * How the login routes use the limiter: one counter per client network, and per account (a keyed hash of the
 * normalised username) one for untrusted attempts and one per device cookie. Without a limiter (the explicit
 * `limiter: "none"`) every attempt is allowed.
 */
import type { Context } from "hono";
import { type Address, ipLimitKey } from "./client-ip.ts";
import type { Limiter, LimitKey, LimitResult } from "./limiter.ts";

const ALLOWED: LimitResult = { allowed: true };

/** The counters of one instance. */
export class Throttle {
  readonly #limiter: Limiter | undefined;
  readonly #ipv6Prefix: number;

  constructor(limiter: Limiter | undefined, ipv6Prefix: number) {
    this.#limiter = limiter;
    this.#ipv6Prefix = ipv6Prefix;
  }

  /** Counts an attempt from `address` (nothing to count without an address). */
  ip(address: Address | undefined, c: Context): Promise<LimitResult> {
    if (!this.#limiter || !address) return Promise.resolve(ALLOWED);
    return this.#limiter.hit({ scope: "ip", key: ipLimitKey(address, this.#ipv6Prefix) }, c);
  }

  /**
   * Counts a password check for the account (from the device `device`, when trusted), before it is made; `region`:
   * the region it goes to, when known before counting ({@link LimitKey.region}).
   */
  account(userKey: string, device: string | undefined, c: Context, region?: string): Promise<LimitResult> {
    return this.#limiter ? this.#limiter.hit(accountKey(userKey, device, region), c) : Promise.resolve(ALLOWED);
  }

  /** Takes back an account attempt that got no verdict from Transmit (counted with the same `region`). */
  async release(userKey: string, device: string | undefined, c: Context, region?: string): Promise<void> {
    await this.#limiter?.release?.(accountKey(userKey, device, region), c);
  }

  /**
   * After a successful login. From a trusted device: forgets that device's attempts. Otherwise: takes back only this
   * attempt (it was no failure at Transmit). Earlier untrusted failures stay until their window ends: Transmit is
   * not documented to forget failures on a success, so forgetting ours could let strangers reach its threshold.
   */
  async succeeded(userKey: string, device: string | undefined, c: Context, region?: string): Promise<void> {
    const key = accountKey(userKey, device, region);
    if (this.#limiter?.succeeded) await this.#limiter.succeeded(key, c);
    else if (device === undefined) await this.release(userKey, undefined, c, region);
    else await this.#limiter?.reset?.(key, c);
  }

  /** After a sign-in that was not counted (a forced password change): lets the limiter learn from it. */
  async learned(userKey: string, c: Context): Promise<void> {
    await this.#limiter?.learned?.(accountKey(userKey, undefined), c);
  }
}

function accountKey(userKey: string, device: string | undefined, region?: string): LimitKey {
  const key: LimitKey = { scope: "account", key: userKey };
  if (device !== undefined) key.device = device;
  if (region !== undefined) key.region = region;
  return key;
}
