// Checklist section D: CSRF and CORS.
import { Hono } from "hono";
import { csrf } from "hono/csrf";
import { describe, expect, it } from "vitest";
import { CLIENT_IP, ORIGIN, setup, signIn, withCookie } from "./helpers.ts";

const CROSS_SITE: [string, Record<string, string>][] = [
  ["foreign Origin", { origin: "https://evil.example" }],
  ["null Origin", { origin: "null" }],
  ["absent Origin", {}],
  ["Sec-Fetch-Site: cross-site", { origin: ORIGIN, "sec-fetch-site": "cross-site" }],
];
const SIMPLE_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "text/plain", undefined];

describe("D. CSRF and CORS", () => {
  it("D01 cross-site unsafe requests to /login, /logout, /refresh with simple or missing content types get 403; no handler runs", async () => {
    const s = setup({ auth: { allowedOrigins: ["https://partner.example"] } });
    const cookie = await signIn(s, "alice");
    const before = s.fake.calls.length;
    for (const path of ["/auth/login", "/auth/logout", "/auth/refresh", "/auth/password"]) {
      for (const [, headers] of CROSS_SITE) {
        for (const type of SIMPLE_TYPES) {
          const h: Record<string, string> = { cookie, "cf-connecting-ip": CLIENT_IP, ...headers };
          if (type) h["content-type"] = type;
          const res = await s.app.request(`${ORIGIN}${path}`, {
            method: "POST",
            headers: h,
            body: type ? "username=alice&password=pw-alice" : undefined,
          });
          expect(res.status).toBe(403);
          expect((await res.json()).type).toBe("urn:transmit-edge:problem:forbidden_origin");
        }
      }
    }
    expect(s.fake.calls.length).toBe(before);
    // The session survived every attempt to log it out.
    expect((await withCookie(s.app, "/api/me", cookie)).status).toBe(200);
  });

  it("D01 JSON from a foreign origin is refused too; JSON without Origin (server to server) is accepted", async () => {
    const s = setup();
    const body = JSON.stringify({ username: "alice", password: "pw-alice" });
    const foreign = await s.app.request(`${ORIGIN}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://evil.example" },
      body,
    });
    expect(foreign.status).toBe(403);
    const server = await s.app.request(`${ORIGIN}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(server.status).toBe(200);
    expect(s.fake.count("authenticate")).toBe(1);
  });

  it("D01 an allowlisted origin may post", async () => {
    const s = setup({ auth: { allowedOrigins: ["https://partner.example"] } });
    const res = await s.app.request(`${ORIGIN}/auth/login`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: "https://partner.example",
        "sec-fetch-site": "cross-site",
      },
      body: JSON.stringify({ username: "alice", password: "pw-alice" }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://partner.example");
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
  });

  it("D02 preflights from origins off the allowlist (or null) get no Access-Control-Allow-Origin; * is never used", async () => {
    const s = setup({ auth: { allowedOrigins: ["https://partner.example"] } });
    const preflight = (origin: string) =>
      s.app.request(`${ORIGIN}/auth/login`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });
    for (const origin of ["https://evil.example", "null", "https://partner.example.evil.example"]) {
      const res = await preflight(origin);
      // Hono's cors sends Allow-Credentials to everyone; without Allow-Origin the browser refuses the response anyway.
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
    }
    const ok = await preflight("https://partner.example");
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://partner.example");
    expect(ok.headers.get("access-control-allow-credentials")).toBe("true");
    expect(s.fake.calls).toHaveLength(0);
    const { passwordLogin, memorySessionStore } = await import("../src/index.ts");
    expect(() =>
      passwordLogin({ client: s.fake, sessions: memorySessionStore(), limiter: "none", allowedOrigins: ["*"] }),
    ).toThrow(/allowedOrigins/);
  });

  it("D01 why the CSRF rule is ours and not Hono's csrf(): requests Hono's middleware lets through are refused", async () => {
    // Hono's csrf() checks form-like content types only, and lets Sec-Fetch-Site: same-origin stand in for the
    // origin. A login router must also refuse JSON sent with a foreign Origin (a host app's permissive CORS on other
    // routes would otherwise let another site sign a visitor in) and an Origin of null (sandboxed or privacy-mode
    // contexts) on a form post.
    const hono = new Hono();
    hono.use(csrf());
    hono.post("/auth/login", (c) => c.text("passed"));
    const s = setup();
    const cases: Record<string, string>[] = [
      { "content-type": "application/json", origin: "https://evil.example" },
      { "content-type": "application/x-www-form-urlencoded", origin: "null", "sec-fetch-site": "same-origin" },
    ];
    for (const headers of cases) {
      const body =
        headers["content-type"] === "application/json"
          ? '{"username":"alice","password":"pw-alice"}'
          : "username=alice&password=pw-alice";
      const viaHono = await hono.request(`${ORIGIN}/auth/login`, { method: "POST", headers, body });
      expect(viaHono.status).toBe(200);
      const ours = await s.app.request(`${ORIGIN}/auth/login`, {
        method: "POST",
        headers: { ...headers, "cf-connecting-ip": CLIENT_IP },
        body,
      });
      expect(ours.status).toBe(403);
    }
    expect(s.fake.count("authenticate")).toBe(0);
  });

  it("D03 GET /logout does not log out (405)", async () => {
    const s = setup();
    const cookie = await signIn(s, "alice");
    const res = await withCookie(s.app, "/auth/logout", cookie, "GET");
    expect(res.status).toBe(405);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(s.fake.count("logout")).toBe(0);
    expect((await withCookie(s.app, "/api/me", cookie)).status).toBe(200);
  });
});
