// A user's sessions (issue 16 part 4): sign out everywhere, the list with opaque handles, ending one, and the other
// sessions ended after a credential change. The attacks: another user's handle, a forged handle, a handle replayed
// after its session ended, a copy of a cookie kept across "sign out everywhere", a stateless cookie store that
// cannot list its sessions.
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  type AuthEvent,
  cookieSessionStore,
  memoryLimiter,
  memorySessionStore,
  type RevocationStore,
  type SessionList,
  type TransmitAuthOptions,
  transmitAuth,
  type UserRevocation,
} from "../src/index.ts";
import {
  browser,
  FakeClient,
  loginJson,
  ORIGIN,
  SECRET,
  START,
  sessionCookie,
  setCookies,
  setup,
  signIn,
  upstream,
  withCookie,
} from "./helpers.ts";

const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0";
const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1";

/** A same-origin JSON or form POST with the cookie. */
function post(app: Hono, path: string, cookie: string | undefined, body?: Record<string, string>, form = false) {
  const headers = browser({
    ...(cookie ? { cookie } : {}),
    "content-type": form ? "application/x-www-form-urlencoded" : "application/json",
  });
  return Promise.resolve(
    app.request(`${ORIGIN}${path}`, {
      method: "POST",
      headers,
      body: form ? new URLSearchParams(body ?? {}).toString() : JSON.stringify(body ?? {}),
    }),
  );
}

async function list(app: Hono, cookie: string): Promise<SessionList> {
  const res = await withCookie(app, "/auth/sessions", cookie);
  expect(res.status).toBe(200);
  return (await res.json()) as SessionList;
}

