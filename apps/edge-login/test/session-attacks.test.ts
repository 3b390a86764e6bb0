import { env } from "cloudflare:workers";
import type { SessionRecord } from "@transmit-edge/hono";
import { describe, expect, it } from "vitest";
import { ALICE, counting, harness, login, ORIGIN, sessionCookie } from "./helpers.ts";

const post = (cookie: string) =>
  ({ method: "POST", headers: { cookie, origin: ORIGIN, "content-type": "application/json" }, body: "{}" }) as const;

const tick = () => new Promise((r) => setTimeout(r, 0));

function record(nowS: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    kind: "session",
    id: "r1",
    userId: "u",
    region: "eu",
    refreshToken: "rt-1",
    createdAt: nowS,
    lastSeenAt: nowS,
    expiresAt: nowS + 3600,
    idleTimeout: 1800,
    ...overrides,
  };
}

describe("race-to-resurrect (logout racing other requests)", () => {
  it("C06 H03 a refresh that Transmit answered before the logout but that lands after it does not bring the session back", async () => {
    let reached = () => {};
    const atUpstream = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const h = await harness(
      {},
      {
        tap: async (request) => {
          if (!new URL(request.url).pathname.endsWith("/token/refresh")) return;
          reached();
          await gate;
        },
      },
    );
    const cookie = sessionCookie(await login(h, ALICE))!;
    const refreshing = h.fetch("/auth/refresh", post(cookie));
    await atUpstream; // Transmit has rotated the tokens; the answer is on its way
    const out = await h.fetch("/auth/logout", post(cookie));
    expect(out.status).toBe(200);
    release();
    const late = await refreshing;
    expect(late.status).toBe(401);
    // The replayed cookie stays dead everywhere.
    expect((await h.fetch("/auth/session", { headers: { cookie } })).status).toBe(401);
    expect((await h.fetch("/api/me", { headers: { cookie } })).status).toBe(401);
  });

  it("C06 H03 polling GET /auth/session and /api/me during logout, 25 trials with jittered Durable Object calls: a replayed cookie never works afterwards", async () => {
    // Every call to a session object is delayed by 0-3 ms, as network hops between isolates and objects are.
    const jitter = () => new Promise<void>((r) => setTimeout(r, Math.floor(Math.random() * 4)));
    const h = await harness(
      {},
      { bindings: (e) => ({ SESSIONS: counting(e.SESSIONS, { before: jitter }).namespace }) },
    );
    let resurrected = 0;
    let servedDuringLogout = 0;
    for (let trial = 0; trial < 25; trial++) {
      const res = await login(h, ALICE, { ip: `198.51.100.${trial + 1}` });
      expect(res.status).toBe(200);
      const cookie = sessionCookie(res)!;
      // Past the touch interval: every poll writes the record back with a new lastSeenAt.
      h.clock.advance(61);
      const polls = Array.from({ length: 6 }, (_, i) =>
        h.fetch(i % 2 ? "/api/me" : "/auth/session", { headers: { cookie } }),
      );
      const out = h.fetch("/auth/logout", post(cookie));
      const answers = await Promise.all([...polls, out]);
      expect(answers.at(-1)!.status).toBe(200);
      servedDuringLogout += answers.slice(0, -1).filter((r) => r.status === 200).length;
      for (const path of ["/auth/session", "/api/me"]) {
        if ((await h.fetch(path, { headers: { cookie } })).status !== 401) resurrected++;
      }
    }
    // The polls did overlap the logout (some were served from the record it then deleted) ...
    expect(servedDuringLogout).toBeGreaterThan(0);
    // ... and none of them wrote it back.
    expect(resurrected).toBe(0);
  });

  it("C06 H03 inside the object: a late write after delete is refused, and nothing is stored", async () => {
    const stub = env.SESSIONS.get(env.SESSIONS.newUniqueId());
    const nowS = Math.floor(Date.now() / 1000);
    expect(await stub.create(record(nowS))).toBe(true);
    expect(await stub.create(record(nowS))).toBe(false);
    const turn = await stub.beginRefresh(nowS * 1000, "rt-1", 10_000);
    expect(turn).toEqual({ turn: "yours" });
    await stub.remove();
    expect(await stub.update(record(nowS, { lastSeenAt: nowS + 60 }))).toBe(false);
    expect(await stub.endRefresh("rt-1", record(nowS, { refreshToken: "rt-2" }))).toBe(false);
    expect(await stub.read(nowS * 1000)).toBeNull();
  });

  it("C06 H03 C11 inside the object: a touch that read the record before a refresh cannot put the spent refresh token back", async () => {
    const stub = env.SESSIONS.get(env.SESSIONS.newUniqueId());
    const nowS = Math.floor(Date.now() / 1000);
    await stub.create(record(nowS));
    expect(await stub.beginRefresh(nowS * 1000, "rt-1", 10_000)).toEqual({ turn: "yours" });
    expect(await stub.endRefresh("rt-1", record(nowS, { refreshToken: "rt-2", accessToken: "at-2" }))).toBe(true);
    // The touch was computed from the record as it was before the refresh.
    expect(await stub.update(record(nowS, { lastSeenAt: nowS + 90 }))).toBe(true);
    const stored = (await stub.read(nowS * 1000)) as SessionRecord | null;
    expect(stored?.refreshToken).toBe("rt-2");
    expect(stored?.accessToken).toBe("at-2");
    expect(stored?.lastSeenAt).toBe(nowS + 90);
    // A second turn on the spent token is never given: the caller gets the stored record.
    expect(await stub.beginRefresh(nowS * 1000, "rt-1", 10_000)).toMatchObject({ turn: "done" });
  });
});

