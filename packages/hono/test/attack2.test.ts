// attack2: an outside review of sign-up / reset (R), the second factor (M) and a user's sessions (U). Each test is
// an attack; the ones named "attack2 F<n>" show a finding (all fixed now, each failing on the code before its fix).
import type { TokenSet } from "@transmit-edge/core";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  type ClientSource,
  cookieSessionStore,
  type LoginClient,
  memoryLimiter,
  memorySessionStore,
  type RevocationStore,
  type SessionStore,
  transmitAuth,
  type UserRevocation,
} from "../src/index.ts";
import { browser, FakeClient, Jar, ORIGIN, SECRET, START, upstream } from "./helpers.ts";
import { emulatorClient } from "./region-world.ts";

const CODE = "123456";

/** A fake Transmit with the second factor: `otp` / `totp` accept {@link CODE} in a Transmit session not logged out. */
class MfaFake extends FakeClient {
  private m = 0;
  constructor() {
    super();
    const verify = this.tokens.verifyIdToken;
    // ID tokens minted by a second factor carry `amr: ["pwd", "mfa"]`.
    (this.tokens as { verifyIdToken: typeof verify }).verifyIdToken = async (jwt, o) => {
      const claims = await verify(jwt, o);
      return jwt.endsWith(".mfa") ? { ...claims, amr: ["pwd", "mfa"] } : claims;
    };
  }
  private check(input: { identifier: string; sessionId?: string }, code: string): TokenSet {
    this.calls.push({ method: "secondFactor", args: [input.sessionId] });
    const out = this.calls.some((c) => c.method === "logout" && c.args[0] === input.sessionId);
    if (out) throw upstream("token_invalid");
    if (code !== CODE) throw upstream("invalid_credentials");
    const sub = input.identifier.replace(/^user-/, "");
    const n = ++this.m;
    return {
      accessToken: `at.${sub}.m${n}`,
      idToken: `id.${sub}.mfa`,
      refreshToken: `rt.${sub}.m${n}`,
      tokenType: "Bearer",
      expiresIn: 3600,
    };
  }
  readonly otp = {
    send: async () => ({}),
    authenticate: async (input: { identifier: string; sessionId?: string; passcode: string }) =>
      this.check(input, input.passcode),
  };
  readonly totp = {
    authenticate: async (input: { identifier: string; sessionId?: string; token: string }) =>
      this.check(input, input.token),
  };
}

interface World {
  app: Hono;
  fake: MfaFake;
  clock: { t: number };
  sessions: SessionStore;
}

/** A shared revocation store with per-user "revoked before" marks. */
function markingRevocations(): RevocationStore {
  const ids = new Set<string>();
  const marks = new Map<string, UserRevocation>();
  return {
    has: (id) => ids.has(id),
    add: (id) => void ids.add(id),
    revokeUser: (user, mark) => void marks.set(user, mark),
    userRevocation: (user) => marks.get(user),
  };
}

function world(
  options: { maxEntries?: number; require?: "always" | "never"; ipLimit?: number; sealed?: boolean } = {},
): World {
  const clock = { t: START };
  const now = () => clock.t;
  const fake = new MfaFake();
  const sessions = options.sealed
    ? cookieSessionStore({ secrets: [SECRET], revocations: markingRevocations() })
    : memorySessionStore({ now, ...(options.maxEntries ? { maxEntries: options.maxEntries } : {}) });
  const auth = transmitAuth({
    client: fake,
    sessions,
    limiter: memoryLimiter({ now, ip: { limit: options.ipLimit ?? 50, windowMs: 60_000 } }),
    userKeySecret: SECRET,
    now,
    ip: "cf-connecting-ip",
    secondFactor: { require: options.require ?? "always" },
    account: {
      client: () => ({
        users: { create: async () => ({}) as never },
        passwords: { sendResetEmail: async () => ({}) as never },
      }),
      resetUrl: `${ORIGIN}/auth/reset-password`,
    },
  });
  const app = new Hono();
  app.route("/auth", auth.routes());
  app.use("/api/*", auth.guard());
  app.get("/api/me", (c) => c.json({ userId: c.var.session.userId, amr: c.var.session.amr ?? null }));
  return { app, fake, clock, sessions };
}

