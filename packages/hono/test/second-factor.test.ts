// The second factor (mfa-routes.ts) with the real core client against the in-process emulator: the pending record is
// never a session, codes are counted, throttled and never logged, step-up for `require: "mfa"`, trusted devices.
import { createEmulator, DEMO_PASSWORD, DEMO_TOTP_SECRET, type Emulator, totpAt } from "@transmit-edge/emulator";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import {
  type AuthEvent,
  memoryLimiter,
  memorySessionStore,
  type SecondFactorOptions,
  transmitAuth,
} from "../src/index.ts";
import { browser, Jar, ORIGIN, SECRET, START } from "./helpers.ts";
import { emulatorClient } from "./region-world.ts";

const ENROLLED = new Set(["demo-eu-tom", "demo-eu-sam"]);

interface World {
  emulator: Emulator;
  app: Hono;
  events: AuthEvent[];
  /** Every answer's body and headers, and every event line: codes must appear in none. */
  texts: string[];
  clock: { t: number };
}

function build(secondFactor: SecondFactorOptions = {}, limiter = memoryLimiter()): World {
  const clock = { t: START };
  const emulator = createEmulator({ regions: ["eu"] });
  const client = emulatorClient(emulator, "eu");
  const events: AuthEvent[] = [];
  const texts: string[] = [];
  const auth = transmitAuth({
    client,
    sessions: memorySessionStore({ now: () => clock.t }),
    limiter,
    userKeySecret: SECRET,
    ip: "cf-connecting-ip",
    onEvent: (e) => {
      events.push(e);
      texts.push(JSON.stringify(e));
    },
    now: () => clock.t,
    secondFactor: { enrolled: (claims) => ENROLLED.has(claims.sub as string), ...secondFactor },
  });
  const app = new Hono();
  app.route("/auth", auth.routes());
  app.use("/api/*", auth.guard());
  app.use("/sensitive/*", auth.guard({ require: "mfa" }));
  app.get("/api/me", (c) => c.json({ userId: c.var.session.userId, amr: c.var.session.amr ?? null }));
  app.get("/api/token", (c) => c.text(c.var.session.accessToken ?? ""));
  app.get("/sensitive/data", (c) => c.json({ ok: true, amr: c.var.session.amr }));
  return { emulator, app, events, texts, clock };
}

