// The security headers and CORS are set by src/http-policy.ts itself instead of Hono's `secureHeaders` and `cors`
// middleware, which cost ~1.3 KB gzip of the Worker for options the routes never use. These tests pin both to what
// the middleware sets with the options the routes used, header by header, so nothing was dropped on the way.
import { Hono } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import { describe, expect, it } from "vitest";
import { corsFor, HSTS, originAllowlist, securityHeaders } from "../src/http-policy.ts";

/** Headers that `securityHeaders` adds on top of Hono's list (its own policy: caching, charset, CSP). */
const OWN = new Set(["cache-control", "pragma", "content-type", "content-security-policy"]);

async function headersOf(middleware: Parameters<Hono["use"]>[1]): Promise<Record<string, string>> {
  const app = new Hono();
  app.use(middleware);
  app.get("/", (c) => {
    c.header("X-Powered-By", "framework/1.0");
    return c.json({ ok: true });
  });
  const res = await app.request("https://login.example/");
  return Object.fromEntries([...res.headers].filter(([name]) => !OWN.has(name)));
}

describe("E. security headers", () => {
  it("E01 sets exactly the headers of Hono's secureHeaders with a one-year HSTS, DENY framing and same-origin referrers, and removes X-Powered-By", async () => {
    const reference = await headersOf(
      secureHeaders({
        strictTransportSecurity: HSTS,
        referrerPolicy: "same-origin",
        xFrameOptions: "DENY",
        crossOriginOpenerPolicy: "same-origin",
        crossOriginResourcePolicy: "same-origin",
      }),
    );
    const ours = await headersOf(securityHeaders());
    expect(ours).toEqual(reference);
    expect(ours["x-powered-by"]).toBeUndefined();
    expect(Object.keys(ours).sort()).toEqual([
      "cross-origin-opener-policy",
      "cross-origin-resource-policy",
      "origin-agent-cluster",
      "referrer-policy",
      "strict-transport-security",
      "x-content-type-options",
      "x-dns-prefetch-control",
      "x-download-options",
      "x-frame-options",
      "x-permitted-cross-domain-policies",
      "x-xss-protection",
    ]);
  });

  it("E01 overrides a weaker header a handler set itself (a 1-day HSTS, framing allowed)", async () => {
    const app = new Hono();
    app.use(securityHeaders());
    app.get("/", (c) => {
      c.header("Strict-Transport-Security", "max-age=86400");
      c.header("X-Frame-Options", "ALLOWALL");
      return c.text("ok");
    });
    const res = await app.request("https://login.example/");
    expect(res.headers.get("strict-transport-security")).toBe(HSTS);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
  });
});

describe("D. CORS", () => {
  /** Status and headers of `method` from `origin` through `middleware`, with a handler answering JSON. */
  async function answer(middleware: Parameters<Hono["use"]>[1], method: string, origin?: string) {
    const app = new Hono();
    app.use(middleware);
    app.on(["GET", "POST"], "/auth/login", (c) => c.json({ ok: true }));
    const headers: Record<string, string> = { "access-control-request-method": "POST" };
    if (origin !== undefined) headers.origin = origin;
    const res = await app.request("https://login.example/auth/login", { method, headers });
    return { status: res.status, statusText: res.statusText, headers: [...res.headers] };
  }

  it("D02 answers preflights and requests, allowlisted, foreign, null or without Origin, exactly as Hono's cors with the same options", async () => {
    const allowed = originAllowlist("test", ["https://app.example"]);
    const reference = cors({
      origin: (origin) => (allowed.has(origin) ? origin : null),
      credentials: true,
      allowMethods: ["GET", "POST"],
      allowHeaders: ["Content-Type"],
      maxAge: 600,
    });
    for (const method of ["OPTIONS", "GET", "POST"]) {
      for (const origin of ["https://app.example", "https://evil.example", "null", "", undefined]) {
        const ours = await answer(corsFor(allowed), method, origin);
        expect({ method, origin, ...ours }).toEqual({ method, origin, ...(await answer(reference, method, origin)) });
        expect(ours.headers.some(([name, value]) => name === "access-control-allow-origin" && value === "*")).toBe(
          false,
        );
      }
    }
  });
});