describe("U. a user's sessions (memory store)", () => {
  it("U02 logout-all ends every session of the user in the store and calls Transmit's logout once per session", async () => {
    const s = setup();
    const a = await signIn(s);
    const b = await signIn(s);
    const c = await signIn(s);
    const bob = await signIn(s, "bob");
    expect(s.fake.count("logout")).toBe(0);
    const res = await post(s.app, "/auth/logout-all", a);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ signedOut: true });
    expect(setCookies(res).some((l) => l.startsWith("__Host-session=;") && /Max-Age=0/.test(l))).toBe(true);
    // One Transmit logout per session of alice, each with its own Transmit session id; none for bob.
    const ids = s.fake.calls.filter((x) => x.method === "logout").map((x) => x.args[0]);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(String(id)).toMatch(/^ts\.alice\./);
    for (const cookie of [a, b, c]) expect((await withCookie(s.app, "/api/me", cookie)).status).toBe(401);
    expect((await withCookie(s.app, "/api/me", bob)).status).toBe(200);
    expect(s.events.some((e) => e.type === "logout" && e.reason === "all" && e.outcome === "success")).toBe(true);
  });

  it("U02 one Transmit failure does not stop the other logouts; the sessions still end locally and the event says so", async () => {
    const s = setup();
    const a = await signIn(s);
    const b = await signIn(s);
    await signIn(s);
    s.fake.failNext.logout = [upstream("upstream_unavailable")];
    const res = await post(s.app, "/auth/logout-all", a);
    expect(res.status).toBe(200);
    expect(s.fake.count("logout")).toBe(3);
    expect((await withCookie(s.app, "/api/me", b)).status).toBe(401);
    expect(s.events.find((e) => e.type === "logout" && e.reason?.startsWith("all"))?.reason).toBe("all_upstream_error");
  });

  it("U02 logout-all without a session answers like logout (idempotent, no upstream call); a cross-site post is refused", async () => {
    const s = setup();
    const a = await signIn(s);
    const none = await post(s.app, "/auth/logout-all", undefined);
    expect(none.status).toBe(200);
    expect(s.fake.count("logout")).toBe(0);
    const csrf = await Promise.resolve(
      s.app.request(`${ORIGIN}/auth/logout-all`, {
        method: "POST",
        headers: browser({ cookie: a, origin: "https://evil.example", "sec-fetch-site": "cross-site" }),
      }),
    );
    expect(csrf.status).toBe(403);
    expect((await withCookie(s.app, "/api/me", a)).status).toBe(200);
    expect((await withCookie(s.app, "/auth/logout-all", a)).status).toBe(405);
  });

  it("U03 GET /sessions lists the user's sessions: device, region, times, the current one; no cookie value, id or token", async () => {
    const s = setup();
    const firefox = await signIn(s, "alice", { "user-agent": FIREFOX_WINDOWS });
    s.clock.t += 120_000;
    const iphone = await signIn(s, "alice", { "user-agent": SAFARI_IPHONE });
    await signIn(s, "bob");
    const res = await withCookie(s.app, "/auth/sessions", iphone);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.text();
    const body = JSON.parse(text) as SessionList;
    expect(body.complete).toBe(true);
    expect(body.sessions.map((x) => [x.device, x.region, x.current])).toEqual([
      ["Safari on iOS", "eu", true],
      ["Firefox on Windows", "eu", false],
    ]);
    expect(body.sessions[1]?.createdAt).toBe(START / 1000);
    for (const v of body.sessions) {
      expect(v.handle).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Object.keys(v).sort()).toEqual(["createdAt", "current", "device", "handle", "lastSeenAt", "region"]);
    }
    for (const secret of [firefox, iphone].map((x) => x.split("=")[1] as string)) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/ts\.alice|rt\.|at\.alice|id\.alice|203\.0\.113/);
    expect((await withCookie(s.app, "/auth/sessions", "__Host-session=forged")).status).toBe(401);
  });

  it("U03 U04 POST /sessions/end ends the other session of the same user only, and once", async () => {
    const s = setup();
    const mine = await signIn(s, "alice", { "user-agent": FIREFOX_WINDOWS });
    const other = await signIn(s, "alice", { "user-agent": SAFARI_IPHONE });
    const bob = await signIn(s, "bob");
    const otherHandle = (await list(s.app, mine)).sessions.find((x) => !x.current)?.handle as string;
    const bobHandle = (await list(s.app, bob)).sessions[0]?.handle as string;

    // Attack: bob presents alice's handle; a forged handle; a handle of the wrong shape.
    for (const handle of [otherHandle, "A".repeat(22)]) {
      const res = await post(s.app, "/auth/sessions/end", bob, { handle });
      expect(res.status).toBe(400);
    }
    expect((await post(s.app, "/auth/sessions/end", bob, { handle: "x".repeat(65) })).status).toBe(400);
    expect((await withCookie(s.app, "/api/me", other)).status).toBe(200);
    // ...nor can alice end bob's session with bob's handle.
    expect((await post(s.app, "/auth/sessions/end", mine, { handle: bobHandle })).status).toBe(400);
    expect((await withCookie(s.app, "/api/me", bob)).status).toBe(200);
    expect(s.fake.count("logout")).toBe(0);

    const ended = await post(s.app, "/auth/sessions/end", mine, { handle: otherHandle });
    expect(ended.status).toBe(200);
    expect(await ended.json()).toEqual({ ended: true });
    expect(s.fake.count("logout")).toBe(1);
    expect((await withCookie(s.app, "/api/me", other)).status).toBe(401);
    expect((await withCookie(s.app, "/api/me", mine)).status).toBe(200);
    // Replay of the handle after its session ended: refused, nothing upstream.
    expect((await post(s.app, "/auth/sessions/end", mine, { handle: otherHandle })).status).toBe(400);
    expect(s.fake.count("logout")).toBe(1);
    expect((await list(s.app, mine)).sessions).toHaveLength(1);
  });

  it("U03 a form post from the page ends a session and goes back to the list (PRG); an unknown handle too", async () => {
    const s = setup();
    const mine = await signIn(s);
    await signIn(s);
    const handle = (await list(s.app, mine)).sessions[1]?.handle as string;
    const res = await post(s.app, "/auth/sessions/end", mine, { handle }, true);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    const again = await post(s.app, "/auth/sessions/end", mine, { handle }, true);
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toBe("/");
    expect(s.fake.count("logout")).toBe(1);
    // Ending the current session signs this browser out.
    const own = (await list(s.app, mine)).sessions[0]?.handle as string;
    const out = await post(s.app, "/auth/sessions/end", mine, { handle: own }, true);
    expect(out.status).toBe(303);
    expect(setCookies(out).some((l) => l.startsWith("__Host-session=;"))).toBe(true);
    expect((await withCookie(s.app, "/api/me", mine)).status).toBe(401);
  });

  it("U01 after a forced password change the other sessions are gone, the new one works, Transmit logs each out", async () => {
    const s = setup();
    const old1 = await signIn(s);
    const old2 = await signIn(s);
    const bob = await signIn(s, "bob");
    s.fake.failNext.authenticate = [upstream("password_change_required", { resetToken: "reset-alice" })];
    const pending = await loginJson(s.app, { username: "alice", password: "pw-alice" });
    expect(pending.status).toBe(403);
    const pendingCookie = sessionCookie(pending, "__Host-session-pw") as string;
    const changed = await post(s.app, "/auth/password", pendingCookie, { newPassword: "New-Password-42!" });
    expect(changed.status).toBe(200);
    const fresh = sessionCookie(changed) as string;
    expect((await withCookie(s.app, "/api/me", fresh)).status).toBe(200);
    for (const cookie of [old1, old2]) expect((await withCookie(s.app, "/api/me", cookie)).status).toBe(401);
    expect((await withCookie(s.app, "/api/me", bob)).status).toBe(200);
    expect(s.fake.count("logout")).toBe(2);
    expect((await list(s.app, fresh)).sessions).toHaveLength(1);
    expect(s.events.some((e) => e.reason === "credential_changed" && e.outcome === "success")).toBe(true);
  });
});

