// requireSession: cookie and Bearer authentication, transparent refresh, typed c.var.session.
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { memorySessionStore, requireSession, type Session } from "../src/index.ts";
import {
  CLIENT_ID,
  FakeClient,
  ORIGIN,
  optionsOf,
  sessionCookie,
  setup,
  signIn,
  TENANT_ID,
  upstream,
  withCookie,
} from "./helpers.ts";

describe("requireSession", () => {
  it("sets a typed c.var.session with user, claims and region", async () => {
    const s = setup();
    s.app.get("/api/full", (c) => {
      const session: Session = c.var.session;
      return c.json({
        userId: session.userId,
        claims: session.claims,
        source: session.source,
        hasToken: !!session.accessToken,
      });
    });
    const cookie = await signIn(s, "alice");
    const res = await withCookie(s.app, "/api/full", cookie);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      userId: "user-alice",
      claims: { sub: "user-alice", email: "alice@example.com" },
      source: "cookie",
      hasToken: true,
    });
  });

  it("refreshes transparently near expiry and sends the rotated cookie (cookie store)", async () => {
    const s = setup({ store: "cookie", auth: { idleTimeout: 7200 } });
    const cookie = await signIn(s, "alice");
    s.clock.t += 3_550_000; // 50 s before the access token expires
    const res = await withCookie(s.app, "/api/me", cookie);
    expect(res.status).toBe(200);
    expect(s.fake.count("refresh")).toBe(1);
    expect(s.fake.calls.find((c) => c.method === "refresh")?.args[0]).toBe("rt.alice.1");
    const next = sessionCookie(res) as string;
    expect(next).not.toBe(cookie);
    // The next request with the new cookie needs no refresh.
    expect((await withCookie(s.app, "/api/me", next)).status).toBe(200);
    expect(s.fake.count("refresh")).toBe(1);
  });

  it("gives 401 and drops the session when Transmit rejects the refresh token", async () => {
    const s = setup({ auth: { idleTimeout: 7200 } });
    const cookie = await signIn(s, "alice");
    s.clock.t += 3_590_000;
    // Still-valid access token: a rejected rotation (a race elsewhere) does not sign the user out yet.
    s.fake.failNext.refresh = [upstream("token_invalid")];
    expect((await withCookie(s.app, "/api/me", cookie)).status).toBe(200);
    s.clock.t += 20_000;
    s.fake.failNext.refresh = [upstream("token_invalid")];
    const res = await withCookie(s.app, "/api/me", cookie);
    expect(res.status).toBe(401);
    expect((await withCookie(s.app, "/auth/session", cookie)).status).toBe(401);
  });

  it("keeps serving with a still-valid access token when the refresh fails upstream, and fails once it expired", async () => {
    const s = setup({ auth: { idleTimeout: 7200 } });
    const cookie = await signIn(s, "alice");
    s.clock.t += 3_570_000;
    s.fake.failNext.refresh = [upstream("timeout")];
    expect((await withCookie(s.app, "/api/me", cookie)).status).toBe(200);
    s.clock.t += 60_000;
    s.fake.failNext.refresh = [upstream("upstream_unavailable", { retryAfter: 5 })];
    const res = await withCookie(s.app, "/api/me", cookie);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
  });

  it("accepts a Bearer access token verified by the client, when enabled", async () => {
    const fake = new FakeClient();
    const app = new Hono();
    const bearer = { clientId: CLIENT_ID, tenantId: TENANT_ID, audience: "my-api" };
    app.use("/api/*", requireSession({ sessions: memorySessionStore(), client: fake, bearer }));
    app.get("/api/me", (c) => c.json({ userId: c.var.session.userId, source: c.var.session.source }));
    const ok = await app.request(`${ORIGIN}/api/me`, { headers: { authorization: "Bearer at.carol.1" } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ userId: "user-carol", source: "bearer" });
    expect(optionsOf(fake.calls[0])?.audience).toEqual(["my-api"]);
    const bad = await app.request(`${ORIGIN}/api/me`, { headers: { authorization: "Bearer forged" } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("ignores Bearer tokens unless enabled", async () => {
    const fake = new FakeClient();
    const app = new Hono();
    app.use("/api/*", requireSession({ sessions: memorySessionStore(), client: fake }));
    app.get("/api/me", (c) => c.text("hi"));
    const res = await app.request(`${ORIGIN}/api/me`, { headers: { authorization: "Bearer at.carol.1" } });
    expect(res.status).toBe(401);
    expect(fake.calls).toHaveLength(0);
  });

  it("refuses invalid options when created", () => {
    expect(() => requireSession({ sessions: undefined as never })).toThrow(/sessions/);
    const bearer = { clientId: CLIENT_ID, tenantId: TENANT_ID };
    expect(() => requireSession({ sessions: memorySessionStore(), bearer })).toThrow(/client/);
    // `bearer: true` accepted any token the keys verify: now the guard must be told which tokens are sessions.
    expect(() =>
      requireSession({ sessions: memorySessionStore(), client: new FakeClient(), bearer: true as never }),
    ).toThrow(/bearer/);
    expect(() =>
      requireSession({
        sessions: memorySessionStore(),
        client: new FakeClient(),
        bearer: { clientId: CLIENT_ID } as never,
      }),
    ).toThrow(/bearer\.tenantId/);
  });
});

describe("refresh without shared promises (the Workers default)", () => {
  it("C11 requests that still carry the replaced cookie reuse the finished refresh", async () => {
    const s = setup({ store: "cookie", auth: { idleTimeout: 7200, shareInFlight: false } });
    const cookie = await signIn(s, "alice");
    s.clock.t += 3_550_000;
    const first = await withCookie(s.app, "/api/me", cookie);
    const second = await withCookie(s.app, "/api/me", cookie);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(sessionCookie(second)).toBe(sessionCookie(first));
    expect(s.fake.count("refresh")).toBe(1);
  });
});

describe("forced password change (POST /password)", () => {
  it("keeps the reset token server-side, changes the password in the same region, then signs in", async () => {
    const s = setup();
    s.fake.failNext.authenticate = [upstream("password_change_required", { resetToken: "reset-alice" })];
    const first = await s.app.request(`${ORIGIN}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN },
      body: JSON.stringify({ username: "alice", password: "pw-alice" }),
    });
    expect(first.status).toBe(403);
    const pending = sessionCookie(first, "__Host-session-pw") as string;
    expect(pending).toBeTruthy();
    // The pending state is not a session.
    expect((await withCookie(s.app, "/api/me", pending.replace("__Host-session-pw", "__Host-session"))).status).toBe(
      401,
    );
    const res = await s.app.request(`${ORIGIN}/auth/password`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN, cookie: pending },
      body: JSON.stringify({ newPassword: "new-pw-alice" }),
    });
    expect(res.status).toBe(200);
    expect(s.fake.calls.find((c) => c.method === "reset")?.args[0]).toEqual({
      resetToken: "reset-alice",
      newPassword: "new-pw-alice",
    });
    const cookies = res.headers.get("set-cookie") ?? "";
    expect(cookies).toContain("__Host-session-pw=; Max-Age=0");
    const session = sessionCookie(res) as string;
    expect((await withCookie(s.app, "/api/me", session)).status).toBe(200);
    // Single use: the pending cookie cannot be replayed.
    const replay = await s.app.request(`${ORIGIN}/auth/password`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN, cookie: pending },
      body: JSON.stringify({ newPassword: "another-pw" }),
    });
    expect(replay.status).toBe(401);
    expect(s.fake.count("reset")).toBe(1);
  });

  it("expires the pending change and rejects a weak password without dropping it", async () => {
    const s = setup({ auth: { pendingTimeout: 120 } });
    s.fake.failNext.authenticate = [upstream("password_change_required", { resetToken: "reset-alice" })];
    const first = await withCookie(s.app, "/auth/login", "", "POST", {
      "content-type": "application/json",
    });
    expect(first.status).toBe(400); // empty body: names the field
    const start = await s.app.request(`${ORIGIN}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN },
      body: JSON.stringify({ username: "alice", password: "pw-alice" }),
    });
    const pending = sessionCookie(start, "__Host-session-pw") as string;
    s.fake.failNext.reset = [upstream("invalid_request")];
    const post = () =>
      s.app.request(`${ORIGIN}/auth/password`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: ORIGIN, cookie: pending },
        body: JSON.stringify({ newPassword: "weak" }),
      });
    const weak = await post();
    expect(weak.status).toBe(400);
    expect((await weak.json()).type).toBe("urn:transmit-edge:problem:password_rejected");
    s.clock.t += 121_000;
    expect((await post()).status).toBe(401);
    expect(s.fake.count("reset")).toBe(1);
  });
});

