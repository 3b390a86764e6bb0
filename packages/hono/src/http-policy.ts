/**
 * Request and response policy of the routes. Hono's own middleware does the generic part (`bodyLimit`); the
 * headers of Hono's `secureHeaders` and `cors` are set the way those set them with our options, without the
 * middleware (~1.3 KB gzip of a Worker for options we do not use); what stays here is stricter than Hono's and ours: the CSRF rule, the content-type-aware CSP
 * and `Cache-Control`, and refusing credentials in the query string.
 */
import type { Context, MiddlewareHandler } from "hono";
import { OptionError } from "./option-error.ts";

/** HSTS of one year (Hono's `secureHeaders` defaults to 180 days, below the one-year minimum we hold to). */
export const HSTS = "max-age=31536000; includeSubDomains";
/** CSP for JSON answers: nothing may load, nothing may frame. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/** Default CSP for pages from a renderer: own styles and images only, no scripts. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Lower-case media type without parameters ("" when absent). */
export function mediaType(c: Context): string {
  return (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** Media types a browser can send cross-site without a CORS preflight (plus a missing one). */
const SIMPLE_TYPES = new Set(["", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]);

/**
 * The headers Hono's `secureHeaders` sets by default, in its order, with HSTS for one year, `X-Frame-Options: DENY`
 * and `Referrer-Policy: same-origin`. Not `no-referrer`: under it browsers send `Origin: null` with the page's own
 * form posts, which the CSRF check (rightly) refuses. `same-origin` still sends nothing to other sites.
 */
const HARDENED = Object.entries({
  "Cross-Origin-Resource-Policy": "same-origin",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Origin-Agent-Cluster": "?1",
  "Referrer-Policy": "same-origin",
  "Strict-Transport-Security": HSTS,
  "X-Content-Type-Options": "nosniff",
  "X-DNS-Prefetch-Control": "off",
  "X-Download-Options": "noopen",
  "X-Frame-Options": "DENY",
  "X-Permitted-Cross-Domain-Policies": "none",
  "X-XSS-Protection": "0",
});

/**
 * Middleware adding security headers to every response: those of Hono's `secureHeaders` with HSTS for one year,
 * `Referrer-Policy: same-origin` and `X-Frame-Options: DENY`; then `Cache-Control: no-store`, a charset on every
 * textual `Content-Type`, and a CSP (`pageCsp` for HTML, a deny-all policy otherwise) unless the response has one.
 * The login routes apply it to themselves.
 *
 * @example
 * ```ts
 * app.use(securityHeaders("default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'"));
 * ```
 */
export function securityHeaders(pageCsp: string = PAGE_CSP): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    await next();
    // A response passed through from fetch has immutable headers: copy it first.
    try {
      c.res.headers.set("Cache-Control", "no-store");
    } catch {
      c.res = new Response(c.res.body, c.res);
    }
    const h = c.res.headers;
    for (const [name, value] of HARDENED) h.set(name, value);
    h.delete("X-Powered-By");
    h.set("Cache-Control", "no-store");
    h.set("Pragma", "no-cache");
    const type = h.get("Content-Type");
    if (!type) h.set("Content-Type", "text/plain; charset=utf-8");
    else if (!/charset=/i.test(type) && /^(text\/|application\/([\w.-]+\+)?json)/i.test(type)) {
      h.set("Content-Type", `${type}; charset=utf-8`);
    }
    if (!h.has("Content-Security-Policy")) {
      h.set("Content-Security-Policy", /^text\/html/i.test(h.get("Content-Type") ?? "") ? pageCsp : API_CSP);
    }
  };
}

/** Origins allowed besides the request's own. `*` and `null` are refused: these answers carry credentials. */
export function originAllowlist(factory: string, origins: readonly string[] | undefined): Set<string> {
  const out = new Set<string>();
  if (origins !== undefined && !Array.isArray(origins)) {
    throw new OptionError(factory, "allowedOrigins", "must be a list of origins like https://app.example");
  }
  (origins ?? []).forEach((o, i) => {
    if (o === "*" || o === "null") throw new OptionError(factory, `allowedOrigins[${i}]`, "cannot be * or null");
    let url: URL;
    try {
      url = new URL(o);
    } catch {
      throw new OptionError(factory, `allowedOrigins[${i}]`, "must be an origin like https://app.example");
    }
    out.add(url.origin);
  });
  return out;
}

/**
 * CORS for allowlisted origins only, with credentials; others get no `Access-Control-Allow-Origin`. The headers,
 * their order and the preflight answer (204) are those of Hono's `cors` with `credentials: true`, methods GET and
 * POST, the `Content-Type` header and a 600 s max age.
 */
export function corsFor(allowed: Set<string>): MiddlewareHandler {
  return async function cors(c, next) {
    const h = c.res.headers;
    const origin = c.req.header("origin");
    if (origin && allowed.has(origin)) h.set("Access-Control-Allow-Origin", origin);
    h.set("Access-Control-Allow-Credentials", "true");
    if (c.req.method === "OPTIONS") {
      h.append("Vary", "Origin");
      h.set("Access-Control-Max-Age", "600");
      h.set("Access-Control-Allow-Methods", "GET,POST");
      h.set("Access-Control-Allow-Headers", "Content-Type");
      h.append("Vary", "Access-Control-Request-Headers");
      h.delete("Content-Length");
      h.delete("Content-Type");
      return new Response(null, { headers: h, status: 204, statusText: "No Content" });
    }
    await next();
    c.header("Vary", "Origin", { append: true });
  };
}

/**
 * CSRF check for unsafe methods, stricter than Hono's `csrf` (which only looks at form-like content types and lets a
 * `Sec-Fetch-Site: same-origin` stand in for the origin): form-like or missing content types need an `Origin` that
 * is the request's own or allowlisted (never `null`), and any request with a foreign `Origin` or
 * `Sec-Fetch-Site: cross-site` (and no allowlisted origin) is refused, JSON included.
 */
export function sameOriginOk(c: Context, allowed: Set<string>): boolean {
  const origin = c.req.header("origin");
  const site = c.req.header("sec-fetch-site");
  const self = new URL(c.req.url).origin;
  const originOk = origin !== undefined && origin !== "null" && (origin === self || allowed.has(origin));
  if (site === "cross-site" && !(origin !== undefined && allowed.has(origin))) return false;
  if (SIMPLE_TYPES.has(mediaType(c))) return originOk;
  return origin === undefined || originOk;
}

/** Query parameters that must never carry credentials (they end up in logs and history). */
const SECRET_QUERY = /^(username|password|newpassword|new_password|passwd|pass|pwd|token|reset_?token)$/i;

/** Whether the URL's query string holds a credential-like parameter. */
export function credentialsInQuery(c: Context): boolean {
  const url = new URL(c.req.url);
  for (const key of url.searchParams.keys()) if (SECRET_QUERY.test(key)) return true;
  return false;
}