/** A shared revocation store with per-user "revoked before" marks. */
function markingRevocations(): RevocationStore & { marks: Map<string, UserRevocation> } {
  const ids = new Set<string>();
  const marks = new Map<string, UserRevocation>();
  return {
    marks,
    has: (id) => ids.has(id),
    add: (id) => void ids.add(id),
    revokeUser: (user, mark) => void marks.set(user, mark),
    userRevocation: (user) => marks.get(user),
  };
}

function cookieApp(revocations: RevocationStore, events: AuthEvent[] = []) {
  const fake = new FakeClient();
  const clock = { t: START };
  const options: TransmitAuthOptions = {
    client: fake,
    sessions: cookieSessionStore({ secrets: [SECRET], revocations }),
    limiter: memoryLimiter({ now: () => clock.t }),
    userKeySecret: SECRET,
    ip: "cf-connecting-ip",
    now: () => clock.t,
    onEvent: (e) => void events.push(e),
  };
  const auth = transmitAuth(options);
  const app = new Hono();
  app.route("/auth", auth.routes());
  app.use("/api/*", auth.guard());
  app.get("/api/me", (c) => c.json({ userId: c.var.session.userId }));
  return { app, fake, clock };
}

describe("U. a user's sessions with a sealed-cookie store (stateless: documented behaviour)", () => {
  it("U02 logout-all with a per-user revocation mark refuses every older cookie of the user everywhere, not other users'", async () => {
    const revocations = markingRevocations();
    const { app, fake, clock } = cookieApp(revocations);
    const a = await signIn({ app } as never);
    const b = await signIn({ app } as never);
    const bob = await signIn({ app } as never, "bob");
    clock.t += 5_000;
    const res = await post(app, "/auth/logout-all", a);
    expect(res.status).toBe(200);
    expect(revocations.marks.get("user-alice")?.at).toBe(START / 1000 + 5);
    for (const cookie of [a, b]) expect((await withCookie(app, "/api/me", cookie)).status).toBe(401);
    expect((await withCookie(app, "/api/me", bob)).status).toBe(200);
    // Transmit: this session's logout only (a sealed store cannot list the others' Transmit ids).
    expect(fake.count("logout")).toBe(1);
    // A sign-in after the mark works.
    clock.t += 1_000;
    const later = await signIn({ app } as never);
    expect((await withCookie(app, "/api/me", later)).status).toBe(200);
  });

  it("U03 GET /sessions lists only the current session and says the list is incomplete", async () => {
    const { app } = cookieApp(markingRevocations());
    const a = await signIn({ app } as never);
    await signIn({ app } as never);
    const body = await list(app, a);
    expect(body.complete).toBe(false);
    expect(body.sessions).toHaveLength(1);
    expect(body.sessions[0]?.current).toBe(true);
  });

  it("U02 without per-user marks, logout-all ends this session only and answers 500 (never claims everywhere)", async () => {
    const ids = new Set<string>();
    const { app, fake } = cookieApp({ has: (id) => ids.has(id), add: (id) => void ids.add(id) });
    const a = await signIn({ app } as never);
    const b = await signIn({ app } as never);
    const res = await post(app, "/auth/logout-all", a);
    expect(res.status).toBe(500);
    expect(setCookies(res).some((l) => l.startsWith("__Host-session=;"))).toBe(true);
    expect((await withCookie(app, "/api/me", a)).status).toBe(401);
    expect((await withCookie(app, "/api/me", b)).status).toBe(200);
    expect(fake.count("logout")).toBe(1);
  });

  it("U01 a credential change keeps the new sealed session and refuses the older ones through the mark", async () => {
    const revocations = markingRevocations();
    const { app, fake } = cookieApp(revocations);
    const old = await signIn({ app } as never);
    fake.failNext.authenticate = [upstream("password_change_required", { resetToken: "reset-alice" })];
    const pending = await loginJson(app, { username: "alice", password: "pw-alice" });
    const pendingCookie = sessionCookie(pending, "__Host-session-pw") as string;
    const changed = await post(app, "/auth/password", pendingCookie, { newPassword: "New-Password-42!" });
    const fresh = sessionCookie(changed) as string;
    expect((await withCookie(app, "/api/me", fresh)).status).toBe(200);
    expect((await withCookie(app, "/api/me", old)).status).toBe(401);
  });

  it("a revocation store with revokeUser but no userRevocation is refused at creation", () => {
    expect(() =>
      cookieSessionStore({
        secrets: [SECRET],
        revocations: { has: () => false, add: () => {}, revokeUser: () => {} },
      }),
    ).toThrow(/revocations/);
  });
});

