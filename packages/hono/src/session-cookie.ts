/**
 * The session cookie: `__Host-` prefix (so `Secure`, `Path=/` and no `Domain`), `HttpOnly` and an explicit
 * `SameSite`. Hono's `setCookie` sets none of these by default, so every attribute is spelled out here.
 */
import type { Context } from "hono";
import { generateCookie, getCookie } from "hono/cookie";

/**
 * Options for the cookies the router sets.
 *
 * @example
 * ```ts
 * passwordLogin({ client, sessions, cookie: { name: "sid", sameSite: "Strict" } }); // cookie __Host-sid
 * ```
 */
export interface CookieOptions {
  /** Name after the `__Host-` prefix. Default `"session"` (cookie `__Host-session`). */
  name?: string;
  /** `SameSite` attribute. Default `"Lax"`, which lets top-level navigations keep the session. */
  sameSite?: "Lax" | "Strict";
}

/** Resolved cookie settings. */
export interface CookieConfig {
  /** Session cookie name, with prefix. */
  session: string;
  /** Cookie of a pending forced password change. */
  pending: string;
  sameSite: "Lax" | "Strict";
}

/** Longest cookie value read; anything longer is treated as absent. */
const MAX_COOKIE_VALUE = 4096;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Validates cookie options and returns the names to use. */
export function cookieConfig(options: CookieOptions | undefined): CookieConfig {
  const name = options?.name ?? "session";
  if (!NAME.test(name)) throw new TypeError("cookie.name must be 1-64 letters, digits, _ or -");
  const sameSite = options?.sameSite ?? "Lax";
  if (sameSite !== "Lax" && sameSite !== "Strict") throw new TypeError("cookie.sameSite must be Lax or Strict");
  return { session: `__Host-${name}`, pending: `__Host-${name}-pw`, sameSite };
}

/** Reads a cookie value; `undefined` when absent, empty or implausibly long. */
export function readCookie(c: Context, name: string): string | undefined {
  let value: string | undefined;
  try {
    value = getCookie(c, name);
  } catch {
    return undefined;
  }
  if (!value || value.length > MAX_COOKIE_VALUE) return undefined;
  return value;
}

/** A `Set-Cookie` value that sets `name` for `maxAge` seconds. */
export function cookieLine(config: CookieConfig, name: string, value: string, maxAge: number): string {
  return generateCookie(name, value, {
    path: "/",
    secure: true,
    httpOnly: true,
    sameSite: config.sameSite,
    maxAge: Math.max(0, Math.min(34_560_000, Math.floor(maxAge))),
  });
}

/** A `Set-Cookie` value that clears `name` (same attributes, `Max-Age=0`). */
export function clearCookieLine(config: CookieConfig, name: string): string {
  return cookieLine(config, name, "", 0);
}

/** Adds `Set-Cookie` lines to a response. */
export function withCookies(res: Response, lines: readonly string[]): Response {
  for (const line of lines) res.headers.append("Set-Cookie", line);
  return res;
}