async function send(w: World, jar: Jar, path: string, body?: unknown, ip = "203.0.113.7"): Promise<Response> {
  const headers = browser({
    "cf-connecting-ip": ip,
    ...(body === undefined ? {} : { "content-type": "application/json" }),
  });
  if (jar.header) headers.cookie = jar.header;
  const res = await w.app.request(`${ORIGIN}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return jar.take(res);
}

/** Password, then the code: a signed-in browser. */
async function signIn(w: World, user = "alice", password = `pw-${user}`): Promise<Jar> {
  const jar = new Jar();
  const first = await send(w, jar, "/auth/login", { username: user, password });
  expect(first.status).toBe(403);
  const done = await send(w, jar, "/auth/verify", { code: CODE, method: "totp" });
  expect(done.status).toBe(200);
  return jar;
}

const me = async (w: World, jar: Jar) => (await send(w, jar.only("__Host-session"), "/api/me")).status;

describe("attack2: second factor, credential changes and sessions", () => {
  it("attack2 F1 (U01 with a second factor): a forced password change that then asks for the second factor ends the user's other sessions", async () => {
    const w = world();
    const old = await signIn(w);
    expect(await me(w, old)).toBe(200);
    // alice's password must change at her next sign-in (Transmit: temporary or expired password).
    w.fake.failNext.authenticate = [upstream("password_change_required", { resetToken: "reset-alice" })];
    const jar = new Jar();
    expect((await send(w, jar, "/auth/login", { username: "alice", password: "pw-alice" })).status).toBe(403);
    const changed = await send(w, jar, "/auth/password", { newPassword: "New-Password-42!" });
    // The password did change at Transmit; the new sign-in now waits for the second factor.
    expect(changed.status).toBe(403);
    expect(w.fake.users.alice).toBe("New-Password-42!");
    // The credential changed: the session from before must end now, not only if and when the code is entered.
    expect(await me(w, old)).toBe(401);
    const verified = await send(w, jar, "/auth/verify", { code: CODE, method: "totp" });
    expect(verified.status).toBe(200);
    expect(await me(w, jar)).toBe(200);
    expect(await me(w, old)).toBe(401);
  });

  it("attack2 F1 (sealed-cookie store with per-user marks): the same, and the pending step and the new session survive the marks", async () => {
    const w = world({ sealed: true });
    const old = await signIn(w);
    w.clock.t += 2_000;
    w.fake.failNext.authenticate = [upstream("password_change_required", { resetToken: "reset-alice" })];
    const jar = new Jar();
    expect((await send(w, jar, "/auth/login", { username: "alice", password: "pw-alice" })).status).toBe(403);
    expect((await send(w, jar, "/auth/password", { newPassword: "New-Password-42!" })).status).toBe(403);
    expect(await me(w, old)).toBe(401);
    // The same second as the mark: the pending step is kept by it, and so is the session it starts.
    expect((await send(w, jar, "/auth/verify", { code: CODE, method: "totp" })).status).toBe(200);
    expect(await me(w, jar)).toBe(200);
    expect(await me(w, old)).toBe(401);
  });

  it("attack2 F2 (U02): a login waiting for its second factor survives 'sign out everywhere' and becomes a session afterwards", async () => {
    const w = world();
    const victim = await signIn(w);
    // The attacker has alice's password (phished) and is at the code step.
    const attacker = new Jar();
    expect(
      (await send(w, attacker, "/auth/login", { username: "alice", password: "pw-alice" }, "198.51.100.9")).status,
    ).toBe(403);
    // alice notices and signs out everywhere.
    expect((await send(w, victim, "/auth/logout-all", {})).status).toBe(200);
    // The pending login's Transmit session must have been ended too: its code no longer starts a session.
    const after = await send(w, attacker, "/auth/verify", { code: CODE, method: "totp" }, "198.51.100.9");
    expect(after.status).not.toBe(200);
    expect(await me(w, attacker)).toBe(401);
  });

  it("attack2 F2b (R04/U01): a login waiting for its second factor survives a password reset", async () => {
    const w = world();
    const attacker = new Jar();
    expect(
      (await send(w, attacker, "/auth/login", { username: "alice", password: "pw-alice" }, "198.51.100.9")).status,
    ).toBe(403);
    // alice resets her password through the email link (the fake's reset answer names no email, so give one).
    const reset = w.fake.passwords.reset;
    (w.fake.passwords as { reset: typeof reset }).reset = async (i, o) => ({ ...(await reset(i, o)), email: "alice" });
    const jar = new Jar();
    expect((await send(w, jar, "/auth/reset-password?code=reset-alice")).status).toBe(303);
    expect((await send(w, jar, "/auth/reset-password", { newPassword: "New-Password-42!" })).status).toBe(200);
    const after = await send(w, attacker, "/auth/verify", { code: CODE, method: "totp" }, "198.51.100.9");
    expect(after.status).not.toBe(200);
    expect(await me(w, attacker)).toBe(401);
  });

  it("attack2 F3 (R04, memory store): unauthenticated reset-link landings cannot push signed-in users' sessions out of the store", async () => {
    const w = world({ maxEntries: 20, ipLimit: 1000 });
    const victim = await signIn(w);
    const bob = await signIn(w, "bob");
    const waiting = new Jar();
    expect((await send(w, waiting, "/auth/login", { username: "alice", password: "pw-alice" })).status).toBe(403);
    // Anyone can open `/auth/reset-password?code=<anything>`: each landing stores a 15-minute record.
    for (let i = 0; i < 40; i++) {
      const res = await send(w, new Jar(), `/auth/reset-password?code=junk${i}`, undefined, `192.0.2.${i + 1}`);
      expect(res.status).toBe(303);
    }
    expect(await me(w, victim)).toBe(200);
    expect(await me(w, bob)).toBe(200);
    // Landings go before a login waiting for its code, too.
    expect((await send(w, waiting, "/auth/verify", { code: CODE, method: "totp" })).status).toBe(200);
  });
});

describe("attack2: limits a stranger can use up", () => {
  it("attack2 F5 (R03): strangers who use up an account's forgot-password budget do not stop its owner's browser from asking for a link", async () => {
    const w = world({ require: "never", ipLimit: 1000 });
    const owner = new Jar();
    expect((await send(w, owner, "/auth/login", { username: "alice", password: "pw-alice" })).status).toBe(200);
    // A stranger asks for alice's reset link again and again, from several addresses (and floods her mailbox).
    let refused = 0;
    for (let i = 0; i < 10; i++) {
      const res = await send(w, new Jar(), "/auth/forgot-password", { username: "alice" }, `192.0.2.${i + 1}`);
      if (res.status === 429) refused++;
    }
    expect(refused).toBeGreaterThan(0);
    // alice, in the browser she signs in with, forgot her password: she still gets her link.
    const mine = await send(w, owner.only("__Host-session-device"), "/auth/forgot-password", { username: "alice" });
    expect(mine.status).toBe(202);
  });
});

describe("attack2: upstream work per client network", () => {
  it("attack2 F6 (R03/A05): POST /reset-password is counted per client network like every other unauthenticated write", async () => {
    const w = world({ require: "never", ipLimit: 10 });
    const jar = new Jar();
    // One landed link (the attacker's own account's); Transmit keeps the token after a refused password.
    expect((await send(w, jar, "/auth/reset-password?code=reset-alice")).status).toBe(303);
    w.fake.failNext.reset = Array.from({ length: 50 }, () => upstream("password_rejected"));
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      statuses.push((await send(w, jar, "/auth/reset-password", { newPassword: `Weak-${i}-password!` })).status);
    }
    expect(statuses).toContain(429);
    expect(w.fake.count("reset")).toBeLessThanOrEqual(10);
  });
});

describe("attack2: the trusted-device window of the second factor", () => {
  it("attack2 F4 (M05): a second factor on one's own account does not skip the second factor of another account whose username normalises the same", async () => {
    const clock = { t: START };
    const now = () => clock.t;
    const fake = new MfaFake();
    // A tenant whose usernames are case-sensitive (the emulator's are): two people, two accounts.
    fake.users = { Alice: "pw-victim", alice: "pw-mallory" };
    const auth = transmitAuth({
      client: fake,
      sessions: memorySessionStore({ now }),
      limiter: memoryLimiter({ now }),
      userKeySecret: SECRET,
      now,
      ip: "cf-connecting-ip",
      secondFactor: { require: "always", trustedDeviceFor: 86_400 },
    });
    const app = new Hono();
    app.route("/auth", auth.routes());
    const w = { app, fake, clock, sessions: memorySessionStore() } as World;
    // Mallory passes the second factor on her own account "alice" in her browser (trusted for a day)...
    const mallory = new Jar();
    expect((await send(w, mallory, "/auth/login", { username: "alice", password: "pw-mallory" })).status).toBe(403);
    expect((await send(w, mallory, "/auth/verify", { code: CODE, method: "totp" })).status).toBe(200);
    // ...then uses Alice's stolen password: Alice's second factor must still be asked.
    const res = await send(w, mallory, "/auth/login", { username: "Alice", password: "pw-victim" });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { type?: string }).type ?? "").toContain("mfa");
  });
});

/** A router for the device-entry attacks: no second factor, a per-IP limit out of the way. */
function deviceWorld(fake: MfaFake, client: LoginClient | ClientSource): World {
  const clock = { t: START };
  const now = () => clock.t;
  const auth = transmitAuth({
    client,
    sessions: memorySessionStore({ now }),
    limiter: memoryLimiter({ now, ip: { limit: 1000, windowMs: 60_000 } }),
    userKeySecret: SECRET,
    now,
    ip: "cf-connecting-ip",
    secondFactor: { require: "never" },
  });
  const app = new Hono();
  app.route("/auth", auth.routes());
  return { app, fake, clock, sessions: memorySessionStore() };
}

/** Three browsers that each signed in to `username` once: their device cookies only. */
async function signedInBrowsers(w: World, username: string, password: string): Promise<Jar[]> {
  const browsers: Jar[] = [];
  for (let i = 0; i < 3; i++) {
    const jar = new Jar();
    expect((await send(w, jar, "/auth/login", { username, password })).status).toBe(200);
    browsers.push(jar.only("__Host-session-device"));
  }
  return browsers;
}

describe("attack2: the login throttle's device entries", () => {
  // F4b: the same collision on the login throttle's device cookies. A device entry was signed for the typed username's
  // keyed hash (normalised: NFKC, trimmed, lower case); on a tenant whose usernames are case-sensitive, Mallory's own
  // account "alice" handed her device entries that counted her guesses on "Alice" per device, and every sign-in to
  // "alice" minted a new device id: the untrusted cap (which stays below Transmit's lockout) no longer held, so she
  // could guess on and get Alice suspended. Fixed: an entry is signed over the keyed hash of the username exactly as
  // typed, so it is valid only for the account it was issued for (the account buckets stay normalised).
  it("attack2 F4b (A04 H05): guesses on 'Alice' from browsers signed in to 'alice' stay below Transmit's lockout", async () => {
    const fake = new MfaFake();
    fake.users = { Alice: "pw-victim", alice: "pw-mallory" };
    const w = deviceWorld(fake, fake);
    const browsers = await signedInBrowsers(w, "alice", "pw-mallory");
    for (const jar of browsers) {
      for (let i = 0; i < 4; i++) await send(w, jar, "/auth/login", { username: "Alice", password: `guess-${i}` });
    }
    const onAlice = fake.calls.filter(
      (c) => c.method === "authenticate" && (c.args[0] as { username: string }).username === "Alice",
    ).length;
    // Transmit's default lockout is 5 failures in 15 minutes.
    expect(onAlice).toBeLessThan(5);
  });
});

describe("attack3 F2: device entries are bound to the region (tenant)", () => {
  // Two regions are two tenants: "alice" in us and "alice" in eu are two accounts. An entry earned on one must not
  // count guesses on the other (apps/edge-login/test/attack3.test.ts shows it across the Worker's tenants).
  it("F2 A04 H05 guesses on eu's 'alice' from browsers signed in to us's 'alice' stay below Transmit's lockout", async () => {
    const fake = new MfaFake();
    fake.users = { alice: "pw-alice" };
    let region = "us";
    const w = deviceWorld(fake, () => ({ client: fake, region }));
    const browsers = await signedInBrowsers(w, "alice", "pw-alice");
    // The same browsers in the us region: each is a device of us's alice (a wrong password is counted apart).
    const own = await send(w, browsers[0]!, "/auth/login", { username: "alice", password: "wrong" });
    expect(own.status).toBe(401);
    region = "eu";
    const before = fake.calls.filter((c) => c.method === "authenticate").length;
    for (const jar of browsers) {
      for (let i = 0; i < 4; i++) await send(w, jar, "/auth/login", { username: "alice", password: `guess-${i}` });
    }
    const onEu = fake.calls.filter((c) => c.method === "authenticate").length - before;
    // Transmit's default lockout is 5 failures in 15 minutes: only the untrusted budget reached eu.
    expect(onEu).toBeLessThan(5);
  });
});

describe("attack2: the forgot-password budget and device entries", () => {
  it("attack2 F4b (R03, forgot password): browsers signed in to 'alice' ask for Alice's link within her untrusted budget; Alice's own browser still gets hers", async () => {
    const w = world({ require: "never", ipLimit: 1000 });
    w.fake.users = { Alice: "pw-victim", alice: "pw-mallory" };
    const owner = new Jar();
    expect((await send(w, owner, "/auth/login", { username: "Alice", password: "pw-victim" })).status).toBe(200);
    let accepted = 0;
    for (let b = 0; b < 3; b++) {
      const jar = new Jar();
      expect((await send(w, jar, "/auth/login", { username: "alice", password: "pw-mallory" })).status).toBe(200);
      const device = jar.only("__Host-session-device");
      for (let i = 0; i < 4; i++) {
        if ((await send(w, device, "/auth/forgot-password", { username: "Alice" })).status === 202) accepted++;
      }
    }
    // One untrusted budget for Alice (4 per 16 minutes), not one per browser of Mallory's own account.
    expect(accepted).toBeLessThanOrEqual(4);
    const mine = await send(w, owner.only("__Host-session-device"), "/auth/forgot-password", { username: "Alice" });
    expect(mine.status).toBe(202);
  });
});

describe("attack2: sign-up of a look-alike address (against the emulator)", () => {
  it("attack2 F7 (R01/A04): an address whose normal form is another account's cannot be signed up, so it cannot hand out that account's device buckets", async () => {
    const { createAccountClient } = await import("@transmit-edge/core/account");
    const { createEmulator } = await import("@transmit-edge/emulator");
    const emulator = createEmulator({ regions: ["eu"] });
    try {
      const auth = transmitAuth({
        client: emulatorClient(emulator, "eu"),
        sessions: memorySessionStore(),
        limiter: memoryLimiter({ ip: { limit: 1000, windowMs: 60_000 } }),
        userKeySecret: SECRET,
        ip: "cf-connecting-ip",
        account: { client: createAccountClient, resetUrl: `${ORIGIN}/auth/reset-password`, defer: () => {} },
      });
      const app = new Hono();
      app.route("/auth", auth.routes());
      const w = { app } as World;
      const victimPassword = "Victim-Secret-42!";
      expect(
        (await send(w, new Jar(), "/auth/signup", { email: "victim@example.com", password: victimPassword })).status,
      ).toBe(202);
      // The victim signs in once in her browser (it gets her device cookie).
      const mine = new Jar();
      const first = await send(
        w,
        mine,
        "/auth/login",
        { username: "victim@example.com", password: victimPassword },
        "198.51.100.77",
      );
      expect(first.status).toBe(200);
      // Mallory signs up with a fullwidth "ｖ": NFKC makes it victim@example.com, Transmit keeps it apart.
      const lookAlike = "\uff56ictim@example.com";
      const made = await send(w, new Jar(), "/auth/signup", { email: lookAlike, password: "Mallory-Secret-42!" });
      expect(made.status).toBe(400);
      // (Before the fix: 202, Mallory signs in to it in several browsers, and each browser's device entry counts her
      // guesses on victim@example.com apart from the untrusted ones, past Transmit's lockout.)
      const browsers: Jar[] = [];
      for (let i = 0; i < 3; i++) {
        const jar = new Jar();
        await send(w, jar, "/auth/login", { username: lookAlike, password: "Mallory-Secret-42!" }, `192.0.2.${i + 1}`);
        browsers.push(jar.only("__Host-session-device"));
      }
      for (const jar of browsers) {
        for (let i = 0; i < 4; i++) {
          await send(w, jar, "/auth/login", { username: "victim@example.com", password: `guess-${i}` }, "192.0.2.9");
        }
      }
      // The victim, in her browser, can still sign in (Transmit did not suspend the account).
      const victim = await send(
        w,
        mine.only("__Host-session-device"),
        "/auth/login",
        { username: "victim@example.com", password: victimPassword },
        "198.51.100.77",
      );
      expect(victim.status).toBe(200);
    } finally {
      emulator.close();
    }
  });
});