async function send(
  w: World,
  jar: Jar,
  path: string,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<Response> {
  const headers = browser({ ...(body === undefined ? {} : { "content-type": "application/json" }), ...extra });
  if (jar.header) headers.cookie = jar.header;
  const res = await w.app.request(`${ORIGIN}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  w.texts.push(await res.clone().text(), JSON.stringify([...res.headers]));
  return jar.take(res);
}

const password = (w: World, jar: Jar, username: string) =>
  send(w, jar, "/auth/login", { username, password: DEMO_PASSWORD });

/** The newest one-time code the emulator sent to `to`. */
function lastCode(w: World, to: string): string {
  const code = w.emulator.outbox({ region: "eu", to }).at(-1)?.code;
  if (!code) throw new Error(`no code for ${to}`);
  return code;
}

const totpNow = (w: World) => totpAt(DEMO_TOTP_SECRET, w.emulator.now());
const calls = (w: World, route: string) => w.emulator.requests({ region: "eu", route: route as never }).length;

describe("second factor against the emulator", () => {
  let w: World;
  afterEach(() => w?.emulator.close());

  it("M01 a correct password needing a second factor starts no session; its pending cookie is no session anywhere", async () => {
    w = build();
    await w.emulator.ready();
    const jar = new Jar();
    const res = await password(w, jar, "tom");
    expect(res.status).toBe(403);
    const body = (await res.json()) as { type: string; methods: string[]; verify: string };
    expect(body.type).toBe("urn:transmit-edge:problem:mfa_required");
    expect(body.methods).toEqual(["totp", "email"]); // tom has no phone number
    expect(body.verify).toBe("/verify");
    expect(jar.get("__Host-session")).toBeUndefined();
    const pending = jar.get("__Host-session-pw") as string;
    expect(pending).toBeTruthy();
    // The pending value, presented as the session cookie or alongside none: refused by every session route.
    const asSession = new Jar();
    asSession.values.set("__Host-session", pending);
    for (const j of [jar, asSession]) {
      expect((await send(w, j, "/api/me")).status).toBe(401);
      expect((await send(w, j, "/sensitive/data")).status).toBe(401);
      expect((await send(w, j, "/auth/session")).status).toBe(401);
      expect((await send(w, j, "/auth/refresh", {})).status).toBe(401);
      expect((await send(w, j, "/auth/password", { newPassword: "Another-Horse-9!" })).status).toBe(401);
    }
    expect((await send(w, asSession, "/auth/logout", {})).status).toBe(200);
    // None of this reached Transmit: no refresh, no logout, no password reset of tom's pending login.
    expect(calls(w, "token.refresh") + calls(w, "session.logout") + calls(w, "password.reset")).toBe(0);
    // The pending login still works after all that.
    const done = await send(w, jar, "/auth/verify", { method: "totp", code: await totpNow(w) });
    expect(done.status).toBe(200);
    expect(((await done.json()) as { claims: { amr: string[] } }).claims.amr).toContain("mfa");
    expect(jar.get("__Host-session-pw")).toBeUndefined();
    expect(((await (await send(w, jar, "/api/me")).json()) as { amr: string[] }).amr).toContain("mfa");
  });

  it("M01 M04 SMS code from the outbox -> session with mfa in amr; no code in any answer, header or event", async () => {
    w = build();
    await w.emulator.ready();
    const jar = new Jar();
    expect((await password(w, jar, "sam")).status).toBe(403);
    const sent = await send(w, jar, "/auth/verify/send", { method: "sms" });
    expect(sent.status).toBe(200);
    expect(await sent.json()).toEqual({ sent: true, method: "sms", resendAfter: 30 });
    const code = lastCode(w, "+15550100002");
    const ok = await send(w, jar, "/auth/verify", { method: "sms", code });
    expect(ok.status).toBe(200);
    const me = (await (await send(w, jar, "/api/me")).json()) as { userId: string; amr: string[] };
    expect(me.userId).toBe("demo-eu-sam");
    expect(me.amr).toEqual(expect.arrayContaining(["pwd", "sms", "mfa"]));
    expect((await send(w, jar, "/sensitive/data")).status).toBe(200);
    expect(w.events.map((e) => `${e.type}:${e.outcome}:${e.reason ?? ""}`)).toEqual([
      "login:success:second_factor_required",
      "second_factor:success:code_sent_sms",
      "login:success:",
    ]);
    for (const text of w.texts) expect(text).not.toContain(code);
  });

  it("M02 M04 wrong codes count: the pending record ends after maxAttempts, even the right code is then refused", async () => {
    w = build();
    await w.emulator.ready();
    const jar = new Jar();
    await password(w, jar, "tom");
    const wrong = [];
    for (let i = 0; i < 2; i++) {
      const res = await send(w, jar, "/auth/verify", { method: "totp", code: String(100000 + i) });
      expect(res.status).toBe(401);
      wrong.push(((await res.json()) as { type: string }).type);
    }
    expect(wrong).toEqual(Array(2).fill("urn:transmit-edge:problem:invalid_code"));
    expect(jar.get("__Host-session-pw")).toBeTruthy();
    const third = await send(w, jar, "/auth/verify", { method: "totp", code: "100002" });
    expect(third.status).toBe(401);
    expect(jar.get("__Host-session-pw")).toBeUndefined(); // cleared: back to the password
    const before = calls(w, "totp.authenticate");
    // No pending record any more: even the right code is refused before Transmit sees it.
    const right = await totpNow(w);
    const after = await send(w, jar, "/auth/verify", { method: "totp", code: right });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { type: string }).type).toBe("urn:transmit-edge:problem:unauthorized");
    expect(calls(w, "totp.authenticate")).toBe(before);
    expect(w.events.filter((e) => e.reason === "invalid_code")).toHaveLength(2);
    expect(w.events.filter((e) => e.reason === "attempts_exhausted")).toHaveLength(1);
    for (const text of w.texts) for (const c of ["100000", "100001", "100002", right]) expect(text).not.toContain(c);
  });

  it("M02 the per-pending limit cannot be beaten by keeping an old pending cookie value", async () => {
    w = build();
    await w.emulator.ready();
    const jar = new Jar();
    await password(w, jar, "tom");
    const first = jar.get("__Host-session-pw") as string;
    for (let i = 0; i < 3; i++) await send(w, jar, "/auth/verify", { method: "totp", code: String(200000 + i) });
    const stale = new Jar();
    stale.values.set("__Host-session-pw", first);
    const before = calls(w, "totp.authenticate");
    const res = await send(w, stale, "/auth/verify", { method: "totp", code: "200009" });
    expect(res.status).toBe(401);
    expect(calls(w, "totp.authenticate")).toBe(before);
  });

  it("M02 code attempts per account go through the limiter: fresh pending records do not reset the count", async () => {
    w = build();
    await w.emulator.ready();
    // Three wrong codes in one pending login, then a new password login: the account's code counter (3 untrusted
    // attempts per window by default) is spent, so the next code is refused before Transmit sees it.
    const jar = new Jar();
    await password(w, jar, "tom");
    for (let i = 0; i < 3; i++) await send(w, jar, "/auth/verify", { method: "totp", code: String(300000 + i) });
    expect((await password(w, jar, "tom")).status).toBe(403);
    const before = calls(w, "totp.authenticate");
    const res = await send(w, jar, "/auth/verify", { method: "totp", code: await totpNow(w) });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(calls(w, "totp.authenticate")).toBe(before);
    // Another account is not slowed down.
    const other = new Jar();
    await password(w, other, "sam");
    await send(w, other, "/auth/verify/send", { method: "sms" });
    expect((await send(w, other, "/auth/verify", { method: "sms", code: lastCode(w, "+15550100002") })).status).toBe(
      200,
    );
  });

  it("M02 parallel wrong codes on one pending record cannot exceed the account's code budget", async () => {
    w = build();
    await w.emulator.ready();
    const jar = new Jar();
    await password(w, jar, "tom");
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => send(w, jar, "/auth/verify", { method: "totp", code: String(400000 + i) })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
    expect(calls(w, "totp.authenticate")).toBeLessThanOrEqual(3);
  });

  it("M02 a used code cannot be replayed (TOTP and email code)", async () => {
    w = build();
    await w.emulator.ready();
    const jar = new Jar();
    await password(w, jar, "tom");
    const code = await totpNow(w);
    expect((await send(w, jar, "/auth/verify", { method: "totp", code })).status).toBe(200);
    const again = new Jar();
    await password(w, again, "tom");
    const replay = await send(w, again, "/auth/verify", { method: "totp", code });
    expect(replay.status).toBe(401);
    expect(again.get("__Host-session")).toBeUndefined();
    // Email: the code of the first pending login is spent too.
    await send(w, again, "/auth/verify/send", { method: "email" });
    const emailCode = lastCode(w, "tom@example.com");
    expect((await send(w, again, "/auth/verify", { method: "email", code: emailCode })).status).toBe(200);
    const third = new Jar();
    await password(w, third, "tom");
    expect((await send(w, third, "/auth/verify", { method: "email", code: emailCode })).status).toBe(401);
    expect(third.get("__Host-session")).toBeUndefined();
  });

  it("M02 sends have a cooldown and a cap per pending record; a method not offered is refused", async () => {
    w = build();
    await w.emulator.ready();
    const jar = new Jar();
    await password(w, jar, "tom");
    expect((await send(w, jar, "/auth/verify/send", { method: "sms" })).status).toBe(400); // no phone for tom
    expect((await send(w, jar, "/auth/verify/send", { method: "email" })).status).toBe(200);
    const soon = await send(w, jar, "/auth/verify/send", { method: "email" });
    expect(soon.status).toBe(429);
    expect(soon.headers.get("retry-after")).toBe("30");
    w.clock.t += 31_000;
    expect((await send(w, jar, "/auth/verify/send", { method: "email" })).status).toBe(200);
    w.clock.t += 31_000;
    expect((await send(w, jar, "/auth/verify/send", { method: "email" })).status).toBe(200);
    w.clock.t += 31_000;
    expect((await send(w, jar, "/auth/verify/send", { method: "email" })).status).toBe(429);
    expect(calls(w, "otp.send")).toBe(3);
  });

  it("M02 new pending records (a new password login each time) do not reset the account's send limit", async () => {
    w = build();
    await w.emulator.ready();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const jar = new Jar();
      expect((await password(w, jar, "sam")).status).toBe(403);
      statuses.push((await send(w, jar, "/auth/verify/send", { method: "sms" })).status);
    }
    // The untrusted account rule of the default limiter: 3 per window, then 429 before anything is sent.
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(calls(w, "otp.send")).toBe(3);
    expect(w.emulator.outbox({ region: "eu", to: "+15550100002" })).toHaveLength(3);
  });

  it("M01 no second factor for users not enrolled (when-enrolled), nor with require: never", async () => {
    w = build();
    await w.emulator.ready();
    const jar = new Jar();
    const res = await password(w, jar, "alice");
    expect(res.status).toBe(200);
    expect(jar.get("__Host-session")).toBeTruthy();
    w.emulator.close();
    w = build({ require: "never" });
    await w.emulator.ready();
    expect((await password(w, new Jar(), "tom")).status).toBe(200);
    w.emulator.close();
    w = build({ require: "always" });
    await w.emulator.ready();
    expect((await password(w, new Jar(), "alice")).status).toBe(403);
  });

  it("M03 require: mfa refuses a password-only session with 403 mfa_required, and accepts it after step-up", async () => {
    w = build();
    await w.emulator.ready();
    const jar = new Jar();
    await password(w, jar, "alice");
    const before = jar.get("__Host-session") as string;
    const refused = await send(w, jar, "/sensitive/data");
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      type: "urn:transmit-edge:problem:mfa_required",
      title: "A second factor is required",
      status: 403,
      methods: ["totp", "email", "sms"],
      verify: "/verify",
    });
    expect((await send(w, jar, "/api/me")).status).toBe(200); // an ordinary route is fine
    // Step-up: a code by email, on the existing session.
    expect((await send(w, jar, "/auth/verify/send", { method: "email" })).status).toBe(200);
    const ok = await send(w, jar, "/auth/verify", { method: "email", code: lastCode(w, "alice@example.com") });
    expect(ok.status).toBe(200);
    const after = jar.get("__Host-session") as string;
    expect(after).not.toBe(before); // a new session value (fixation)
    const data = await send(w, jar, "/sensitive/data");
    expect(data.status).toBe(200);
    expect(((await data.json()) as { amr: string[] }).amr).toContain("mfa");
    // The password-only value is gone.
    const old = new Jar();
    old.values.set("__Host-session", before);
    expect((await send(w, old, "/api/me")).status).toBe(401);
  });

  it("M03 a signed-out request cannot step up, and a bearer token without mfa is refused like a cookie", async () => {
    w = build();
    await w.emulator.ready();
    const none = new Jar();
    expect((await send(w, none, "/auth/verify/send", { method: "email" })).status).toBe(401);
    expect((await send(w, none, "/auth/verify", { method: "totp", code: "123456" })).status).toBe(401);
    expect(calls(w, "otp.send") + calls(w, "totp.authenticate")).toBe(0);
    // Bearer: the guard reads amr from the access token (Transmit's access tokens carry none: refused).
    const info = w.emulator.region("eu");
    const app = new Hono();
    const auth = transmitAuth({
      client: emulatorClient(w.emulator, "eu"),
      sessions: memorySessionStore(),
      limiter: "none",
    });
    app.use("*", auth.guard({ require: "mfa", bearer: { clientId: "demo-client-eu", tenantId: info.tenant_id } }));
    app.get("/x", (c) => c.text("ok"));
    const jar = new Jar();
    await password(w, jar, "alice");
    const token = await (await send(w, jar, "/api/token")).text();
    const res = await app.request(`${ORIGIN}/x`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { type: string }).type).toBe("urn:transmit-edge:problem:mfa_required");
  });

  it("M05 a trusted device skips the second factor only within its window and only for the same account", async () => {
    w = build({ trustedDeviceFor: 3600 });
    await w.emulator.ready();
    const jar = new Jar();
    await password(w, jar, "tom");
    expect((await send(w, jar, "/auth/verify", { method: "totp", code: await totpNow(w) })).status).toBe(200);
    const device = jar.get("__Host-session-device") as string;
    expect(device).toBeTruthy();
    // Within the window: the same browser and account sign in with the password alone (no mfa in amr).
    w.clock.t += 1800_000;
    const skip = await password(w, jar, "tom");
    expect(skip.status).toBe(200);
    expect(((await skip.json()) as { claims: { amr: string[] } }).claims.amr).not.toContain("mfa");
    // Another account on the same browser is asked.
    expect((await password(w, jar, "sam")).status).toBe(403);
    // Another browser without the cookie is asked.
    expect((await password(w, new Jar(), "tom")).status).toBe(403);
    // The device cookie copied into a browser: valid for tom only, and only until the window ends.
    w.clock.t += 1801_000;
    const late = new Jar();
    late.values.set("__Host-session-device", device);
    expect((await password(w, late, "tom")).status).toBe(403);
  });

  it("M05 trustedDeviceFor 0 (default) never skips", async () => {
    w = build();
    await w.emulator.ready();
    const jar = new Jar();
    await password(w, jar, "tom");
    expect((await send(w, jar, "/auth/verify", { method: "totp", code: await totpNow(w) })).status).toBe(200);
    expect((await password(w, jar, "tom")).status).toBe(403);
  });

  it("M01 a form post with the right password answers 303 to the verify page with the pending cookie", async () => {
    w = build();
    await w.emulator.ready();
    const res = await w.app.request(`${ORIGIN}/auth/login`, {
      method: "POST",
      headers: browser({ "content-type": "application/x-www-form-urlencoded" }),
      body: new URLSearchParams({ username: "tom", password: DEMO_PASSWORD, returnTo: "/account" }).toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/verify?returnTo=%2Faccount");
    const lines = res.headers.getSetCookie();
    expect(lines.some((l) => l.startsWith("__Host-session-pw=") && !/max-age=0/i.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith("__Host-session="))).toBe(false);
  });

  it("M01 options are checked when the instance is created", () => {
    const base = { sessions: memorySessionStore(), limiter: "none" as const };
    expect(() => transmitAuth({ ...base, secondFactor: { require: "sometimes" as never } })).toThrow(
      /secondFactor\.require/,
    );
    expect(() => transmitAuth({ ...base, secondFactor: { methods: ["voice" as never] } })).toThrow(
      /secondFactor\.methods/,
    );
    expect(() => transmitAuth({ ...base, secondFactor: { trustedDeviceFor: 60 } })).toThrow(
      /secondFactor\.trustedDeviceFor/,
    );
    expect(() => transmitAuth({ ...base, secondFactor: { verifyPage: "https://evil.example/" } })).toThrow(
      /secondFactor\.verifyPage/,
    );
  });
});
