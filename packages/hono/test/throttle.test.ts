// Throttling that an attacker cannot switch off or flush: a login router needs a limiter (or an explicit opt-out),
// a shared limiter counts an account once across instances, and the in-memory limiter never forgets a live counter.
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { lockoutRules, memoryLimiter, memorySessionStore, passwordLogin, transmitAuth } from "../src/index.ts";
import { FakeClient, loginJson, SECRET, setup } from "./helpers.ts";

describe("A. a login router always throttles unless told not to", () => {
  it("A04 A05 H07 routes() without a limiter is refused at setup, naming the option and the explicit opt-out", () => {
    const auth = transmitAuth({ client: new FakeClient(), sessions: memorySessionStore() });
    expect(() => auth.routes()).toThrow(/`limiter` is required .*"none"/);
    expect(() => passwordLogin({ client: new FakeClient(), sessions: memorySessionStore() })).toThrow(/limiter/);
    // The guard alone needs no limiter.
    expect(() => auth.guard()).not.toThrow();
    // The opt-out is explicit and named.
    expect(() =>
      passwordLogin({ client: new FakeClient(), sessions: memorySessionStore(), limiter: "none" }),
    ).not.toThrow();
    expect(() =>
      passwordLogin({ client: new FakeClient(), sessions: memorySessionStore(), limiter: {} as never }),
    ).toThrow(/limiter/);
  });

  it("A04 H08 a limiter needs userKeySecret: without it each instance would count an account under its own key", () => {
    expect(() =>
      transmitAuth({ client: new FakeClient(), sessions: memorySessionStore(), limiter: memoryLimiter() }),
    ).toThrow(/userKeySecret/);
    expect(() =>
      transmitAuth({
        client: new FakeClient(),
        sessions: memorySessionStore(),
        limiter: memoryLimiter(),
        userKeySecret: "short",
      }),
    ).toThrow(/userKeySecret/);
  });

  it("A04 H08 two instances sharing one limiter count one account once: guesses split across them still hit the limit", async () => {
    const fake = new FakeClient();
    const limiter = memoryLimiter({ account: { limit: 4, windowMs: 3_600_000 } });
    const instance = () => {
      const app = new Hono();
      const auth = transmitAuth({
        client: fake,
        sessions: memorySessionStore(),
        limiter,
        userKeySecret: SECRET,
        ip: "cf-connecting-ip",
      });
      app.route("/auth", auth.routes());
      return app;
    };
    const [a, b] = [instance(), instance()];
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await loginJson(i % 2 ? b : a, { username: "alice", password: `guess-${i}` })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    expect(fake.count("authenticate")).toBe(4);
  });
});

