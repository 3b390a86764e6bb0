// Refresh coordinated by the store (`SessionStore.refresh`), attacked as parallel tabs on a platform without shared
// promises between requests (Workers): two instances with `shareInFlight: false` stand for two isolates, and the
// store is the only thing they share, as a Durable Object would be.
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  memoryLimiter,
  memorySessionStore,
  type SessionRecord,
  type SessionStore,
  transmitAuth,
} from "../src/index.ts";
import { browser, FakeClient, loginJson, ORIGIN, SECRET, START, sessionCookie } from "./helpers.ts";

/** A memory store with `refresh`: one rotation per session and refresh token; its result only while the record lives. */
function coordinated(): SessionStore & { rotations: number } {
  const inner = memorySessionStore({ now: () => START });
  const running = new Map<string, Promise<SessionRecord | undefined>>();
  const store: SessionStore & { rotations: number } = {
    rotations: 0,
    create: (r) => inner.create(r),
    get: (v) => inner.get(v),
    set: (v, r) => inner.set(v, r),
    delete: (v) => inner.delete(v),
    async refresh(value, record, rotate) {
      const current = await inner.get(value);
      if (!current) return undefined;
      if (current.refreshToken !== record.refreshToken) return current;
      let job = running.get(value);
      if (!job) {
        store.rotations++;
        job = rotate().then(async (next) => {
          if (!(await inner.get(value))) return undefined;
          await inner.set(value, next);
          return next;
        });
        running.set(value, job);
        job.then(
          () => running.delete(value),
          () => running.delete(value),
        );
      }
      return job;
    },
  };
  return store;
}

function instances(store: SessionStore, fake: FakeClient) {
  const make = () => {
    const auth = transmitAuth({
      client: fake,
      sessions: store,
      limiter: memoryLimiter({ now: () => START }),
      userKeySecret: SECRET,
      ip: "cf-connecting-ip",
      now: () => START,
      shareInFlight: false,
    });
    const app = new Hono();
    app.route("/auth", auth.routes());
    app.use("/api/*", auth.guard());
    app.get("/api/me", (c) => c.json({ userId: c.var.session.userId }));
    return app;
  };
  return [make(), make()] as const;
}

const refresh = (app: Hono, cookie: string) =>
  app.request(`${ORIGIN}/auth/refresh`, { method: "POST", headers: browser({ cookie }) });

describe("C. refresh coordinated by the store", () => {
  it("C11 four parallel refreshes of one session on two instances without shared promises: one upstream refresh, four 200s, the session lives on", async () => {
    const store = coordinated();
    const fake = new FakeClient();
    fake.refreshDelayMs = 20;
    const [a, b] = instances(store, fake);
    const cookie = sessionCookie(await loginJson(a, { username: "alice", password: "pw-alice" })) as string;
    const answers = await Promise.all([refresh(a, cookie), refresh(b, cookie), refresh(a, cookie), refresh(b, cookie)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(fake.count("refresh")).toBe(1);
    expect((await b.request(`${ORIGIN}/api/me`, { headers: browser({ cookie }) })).status).toBe(200);
  });

  it("C11 the same four requests against a store without refresh() spend the refresh token four times (the failure the store method prevents)", async () => {
    const fake = new FakeClient();
    fake.refreshDelayMs = 20;
    const [a, b] = instances(memorySessionStore({ now: () => START }), fake);
    const cookie = sessionCookie(await loginJson(a, { username: "alice", password: "pw-alice" })) as string;
    await Promise.all([refresh(a, cookie), refresh(b, cookie), refresh(a, cookie), refresh(b, cookie)]);
    expect(fake.count("refresh")).toBeGreaterThan(1);
  });

  it("C06 H03 a refresh that finishes after logout stores nothing: the old cookie stays dead", async () => {
    const store = coordinated();
    const fake = new FakeClient();
    const [a, b] = instances(store, fake);
    const cookie = sessionCookie(await loginJson(a, { username: "alice", password: "pw-alice" })) as string;
    // Transmit has rotated the tokens, but the answer reaches us only after the logout.
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const upstream = fake.tokens.refresh;
    fake.tokens.refresh = async (token, options) => {
      const tokens = await upstream(token, options);
      await gate;
      return tokens;
    };
    const refreshing = refresh(a, cookie);
    while (fake.count("refresh") === 0) await new Promise((r) => setTimeout(r, 0));
    const out = await b.request(`${ORIGIN}/auth/logout`, { method: "POST", headers: browser({ cookie }) });
    expect(out.status).toBe(200);
    open();
    const late = await refreshing;
    expect(late.status).toBe(401);
    expect(late.headers.get("set-cookie")).toMatch(/Max-Age=0/);
    expect((await a.request(`${ORIGIN}/api/me`, { headers: browser({ cookie }) })).status).toBe(401);
    expect((await a.request(`${ORIGIN}/auth/session`, { headers: browser({ cookie }) })).status).toBe(401);
  });
});
