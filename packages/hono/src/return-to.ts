/**
 * Where a browser may be sent back to after a form login: a path of the request's own origin. The candidate is
 * resolved the way a browser resolves a `Location` header (dot segments, backslashes, percent-encoded dots, tabs
 * and newlines are all normalised), and the *result* is what gets checked and returned: checking the raw string and
 * returning the normalised one let `/.//evil.example/x` become `Location: //evil.example/x`, another host.
 */
import type { Context } from "hono";

/** Longest return target accepted (the login schemas allow the same). */
const MAX_LENGTH = 2048;

function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** The same-origin path for `value` against `base`, or `undefined`. */
export function localPath(value: unknown, base: URL): string | undefined {
  if (typeof value !== "string" || value === "" || value.length > MAX_LENGTH || hasControl(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return undefined;
  }
  if (url.origin !== base.origin) return undefined;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // A browser reads `//host` and `/\host` as another host.
  if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return undefined;
  // What the browser will do with the path we send must be exactly what was checked.
  if (new URL(path, base).href !== url.href) return undefined;
  return path;
}

/**
 * A safe return target from the request (a form field, a query parameter): the normalised same-origin path, or
 * `undefined`. Use it before echoing a return target into a page, too: a value this refuses must not reach a form.
 *
 * @example
 * ```ts
 * app.get("/login", (c) => {
 *   const returnTo = safeReturnTo(c, c.req.query("returnTo")); // undefined for anything unsafe
 *   return c.html(loginPage({ step: "login", status: 200, ...(returnTo ? { returnTo } : {}) }));
 * });
 * ```
 */
export function safeReturnTo(c: Context, value: unknown): string | undefined {
  return localPath(value, new URL(c.req.url));
}