describe("A. memoryLimiter keeps bounded memory without forgetting live counters", () => {
  it("A04 H09 junk keys cannot flush a victim's counter, and a table full of junk locks nobody out", async () => {
    let t = 0;
    const limiter = memoryLimiter({ now: () => t, maxKeys: 100, account: { limit: 3, windowMs: 3_600_000 } });
    for (let i = 0; i < 3; i++) expect((await limiter.hit({ scope: "account", key: "victim" })).allowed).toBe(true);
    let refusedJunk = 0;
    for (let i = 0; i < 5000; i++) {
      t += 10;
      if (!(await limiter.hit({ scope: "account", key: `junk-${i}` })).allowed) refusedJunk++;
    }
    // Junk is never refused for being new (that would lock real users out too) ...
    expect(refusedJunk).toBe(0);
    // ... and the victim's counter (3 attempts) outlived 5,000 one-attempt junk keys: still throttled.
    const victim = await limiter.hit({ scope: "account", key: "victim" });
    expect(victim.allowed).toBe(false);
    // The owner of another account signs in while the table is full of junk.
    expect((await limiter.hit({ scope: "account", key: "bob" })).allowed).toBe(true);
  });

  it("A04 H09 a full table gives up its weakest counter: fewest attempts first, then the oldest", async () => {
    let t = 0;
    const limiter = memoryLimiter({
      now: () => t,
      maxKeys: 3,
      // A tenant that suspends after 6 failures allows 5 untrusted attempts.
      transmit: { maxPasswordFailures: 6 },
      account: { limit: 5, windowMs: 3_600_000 },
    });
    for (const key of ["a", "a", "b", "c", "c"]) {
      t += 1;
      await limiter.hit({ scope: "account", key });
    }
    t += 1;
    await limiter.hit({ scope: "account", key: "d" }); // evicts b (one attempt)
    for (let i = 0; i < 3; i++) await limiter.hit({ scope: "account", key: "a" });
    // a has 5 attempts now: refused, so it was kept; b starts again from nothing.
    expect((await limiter.hit({ scope: "account", key: "a" })).allowed).toBe(false);
    for (let i = 0; i < 4; i++) expect((await limiter.hit({ scope: "account", key: "b" })).allowed).toBe(true);
  });

  it("A04 H09 expired keys are dropped first: once windows end, new keys take their room and live counters stay", async () => {
    let t = 0;
    const limiter = memoryLimiter({ now: () => t, maxKeys: 10, ip: { limit: 2, windowMs: 60_000 } });
    for (let i = 0; i < 10; i++) await limiter.hit({ scope: "ip", key: `192.0.2.${i}` });
    t = 30_000;
    await limiter.hit({ scope: "ip", key: "192.0.2.0" }); // still live, now until 90 s
    t = 60_001;
    expect((await limiter.hit({ scope: "ip", key: "198.51.100.1" })).allowed).toBe(true);
    // The live counter survived the sweep: its attempt at 30 s still counts, so one more fills the window.
    expect((await limiter.hit({ scope: "ip", key: "192.0.2.0" })).allowed).toBe(true);
    expect((await limiter.hit({ scope: "ip", key: "192.0.2.0" })).allowed).toBe(false);
  });

  it("A04 H09 through the router: a flood of junk usernames does not give a throttled account new guesses", async () => {
    const s = setup({ limits: { account: 3, ip: 100_000 } });
    // A separate limiter with a tiny table, as an attacker would fill it.
    const limiter = memoryLimiter({
      now: s.now,
      maxKeys: 50,
      account: { limit: 3, windowMs: 3_600_000 },
      ip: { limit: 100_000, windowMs: 60_000 },
    });
    const app = new Hono();
    const auth = transmitAuth({
      client: s.fake,
      sessions: memorySessionStore(),
      limiter,
      userKeySecret: SECRET,
      ip: "cf-connecting-ip",
      now: s.now,
    });
    app.route("/auth", auth.routes());
    for (let i = 0; i < 3; i++) await loginJson(app, { username: "alice", password: `guess-${i}` });
    for (let i = 0; i < 200; i++) await loginJson(app, { username: `junk-${i}`, password: "x" });
    const before = s.fake.count("authenticate");
    const res = await loginJson(app, { username: "alice", password: "guess-4" });
    expect(res.status).toBe(429);
    expect(s.fake.count("authenticate")).toBe(before);
  });

  it("A04 memoryLimiter refuses invalid options at creation", () => {
    expect(() => memoryLimiter({ maxKeys: 0 })).toThrow(/maxKeys/);
    expect(() => memoryLimiter({ account: { limit: 0, windowMs: 1000 } })).toThrow(/account/);
  });
});

