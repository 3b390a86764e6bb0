/**
 * Request and response policy shared by every route: security headers, CORS allowlist, CSRF origin check,
 * body size limit, method checks. Each is a plain function or Hono middleware so the router reads top-down.
 */
import type { Context, MiddlewareHandler } from "hono";
import { problemResponse } from "./problem.ts";

/** HSTS of one year (hono's `secureHeaders` defaults to 180 days, below the checklist's minimum). */
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
 * Middleware adding security headers to every response: HSTS for one year (hono's `secureHeaders` defaults to 180
 * days), `nosniff`, `Referrer-Policy: same-origin`, `X-Frame-Options: DENY`, COOP/CORP, `Cache-Control: no-store`,
 * a charset on every textual `Content-Type`, and a CSP (`pageCsp` for HTML, a deny-all policy otherwise) unless the
 * response already has one. `passwordLogin` applies it to its own routes.
 *
 * @example
 * ```ts
 * app.use(securityHeaders("default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'"));
 * ```
 */
export function securityHeaders(pageCsp: string = PAGE_CSP): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    await next();
    let res = c.res;
    try {
      res.headers.set("X-Content-Type-Options", "nosniff");
    } catch {
      // Immutable headers (a fetched response passed through): copy it.
      res = new Response(res.body, res);
      c.res = res;
    }
    const h = res.headers;
    h.set("Strict-Transport-Security", HSTS);
    h.set("X-Content-Type-Options", "nosniff");
    // Not `no-referrer`: under it browsers send `Origin: null` with the page's own form posts, which the CSRF check
    // (rightly) refuses. `same-origin` still sends nothing to other sites.
    h.set("Referrer-Policy", "same-origin");
    h.set("X-Frame-Options", "DENY");
    h.set("Cross-Origin-Opener-Policy", "same-origin");
    h.set("Cross-Origin-Resource-Policy", "same-origin");
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

/** Origins allowed besides the request's own. `*` is refused: these answers carry credentials. */
export function originAllowlist(origins: readonly string[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const o of origins ?? []) {
    if (o === "*" || o === "null") throw new TypeError("passwordLogin: `allowedOrigins` cannot contain * or null");
    let url: URL;
    try {
      url = new URL(o);
    } catch {
      throw new TypeError("passwordLogin: every entry of `allowedOrigins` must be an origin like https://app.example");
    }
    out.add(url.origin);
  }
  return out;
}

/** CORS for allowlisted origins only; preflights from anywhere else get no `Access-Control-Allow-Origin`. */
export function cors(allowed: Set<string>): MiddlewareHandler {
  return async function cors(c, next) {
    const origin = c.req.header("origin");
    const ok = origin !== undefined && allowed.has(origin);
    if (c.req.method === "OPTIONS") {
      const headers: Record<string, string> = { Vary: "Origin" };
      if (ok) {
        headers["Access-Control-Allow-Origin"] = origin;
        headers["Access-Control-Allow-Credentials"] = "true";
        headers["Access-Control-Allow-Methods"] = "GET, POST";
        headers["Access-Control-Allow-Headers"] = "Content-Type";
        headers["Access-Control-Max-Age"] = "600";
      }
      c.res = new Response(null, { status: 204, headers });
      return;
    }
    await next();
    c.res.headers.append("Vary", "Origin");
    if (ok) {
      c.res.headers.set("Access-Control-Allow-Origin", origin);
      c.res.headers.set("Access-Control-Allow-Credentials", "true");
    }
  };
}

/**
 * CSRF check for unsafe methods. Form-like or missing content types need an `Origin` that is the request's own
 * or allowlisted; any request with a foreign `Origin` or `Sec-Fetch-Site: cross-site` (and no allowlisted
 * origin) is refused, JSON included.
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

/**
 * Reads the body with a cap, whatever `Content-Length` says (chunked bodies too), and re-attaches it so the
 * validators can parse it. Returns a 413 response when the cap is exceeded.
 */
export async function limitBody(c: Context, maxBytes: number): Promise<Response | undefined> {
  const raw = c.req.raw;
  const declared = raw.headers.get("content-length");
  if (declared !== null && !(Number(declared) <= maxBytes)) return problemResponse("payload_too_large");
  if (!raw.body) return undefined;
  const reader = raw.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return problemResponse("payload_too_large");
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const headers = new Headers(raw.headers);
  headers.delete("transfer-encoding");
  headers.set("content-length", String(size));
  // Built from the original request so platform fields (Workers' `request.cf`) survive.
  c.req.raw = new Request(raw, { headers, body });
  return undefined;
}

/** 405 with `Allow`. */
export function methodNotAllowed(allow: string): () => Response {
  return () => problemResponse("method_not_allowed", { headers: { Allow: allow } });
}

/** Query parameters that must never carry credentials (they end up in logs and history). */
const SECRET_QUERY = /^(username|password|newpassword|new_password|passwd|pass|pwd|token|reset_?token)$/i;

/** Whether the URL's query string holds a credential-like parameter. */
export function credentialsInQuery(c: Context): boolean {
  const url = new URL(c.req.url);
  for (const key of url.searchParams.keys()) if (SECRET_QUERY.test(key)) return true;
  return false;
}