describe("forged session ids", () => {
  it("C05 H12 forged, random and tampered session cookies cause zero Durable Object calls and no upstream call, on every route", async () => {
    const sessions = counting(env.SESSIONS);
    const h = await harness({}, { bindings: () => ({ SESSIONS: sessions.namespace }) });
    const first = await login(h, ALICE);
    expect(first.status).toBe(200);
    const genuine = sessionCookie(first)!.split("=")[1]!;
    const [id, mac = "A".repeat(22)] = genuine.split(".") as [string, string?];
    const random43 = () => {
      const b = crypto.getRandomValues(new Uint8Array(32));
      return btoa(String.fromCharCode(...b))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, "");
    };
    const forged = [
      random43(), // a well-formed id of the old format
      `${random43()}.${mac}`, // a random id with a MAC of another
      `${id}.${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`, // the real id, tampered MAC
      `${random43()}.${"A".repeat(22)}`,
      "A".repeat(66),
    ];
    for (let i = 0; i < 40; i++) forged.push(`${random43()}.${random43().slice(0, 22)}`);
    const upstream = h.emulator.requests().length;
    const before = sessions.calls.total();
    for (const value of forged) {
      const cookie = `__Host-session=${value}`;
      for (const path of ["/api/me", "/auth/session"])
        expect((await h.fetch(path, { headers: { cookie } })).status).toBe(401);
      expect((await h.fetch("/", { headers: { cookie } })).status).toBe(303);
      expect((await h.fetch("/auth/refresh", post(cookie))).status).toBe(401);
      expect((await h.fetch("/auth/logout", post(cookie))).status).toBe(200);
    }
    expect(sessions.calls.total() - before).toBe(0);
    expect(h.emulator.requests().length).toBe(upstream);

    // A login that carries a forged cookie (the fixation defence deletes the old one) touches only its new session.
    const methods = { ...sessions.calls.methods };
    expect((await login(h, ALICE, { headers: { cookie: `__Host-session=${forged[1]}` } })).status).toBe(200);
    expect(sessions.calls.methods.remove ?? 0).toBe(methods.remove ?? 0);
    expect(sessions.calls.methods.create).toBe((methods.create ?? 0) + 1);
  });
});

describe("refresh coordinated per session", () => {
  it("C11 four parallel refreshes of one session (four tabs) make one upstream refresh; all four get 200 and the session lives on", async () => {
    const h = await harness();
    const cookie = sessionCookie(await login(h, ALICE))!;
    // Slow answers keep all four in flight at once.
    h.emulator.injectFault({ route: "token.refresh", latency_ms: 50, times: 4 });
    const answers = await Promise.all(Array.from({ length: 4 }, () => h.fetch("/auth/refresh", post(cookie))));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(h.calls("token.refresh")).toBe(1);
    expect((await h.fetch("/api/me", { headers: { cookie } })).status).toBe(200);
    // The next refresh spends the new token, once.
    expect((await h.fetch("/auth/refresh", post(cookie))).status).toBe(200);
    expect(h.calls("token.refresh")).toBe(2);
    await tick();
  });

  it("C11 a refresh whose upstream call fails wakes the waiting tabs without spending the token again", async () => {
    const h = await harness();
    const cookie = sessionCookie(await login(h, ALICE))!;
    h.emulator.injectFault({ route: "token.refresh", latency_ms: 50, status: 503, times: 4 });
    const answers = await Promise.all(Array.from({ length: 4 }, () => h.fetch("/auth/refresh", post(cookie))));
    expect(answers.every((r) => r.status >= 500)).toBe(true);
    // One call (the core client may retry a 503 once): never one per tab.
    expect(h.calls("token.refresh")).toBeLessThanOrEqual(2);
    expect((await h.fetch("/api/me", { headers: { cookie } })).status).toBe(200);
  });
});
