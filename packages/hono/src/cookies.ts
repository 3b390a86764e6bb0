/**
 * The instance's cookies, with the `host` prefix: `__Host-` names are `Secure`, `Path=/` and never carry a `Domain`,
 * so no sibling subdomain can set or read them; `HttpOnly` and an explicit `SameSite` too. Read and written here
 * with the rules of Hono's cookie helper for the one shape we use (smaller than its general parser and serialiser).
 */
import type { Context } from "hono";
import { tryDecodeURIComponent } from "hono/utils/url";
import { OptionError } from "./option-error.ts";

const SPACE = /^[ \t]+|[ \t]+$/g;
const VALUE = /^[ !#-:<-[\]-~]*$/;

/**
 * The value of cookie `name` in the request, read as Hono's `getCookie(c, name)` reads it: the first `name=value`
 * pair whose value is valid (RFC 6265 characters, surrounding quotes removed), percent-decoded; `undefined` when none.
 */
export function readCookie(c: Context, name: string): string | undefined {
  const header = c.req.raw.headers.get("Cookie");
  if (!header?.includes(name)) return undefined;
  for (const pair of header.split(";")) {
    const at = pair.indexOf("=");
    if (at < 0 || pair.slice(0, at).replace(SPACE, "") !== name) continue;
    let value = pair.slice(at + 1).replace(SPACE, "");
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (VALUE.test(value)) return tryDecodeURIComponent(value);
  }
  return undefined;
}

/**
 * Names and `SameSite` of the cookies an instance sets.
 *
 * @example
 * ```ts
 * transmitAuth({ client, sessions, limiter, userKeySecret: env.USER_KEY_SECRET, cookie: { name: "sid", sameSite: "Strict" } });
 * ```
 */
export interface CookieOptions {
  /** Name after the `__Host-` prefix. Default `"session"` (cookie `__Host-session`). */
  name?: string;
  /** `SameSite` attribute. Default `"Lax"`, which lets top-level navigations keep the session. */
  sameSite?: "Lax" | "Strict";
}

/** Which cookie: the session, a pending forced password change, or the browser's device cookie. */
export type CookieKind = "session" | "pending" | "device" | "reset";

/** Longest cookie value read; anything longer is treated as absent. */
const MAX_COOKIE_VALUE = 4096;
/** Longest `Max-Age` Hono (and RFC 6265bis) allows: 400 days. */
const MAX_AGE = 34_560_000;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The session cookie and the pending-change cookie of one instance. */
export class SessionCookies {
  readonly #names: Record<CookieKind, string>;
  readonly #sameSite: "Lax" | "Strict";

  constructor(factory: string, options: CookieOptions | undefined) {
    const name = options?.name ?? "session";
    if (typeof name !== "string" || !NAME.test(name)) {
      throw new OptionError(factory, "cookie.name", "must be 1-64 letters, digits, _ or -");
    }
    const sameSite = options?.sameSite ?? "Lax";
    if (sameSite !== "Lax" && sameSite !== "Strict") {
      throw new OptionError(factory, "cookie.sameSite", 'must be "Lax" or "Strict"');
    }
    this.#names = { session: name, pending: `${name}-pw`, device: `${name}-device`, reset: `${name}-reset` };
    this.#sameSite = sameSite;
  }

  /** The cookie's value in the request; `undefined` when absent, empty or implausibly long. */
  read(c: Context, kind: CookieKind): string | undefined {
    let value: string | undefined;
    try {
      value = readCookie(c, `__Host-${this.#names[kind]}`);
    } catch {
      return undefined;
    }
    return value && value.length <= MAX_COOKIE_VALUE ? value : undefined;
  }

  /** A `Set-Cookie` value that sets the cookie for `maxAge` seconds (0 clears it). */
  line(kind: CookieKind, value: string, maxAge: number): string {
    const age = Math.max(0, Math.min(MAX_AGE, Math.floor(maxAge))) | 0;
    return `__Host-${this.#names[kind]}=${encodeURIComponent(value)}; Max-Age=${age}; Path=/; HttpOnly; Secure; SameSite=${this.#sameSite}`;
  }

  /** A `Set-Cookie` value that clears the cookie (same attributes, `Max-Age=0`). */
  clear(kind: CookieKind): string {
    return this.line(kind, "", 0);
  }

  /** Sets the cookie on the context's response (for middleware, around `next()`). */
  set(c: Context, kind: CookieKind, value: string, maxAge: number): void {
    c.header("Set-Cookie", this.line(kind, value, maxAge), { append: true });
  }
}

/** Adds `Set-Cookie` lines to a response (copied first when its headers are immutable). */
export function withCookies(res: Response, lines: readonly string[]): Response {
  if (lines.length === 0) return res;
  let out = res;
  try {
    for (const line of lines) out.headers.append("Set-Cookie", line);
  } catch {
    out = new Response(res.body, res);
    for (const line of lines) out.headers.append("Set-Cookie", line);
  }
  return out;
}