describe("A. account rules stay below Transmit's lockout", () => {
  it("A04 H05 defaults follow Transmit's (5 failures in 15 minutes): 3 untrusted and 4 per device, in 16 minutes", () => {
    expect(lockoutRules()).toEqual({
      account: { limit: 3, windowMs: 960_000 },
      device: { limit: 4, windowMs: 960_000 },
    });
    expect(lockoutRules({ maxPasswordFailures: 10, failuresExpireIn: 60 })).toEqual({
      account: { limit: 8, windowMs: 3_660_000 },
      device: { limit: 9, windowMs: 3_660_000 },
    });
  });

  it("A04 H05 a rule that would let strangers reach Transmit's lockout is refused at setup, naming the option", () => {
    // The old default (10 an hour) lets ten strangers' guesses through where Transmit suspends after five.
    expect(() => memoryLimiter({ account: { limit: 10, windowMs: 3_600_000 } })).toThrow(/`account` must stay below/);
    expect(() => memoryLimiter({ device: { limit: 5, windowMs: 3_600_000 } })).toThrow(/`device`/);
    // A window shorter than Transmit's memory of failures would hand out fresh attempts too early.
    expect(() => memoryLimiter({ account: { limit: 2, windowMs: 60_000 } })).toThrow(/`account`/);
    expect(() => lockoutRules({ maxPasswordFailures: 1 })).toThrow(/maxPasswordFailures/);
    expect(() => lockoutRules({ maxPasswordFailures: 21 })).toThrow(/maxPasswordFailures/);
    // Stated as the tenant's policy, a larger budget is the explicit choice it should be.
    expect(() =>
      memoryLimiter({ transmit: { maxPasswordFailures: 20 }, account: { limit: 10, windowMs: 3_600_000 } }),
    ).not.toThrow();
  });

  it("A04 H05 a limiter keeps each device's attempts apart from the untrusted ones of the same account", async () => {
    let t = 0;
    const limiter = memoryLimiter({ now: () => t });
    const untrusted = { scope: "account" as const, key: "k" };
    for (let i = 0; i < 3; i++) expect((await limiter.hit(untrusted)).allowed).toBe(true);
    expect(await limiter.hit(untrusted)).toEqual({ allowed: false, retryAfter: 960 });
    for (const device of ["d1", "d2"]) {
      for (let i = 0; i < 4; i++) expect((await limiter.hit({ ...untrusted, device })).allowed).toBe(true);
      expect((await limiter.hit({ ...untrusted, device })).allowed).toBe(false);
    }
    await limiter.reset?.({ ...untrusted, device: "d1" });
    expect((await limiter.hit({ ...untrusted, device: "d1" })).allowed).toBe(true);
    expect((await limiter.hit(untrusted)).allowed).toBe(false);
    t = 960_001;
    expect((await limiter.hit(untrusted)).allowed).toBe(true);
  });
});

describe("A. the limiter sees the request it counts", () => {
  it("hit and succeeded get the request's Context (a limiter can keep what it learns for the request)", async () => {
    const fake = new FakeClient();
    const seen: string[] = [];
    const inner = memoryLimiter();
    const app = new Hono();
    const auth = transmitAuth({
      client: (c) => ({ client: fake, region: String(c.get("fromLimiter" as never) ?? "none") }),
      sessions: memorySessionStore(),
      limiter: {
        async hit(k, c) {
          if (k.scope === "account") c?.set("fromLimiter" as never, "eu" as never);
          seen.push(`hit ${k.scope} ${c?.req.path}`);
          return inner.hit(k);
        },
        async succeeded(k, c) {
          // Called instead of release (no device cookie) after the successful password check.
          seen.push(`succeeded ${k.scope} ${c?.get("fromLimiter" as never)}`);
        },
      },
      userKeySecret: SECRET,
      ip: "cf-connecting-ip",
    });
    app.route("/auth", auth.routes());
    const res = await loginJson(app, { username: "alice", password: "pw-alice" });
    expect(res.status).toBe(200);
    // A login's client is resolved before the account is counted (its device entries are bound to the region,
    // attack3 F2): what the limiter keeps is there for the rest of the request, not for this login's region.
    expect(((await res.json()) as { region: string }).region).toBe("none");
    expect(seen).toEqual(["hit ip /auth/login", "hit account /auth/login", "succeeded account eu"]);
  });
});
