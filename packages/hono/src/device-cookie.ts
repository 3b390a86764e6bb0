/**
 * Device cookies, after OWASP's "Slow Down Online Guessing Attacks with Device Cookies": a browser that signed in to
 * an account gets a signed cookie entry naming that account (by the keyed hash of the username exactly as typed, never
 * the normalised one two accounts can share: attack2 F4b). Its later attempts on that account
 * are counted per device, apart from untrusted attempts, so strangers who use up an account's untrusted attempts do
 * not lock its owner out. One cookie holds the entries of the last few accounts signed in on the browser.
 */
import type { Context } from "hono";
import type { SessionCookies } from "./cookies.ts";
import { deriveKey, randomId, toBase64Url } from "./crypto.ts";
import { integerIn, OptionError } from "./option-error.ts";

/**
 * Device cookie settings of an instance (`transmitAuth({ deviceCookie })`). `false` turns device cookies off: every
 * attempt is then untrusted, and strangers who use up an account's attempts lock its owner out too.
 *
 * @example
 * ```ts
 * transmitAuth({ client, sessions, limiter, userKeySecret: env.USER_KEY_SECRET, deviceCookie: { maxAge: 30 * 86_400 } });
 * ```
 */
export interface DeviceCookieOptions {
  /** Seconds a browser stays trusted after its last sign-in to an account. Default 7,776,000 (90 days). */
  maxAge?: number;
}

/** Entries per browser: the newest sign-ins, and the newest second factors (a trusted-device window each). */
const MAX_ENTRIES = 6;
/**
 * The key an entry is signed for when it records a second factor (never valid as a sign-in entry): the Transmit user
 * id the verified tokens named, never the typed username's normalised hash, which two accounts can share (usernames that differ
 * only in case or NFKC form normalise alike: attack2 F4).
 */
const mfaKey = (userId: string) => `mfa\u0000user\u0000${userId}`;
const ENTRY = /^([0-9a-z]{1,10})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$/;
const encoder = new TextEncoder();

interface Entry {
  expires: number;
  nonce: string;
  mac: string;
}

function parse(value: string | undefined): Entry[] {
  const out: Entry[] = [];
  for (const part of (value ?? "").split("~").slice(0, MAX_ENTRIES)) {
    const m = ENTRY.exec(part);
    if (m) out.push({ expires: Number.parseInt(m[1] as string, 36), nonce: m[2] as string, mac: m[3] as string });
  }
  return out;
}

/** Compares two strings in time that depends only on their length. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The device cookie of one instance: its key, its lifetime and its clock. */
export class DeviceCookies {
  readonly #secret: string;
  readonly #cookies: SessionCookies;
  readonly #now: () => number;
  readonly maxAge: number;
  #key: Promise<CryptoKey> | undefined;

  constructor(factory: string, secret: string, cookies: SessionCookies, now: () => number, options: unknown) {
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      throw new OptionError(factory, "deviceCookie", "must be { maxAge? } or false");
    }
    this.maxAge = integerIn(
      factory,
      "deviceCookie.maxAge",
      (options as DeviceCookieOptions | undefined)?.maxAge,
      7_776_000,
      3600,
      34_560_000,
    );
    this.#secret = secret;
    this.#cookies = cookies;
    this.#now = now;
  }

  // Created on first use: workerd refuses crypto work at module scope.
  async #mac(key: string, expires: number, nonce: string): Promise<string> {
    this.#key ??= deriveKey(this.#secret, "device-cookie v1", { name: "HMAC", hash: "SHA-256", length: 256 }, ["sign"]);
    const data = encoder.encode(`${key}\u0000${expires.toString(36)}\u0000${nonce}`);
    const sig = await crypto.subtle.sign("HMAC", await this.#key, data);
    return toBase64Url(new Uint8Array(sig).subarray(0, 16));
  }

  async #valid(entry: Entry, key: string, t: number): Promise<boolean> {
    return entry.expires > t && sameText(entry.mac, await this.#mac(key, entry.expires, entry.nonce));
  }

  /**
   * The device id when the request carries an unexpired entry signed for `deviceKey` (`UserKeyHasher.exact` of the
   * username); `undefined` otherwise.
   */
  async trusted(c: Context, deviceKey: string): Promise<string | undefined> {
    const t = Math.floor(this.#now() / 1000);
    for (const entry of parse(this.#cookies.read(c, "device"))) {
      if (await this.#valid(entry, deviceKey, t)) return entry.nonce;
    }
    return undefined;
  }

  /** Whether a second factor of `userId` (Transmit's `sub`) from this browser is recent enough to skip the next one. */
  async mfaTrusted(c: Context, userId: string): Promise<boolean> {
    return (await this.trusted(c, mfaKey(userId))) !== undefined;
  }

  /**
   * The `Set-Cookie` line after a sign-in to `deviceKey` (`UserKeyHasher.exact` of the username): a new entry for it first (and, with `mfaFor` seconds and the
   * Transmit `userId`, one recording a second factor of that user that long), then the browser's other unexpired
   * entries (the accounts it signed in to before), at most {@link MAX_ENTRIES} in all.
   */
  async issue(c: Context, deviceKey: string, mfaFor = 0, userId?: string): Promise<string> {
    // A second-factor entry names the Transmit user (never only the username's hash).
    const mfa = userId === undefined ? 0 : mfaFor;
    const t = Math.floor(this.#now() / 1000);
    const entry = async (key: string, expires: number, nonce = randomId(16)) =>
      `${expires.toString(36)}.${nonce}.${await this.#mac(key, expires, nonce)}`;
    const parts = [await entry(deviceKey, t + this.maxAge)];
    if (mfa > 0) parts.push(await entry(mfaKey(userId as string), t + Math.min(mfa, this.maxAge)));
    for (const entry of parse(this.#cookies.read(c, "device"))) {
      if (parts.length >= MAX_ENTRIES) break;
      // An entry of this account is replaced by the new one; entries of other accounts cannot be checked here. A
      // second-factor entry stays (its window does not restart) unless a new one was just made.
      if (entry.expires <= t || (await this.#valid(entry, deviceKey, t))) continue;
      if (mfa > 0 && (await this.#valid(entry, mfaKey(userId as string), t))) continue;
      parts.push(`${entry.expires.toString(36)}.${entry.nonce}.${entry.mac}`);
    }
    return this.#cookies.line("device", parts.join("~"), this.maxAge);
  }
}