describe("device names", () => {
  it("summarises a User-Agent as browser and system, without versions", async () => {
    const { deviceName } = await import("../src/device-name.ts");
    expect(deviceName(FIREFOX_WINDOWS)).toBe("Firefox on Windows");
    expect(deviceName(SAFARI_IPHONE)).toBe("Safari on iOS");
    expect(
      deviceName(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0",
      ),
    ).toBe("Edge on Windows");
    expect(
      deviceName(
        "Mozilla/5.0 (Linux; Android 15) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36",
      ),
    ).toBe("Chrome on Android");
    expect(deviceName("curl/8.0")).toBeUndefined();
    expect(deviceName(undefined)).toBeUndefined();
  });
});

it("memorySessionStore lists and ends by user only", async () => {
  const store = memorySessionStore({ now: () => START });
  const t = START / 1000;
  const base = { kind: "session" as const, createdAt: t, lastSeenAt: t, expiresAt: t + 100, idleTimeout: 100 };
  await store.create({ ...base, id: "r1", userId: "u1", transmitSessionId: "ts1" });
  await store.create({ ...base, id: "r2", userId: "u1" });
  await store.create({ ...base, id: "r3", userId: "u2" });
  expect((await store.listUser?.("u1"))?.map((x) => x.id).sort()).toEqual(["r1", "r2"]);
  const ended = await store.endUser?.("u1", { except: "r2", at: t, until: t + 100 });
  expect(ended).toEqual({ ended: [{ id: "r1", createdAt: t, lastSeenAt: t, transmitSessionId: "ts1" }], failed: 0 });
  expect((await store.listUser?.("u1"))?.map((x) => x.id)).toEqual(["r2"]);
  expect((await store.listUser?.("u2"))?.map((x) => x.id)).toEqual(["r3"]);
});