describe("auth.session(c): the optional session of a page", () => {
  it("reads the session without answering for the page, and sends a rotated cookie with the page", async () => {
    const s = setup({ store: "cookie", auth: { idleTimeout: 7200 } });
    s.app.get("/", async (c) => {
      const session = await s.auth.session(c);
      return c.html(session ? `<p>Hello ${session.userId}</p>` : "<p>Sign in</p>");
    });
    const anonymous = await s.app.request(`${ORIGIN}/`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.text()).toBe("<p>Sign in</p>");
    const cookie = await signIn(s, "alice");
    expect(await (await withCookie(s.app, "/", cookie)).text()).toBe("<p>Hello user-alice</p>");
    s.clock.t += 3_550_000; // within the refresh window
    const page = await withCookie(s.app, "/", cookie);
    expect(await page.text()).toBe("<p>Hello user-alice</p>");
    expect(s.fake.count("refresh")).toBe(1);
    const next = sessionCookie(page) as string;
    expect(next).toMatch(/^__Host-session=/);
    expect(next).not.toBe(cookie);
    expect(s.events.filter((e) => e.type === "refresh").map((e) => e.outcome)).toEqual(["success"]);
  });

  it("reads undefined (no 401, no cookie) for a tampered or expired cookie", async () => {
    const s = setup();
    s.app.get("/", async (c) => c.text((await s.auth.session(c)) ? "in" : "out"));
    const res = await withCookie(s.app, "/", "__Host-session=forged");
    expect(await res.text()).toBe("out");
    expect(res.headers.get("set-cookie")).toBeNull();
  });
});
