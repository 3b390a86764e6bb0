/**
 * How the login routes use the limiter: one counter per client network and one per account (a keyed hash of the
 * normalised username). Without a limiter (the explicit `limiter: "none"`) every attempt is allowed.
 */
import type { Context } from "hono";
import { type Address, ipLimitKey } from "./client-ip.ts";
import type { Limiter, LimitResult } from "./limiter.ts";

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

  /** Counts a password check for the account, before it is made. */
  account(userKey: string, c: Context): Promise<LimitResult> {
    return this.#limiter ? this.#limiter.hit({ scope: "account", key: userKey }, c) : Promise.resolve(ALLOWED);
  }

  /** Takes back an account attempt that got no verdict from Transmit. */
  async release(userKey: string, c: Context): Promise<void> {
    await this.#limiter?.release?.({ scope: "account", key: userKey }, c);
  }

  /** Forgets the account's attempts after a successful login. */
  async reset(userKey: string, c: Context): Promise<void> {
    await this.#limiter?.reset?.({ scope: "account", key: userKey }, c);
  }
}
