// Logout must end the session everywhere, in every wiring the docs show. The attack: keep a copy of the cookie,
// let the user sign out, replay the copy (on another instance too).
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  type AuthEvent,
  cookieSessionStore,
  memoryLimiter,
  memorySessionStore,
  type SessionStore,
  type TransmitAuthOptions,
  transmitAuth,
} from "../src/index.ts";
import {
  FakeClient,
  loginJson,
  SECRET,
  START,
  sessionCookie,
  setup,
  sharedRevocations,
  signIn,
  withCookie,
} from "./helpers.ts";

/** One app instance (a process, an isolate) over the same fake Transmit and a shared clock. */
function instance(
  fake: FakeClient,
  clock: { t: number },
  sessions: TransmitAuthOptions["sessions"],
  events: AuthEvent[] = [],
) {
  const auth = transmitAuth({
    client: fake,
    sessions,
    limiter: memoryLimiter(),
    userKeySecret: SECRET,
    ip: "cf-connecting-ip",
    now: () => clock.t,
    onEvent: (e) => {
      events.push(e);
    },
  });
  const app = new Hono();
  app.route("/auth", auth.routes());
  app.use("/api/*", auth.guard());
  app.get("/api/me", (c) => c.json({ userId: c.var.session.userId }));
  app.get("/", async (c) => c.text((await auth.session(c)) ? "signed in" : "signed out"));
  return app;
}

async function signInOn(app: Hono): Promise<string> {
  const res = await loginJson(app, { username: "alice", password: "pw-alice" });
  expect(res.status).toBe(200);
  return sessionCookie(res) as string;
}

describe("C. logout revokes in every documented wiring", () => {
  it("C06 H02 the Workers wiring of old (a sealed-cookie store built per request, nothing shared) is refused loudly", async () => {
    const fake = new FakeClient();
    const events: AuthEvent[] = [];
    const app = instance(fake, { t: START }, () => cookieSessionStore({ secrets: [SECRET] }), events);
    const res = await loginJson(app, { username: "alice", password: "pw-alice" });
    expect(res.status).toBe(500);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(fake.count("authenticate")).toBe(0);
    expect(events[0]?.detail).toMatch(/revocations.*recheckAfter/);
    expect(() => cookieSessionStore({ secrets: [SECRET] })).toThrow(/cannot be revoked without shared state/);
  });

  it("C06 H02 sealed cookies with recheckAfter, store built per request: after logout a replayed copy is refused by every instance within recheckAfter", async () => {
    const fake = new FakeClient();
    const clock = { t: START };
    const sessions = () => cookieSessionStore({ secrets: [SECRET], recheckAfter: 300 });
    const a = instance(fake, clock, sessions);
    const b = instance(fake, clock, sessions);
    const cookie = await signInOn(a);
    clock.t += 60_000;
    expect((await withCookie(b, "/api/me", cookie)).status).toBe(200);
    expect((await withCookie(a, "/auth/logout", cookie, "POST")).status).toBe(200);
    expect(fake.count("logout")).toBe(1);
    // Until the re-check a stateless copy still opens (the documented bound), then Transmit refuses it everywhere.
    clock.t += 300_000;
    for (const [app, path] of [
      [b, "/api/me"],
      [a, "/api/me"],
      [b, "/auth/session"],
      [b, "/"],
    ] as const) {
      const res = await withCookie(app, path, cookie);
      if (path === "/") expect(await res.text()).toBe("signed out");
      else expect(res.status).toBe(401);
    }
    expect(fake.count("refresh")).toBeGreaterThanOrEqual(1);
  });

  it("C06 a live session is re-confirmed with Transmit every recheckAfter seconds and goes on", async () => {
    const fake = new FakeClient();
    const clock = { t: START };
    const app = instance(fake, clock, cookieSessionStore({ secrets: [SECRET], recheckAfter: 300 }));
    let cookie = await signInOn(app);
    for (let i = 0; i < 4; i++) {
      clock.t += 301_000;
      const res = await withCookie(app, "/api/me", cookie);
      expect(res.status).toBe(200);
      cookie = sessionCookie(res) ?? cookie;
    }
    expect(fake.count("refresh")).toBe(4);
  });

  it("C06 H02 sealed cookies with a shared revocation store: a replayed copy is refused by another instance at once", async () => {
    const fake = new FakeClient();
    const clock = { t: START };
    const revocations = sharedRevocations();
    const sessions = () => cookieSessionStore({ secrets: [SECRET], revocations });
    const [a, b] = [instance(fake, clock, sessions), instance(fake, clock, sessions)];
    const cookie = await signInOn(a);
    expect((await withCookie(a, "/auth/logout", cookie, "POST")).status).toBe(200);
    expect((await withCookie(b, "/api/me", cookie)).status).toBe(401);
    expect((await withCookie(b, "/auth/session", cookie)).status).toBe(401);
    expect(fake.count("refresh")).toBe(0);
  });

  it("C06 a store without refresh tokens to re-check with ends the session at the re-check", async () => {
    const fake = new FakeClient();
    const clock = { t: START };
    const sealed = cookieSessionStore({ secrets: [SECRET], recheckAfter: 300 });
    // A Transmit answer without a refresh token (the token is optional in Transmit's response).
    const original = fake.passwords.authenticate;
    fake.passwords.authenticate = async (input, options) => {
      const { refreshToken: _dropped, ...tokens } = await original(input, options);
      return tokens;
    };
    const app = instance(fake, clock, sealed as SessionStore);
    const cookie = await signInOn(app);
    clock.t += 299_000;
    expect((await withCookie(app, "/api/me", cookie)).status).toBe(200);
    clock.t += 2_000;
    expect((await withCookie(app, "/api/me", cookie)).status).toBe(401);
  });

  it("C06 recheckAfter is a bounded number of seconds", () => {
    for (const recheckAfter of [0, 10, 3601, 1.5]) {
      expect(() => cookieSessionStore({ secrets: [SECRET], recheckAfter })).toThrow(/recheckAfter/);
    }
    expect(() => cookieSessionStore({ secrets: [SECRET], revocations: {} as never })).toThrow(/revocations/);
  });

  it("C06 a store whose delete fails still ends the session at Transmit and clears the cookie", async () => {
    const inner = memorySessionStore({ now: () => START });
    const broken: SessionStore = {
      ...inner,
      delete: async () => {
        throw new Error("store down");
      },
    };
    const s = setup({ auth: { sessions: broken } });
    const cookie = await signIn(s);
    const res = await withCookie(s.app, "/auth/logout", cookie, "POST");
    expect(res.status).toBe(500);
    expect(s.fake.count("logout")).toBe(1);
    expect(res.headers.get("set-cookie")).toMatch(/^__Host-session=;.*Max-Age=0/);
    expect(s.events.at(-1)).toMatchObject({ type: "logout", outcome: "error", reason: "store_delete_failed" });
  });
});
