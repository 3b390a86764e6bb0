// Checklist section E: headers, errors and upstream faults (router side; retries live in core).
import { describe, expect, it } from "vitest";
import type { PageRenderer } from "../src/index.ts";
import { browser, loginForm, loginJson, ORIGIN, setup, signIn, upstream, withCookie } from "./helpers.ts";

function expectSecurityHeaders(res: Response) {
  const hsts = res.headers.get("strict-transport-security") ?? "";
  expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(31_536_000);
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  // Not no-referrer: under it Chrome sends `Origin: null` with the site's own form posts, and the CSRF check refuses
  // them (found by the Worker's browser test).
  expect(res.headers.get("referrer-policy")).toBe("same-origin");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  expect(res.headers.get("content-type")).toMatch(/charset=utf-8/i);
}

describe("E. headers, errors, upstream faults", () => {
  it("E01 every router response has HSTS >= 1 year, nosniff, Referrer-Policy, frame protection and a charset", async () => {
    const s = setup();
    const cookie = await signIn(s, "alice");
    const responses = [
      await loginJson(s.app, { username: "alice", password: "pw-alice" }),
      await loginJson(s.app, { username: "alice", password: "bad" }),
      await loginForm(s.app, { username: "alice", password: "pw-alice" }),
      await loginJson(s.app, "{"),
      await withCookie(s.app, "/auth/session", cookie),
      await withCookie(s.app, "/auth/refresh", cookie, "POST"),
      await withCookie(s.app, "/auth/login", cookie, "GET"),
      await s.app.request(`${ORIGIN}/auth/login`, { method: "OPTIONS", headers: { origin: ORIGIN } }),
      await s.app.request(`${ORIGIN}/auth/login`, { method: "POST", headers: browser({ "content-type": "text/csv" }) }),
      await withCookie(s.app, "/auth/logout", cookie, "POST"),
    ];
    for (const res of responses) expectSecurityHeaders(res);
  });

  it("E01 HTML pages from a renderer get a strict CSP", async () => {
    const render: PageRenderer = (_c, state) =>
      new Response(`<!doctype html><p>${state.error}</p>`, {
        status: state.status,
        headers: { "content-type": "text/html" },
      });
    const s = setup({ auth: { render } });
    const res = await loginForm(s.app, { username: "alice", password: "bad" });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await res.text()).toContain("invalid_credentials");
    expectSecurityHeaders(res);
    const missing = await loginForm(s.app, { username: "alice" });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("invalid_request");
    expect(missing.headers.get("content-type")).toBe("text/html; charset=utf-8");
  });

  it("E02 upstream faults give generic 502/503/504 bodies with no upstream detail and no Set-Cookie", async () => {
    const cases = [
      ["timeout", 504],
      ["aborted", 504],
      ["network", 502],
      ["invalid_response", 502],
      ["upstream_unavailable", 503],
      ["rate_limited", 503],
    ] as const;
    for (const [code, status] of cases) {
      const s = setup();
      s.fake.failNext.authenticate = [upstream(code, code === "rate_limited" ? { retryAfter: 7200 } : {})];
      const res = await loginJson(s.app, { username: "alice", password: "pw-alice" });
      expect(res.status).toBe(status);
      const text = await res.text();
      expect(text).not.toContain("fake");
      expect(text).not.toContain("stack");
      expect(JSON.parse(text).type).toMatch(/^urn:transmit-edge:problem:upstream_/);
      expect(res.headers.get("set-cookie")).toBeNull();
      expect(res.headers.get("content-type")).toBe("application/problem+json; charset=utf-8");
    }
  });

  it("E02 an unverifiable token after login is an upstream fault, never a session", async () => {
    const s = setup();
    s.fake.failNext.verifyIdToken = [upstream("token_invalid")];
    const res = await loginJson(s.app, { username: "alice", password: "pw-alice" });
    expect(res.status).toBe(502);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("E03 the router never repeats the password call; an upstream 429 becomes a 503 with a capped Retry-After", async () => {
    const s = setup();
    s.fake.failNext.authenticate = [upstream("timeout")];
    await loginJson(s.app, { username: "alice", password: "pw-alice" });
    expect(s.fake.count("authenticate")).toBe(1);
    s.fake.failNext.authenticate = [upstream("rate_limited", { retryAfter: 7200 })];
    const res = await loginJson(s.app, { username: "alice", password: "pw-alice" });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("60");
  });

  it("E04 every upstream call gets the configured deadline", async () => {
    const s = setup({ auth: { timeoutMs: 2500 } });
    s.fake.expiresIn = 10;
    const cookie = await signIn(s, "alice");
    await withCookie(s.app, "/api/me", cookie);
    await withCookie(s.app, "/auth/logout", cookie, "POST");
    expect(s.fake.calls.length).toBeGreaterThanOrEqual(4);
    for (const call of s.fake.calls) {
      expect((call.args[1] as { timeoutMs?: number } | undefined)?.timeoutMs).toBe(2500);
    }
  });

  it("E02 refresh and session failures upstream map to 502/503/504 and keep the session", async () => {
    const s = setup();
    const cookie = await signIn(s, "alice");
    s.fake.failNext.refresh = [upstream("upstream_unavailable")];
    const res = await withCookie(s.app, "/auth/refresh", cookie, "POST");
    expect(res.status).toBe(503);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect((await withCookie(s.app, "/auth/session", cookie)).status).toBe(200);
    s.fake.failNext.refresh = [upstream("token_invalid")];
    const gone = await withCookie(s.app, "/auth/refresh", cookie, "POST");
    expect(gone.status).toBe(401);
    expect(gone.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await withCookie(s.app, "/auth/session", cookie)).status).toBe(401);
  });
});
