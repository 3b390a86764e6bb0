// Malicious lockout, attacked as a botnet would: wrong guesses for one account from ever-changing IPs, against the
// router with the real core client and the emulator, which suspends an account as Transmit does (5 failures in 15
// minutes by default). Device cookies (OWASP) keep the owner's browser apart; untrusted attempts stay below Transmit's
// threshold, so strangers never get the account suspended.
import { createTransmitClient } from "@transmit-edge/core";
import { createEmulator, DEMO_PASSWORD, type Emulator, type PasswordPolicy } from "@transmit-edge/emulator";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import {
  type AuthEvent,
  type MemoryLimiterOptions,
  memoryLimiter,
  memorySessionStore,
  transmitAuth,
} from "../src/index.ts";
import { browser, ORIGIN, SECRET, setCookies } from "./helpers.ts";

interface World {
  emulator: Emulator;
  app: Hono;
  events: AuthEvent[];
  /** Advances our clock and the emulator's together. */
  advance(seconds: number): void;
  /** Upstream password checks so far, and how many of them Transmit answered "locked" (403). */
  upstream(): { calls: number; locked: number };
}

let world: World | undefined;

async function build(
  policy: Partial<PasswordPolicy> = {},
  limiter: MemoryLimiterOptions = {},
  auth: { deviceCookie?: false } = {},
): Promise<World> {
  const emulator = createEmulator({ regions: ["eu"], policy });
  await emulator.ready();
  const clock = { t: Date.now() };
  const now = () => clock.t;
  const client = createTransmitClient({
    region: "eu",
    baseUrl: "http://127.0.0.1:4010/eu",
    clientId: "demo-client-eu",
    clientSecret: "demo-secret-eu",
    allowInsecureLoopback: true,
    fetch: (input, init) => emulator.fetch(new Request(input, init)),
    // The emulator's clock: its client tokens and ID tokens age with it.
    now,
  });
  const events: AuthEvent[] = [];
  const instance = transmitAuth({
    client,
    sessions: memorySessionStore({ now }),
    // Per-IP limits are not the subject here: every guess comes from its own address anyway.
    limiter: memoryLimiter({ now, ...limiter }),
    userKeySecret: SECRET,
    ip: "cf-connecting-ip",
    now,
    onEvent: (e) => {
      events.push(e);
    },
    ...auth,
  });
  const app = new Hono();
  app.route("/auth", instance.routes());
  world = {
    emulator,
    app,
    events,
    advance(seconds) {
      clock.t += seconds * 1000;
      emulator.advanceClock(seconds);
    },
    upstream() {
      const calls = emulator.requests({ route: "password.authenticate" });
      return { calls: calls.length, locked: calls.filter((c) => c.status === 403).length };
    },
  };
  return world;
}

let ip = 0;
/** A JSON login from a fresh IP (a botnet), with the browser's cookies when given. */
async function attempt(w: World, password: string, cookie?: string, username = "alice"): Promise<Response> {
  ip++;
  const headers = browser({
    "content-type": "application/json",
    "cf-connecting-ip": `198.18.${(ip >> 8) & 255}.${ip & 255}`,
    ...(cookie ? { cookie } : {}),
  });
  return w.app.request(`${ORIGIN}/auth/login`, {
    method: "POST",
    headers,
    body: JSON.stringify({ username, password }),
  });
}

/** The `name=value` of the device cookie a response sets. */
function deviceCookie(res: Response): string {
  const line = setCookies(res).find((l) => l.startsWith("__Host-session-device="));
  if (!line) throw new Error("no device cookie");
  return line.split(";")[0] as string;
}

async function guesses(w: World, n: number, cookie?: string, username = "alice"): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await attempt(w, `Wrong-Guess-${i}!`, cookie, username)).status);
  return statuses;
}

describe("A. malicious lockout: strangers cannot lock the owner out", () => {
  afterEach(() => world?.emulator.close());

  it("A04 H05 30 wrong guesses from 30 IPs: 3 reach Transmit (below its 5), Transmit never suspends, and the owner's browser with its device cookie still signs in", async () => {
    const w = await build();
    const owner = deviceCookie(await attempt(w, DEMO_PASSWORD));
    const before = w.upstream().calls;

    const statuses = await guesses(w, 30);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3).every((s) => s === 429)).toBe(true);
    expect(w.upstream().calls - before).toBe(3);

    // The owner's browser is counted apart: a typo, then the right password, both reach Transmit and work.
    expect((await attempt(w, "Owner-Typo-1!", owner)).status).toBe(401);
    const signedIn = await attempt(w, DEMO_PASSWORD, owner);
    expect(signedIn.status).toBe(200);
    expect(w.upstream().locked).toBe(0);
    // Strangers are still refused, without an upstream call.
    const calls = w.upstream().calls;
    expect((await attempt(w, DEMO_PASSWORD)).status).toBe(429);
    expect(w.upstream().calls).toBe(calls);
  });

  it("A04 H05 guessing around the clock never suspends the account: 3 guesses per 16-minute window reach Transmit, window after window", async () => {
    const w = await build();
    for (let window = 0; window < 8; window++) {
      const statuses = await guesses(w, 10);
      expect(statuses.filter((s) => s === 401)).toHaveLength(3);
      w.advance(16 * 60);
    }
    expect(w.upstream()).toEqual({ calls: 24, locked: 0 });
    // Not suspended at Transmit: even a browser the account never used signs in with the right password.
    expect((await attempt(w, DEMO_PASSWORD)).status).toBe(200);
  });

  it("A04 H05 the cap follows the tenant's policy: with maxPasswordFailures 8 in 30 minutes, 6 guesses reach Transmit per window, never 8", async () => {
    const w = await build(
      { maxPasswordFailures: 8, failuresExpireIn: 30 },
      { transmit: { maxPasswordFailures: 8, failuresExpireIn: 30 } },
    );
    const owner = deviceCookie(await attempt(w, DEMO_PASSWORD));
    for (let window = 0; window < 3; window++) {
      expect((await guesses(w, 20)).filter((s) => s === 401)).toHaveLength(6);
      // 16 minutes are not enough here: Transmit still counts these failures.
      w.advance(16 * 60);
      expect((await guesses(w, 1))[0]).toBe(429);
      w.advance(15 * 60);
    }
    expect(w.upstream().locked).toBe(0);
    expect((await attempt(w, DEMO_PASSWORD, owner)).status).toBe(200);
  });

  it("A04 H05 a device cookie that is forged, tampered with, expired or another account's is untrusted: it gets no attempts beyond the strangers' cap", async () => {
    const w = await build();
    await w.emulator.addUser("eu", { username: "bob", password: "Bob-Password-1234!" });
    const alice = deviceCookie(await attempt(w, DEMO_PASSWORD));
    const bobs = deviceCookie(await attempt(w, "Bob-Password-1234!", undefined, "bob"));
    await guesses(w, 3); // the untrusted cap of alice is used up
    const value = alice.split("=")[1] as string;
    const [expires, nonce, mac] = value.split(".") as [string, string, string];
    const flipped = `${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`;
    const forged = [
      bobs, // bob's genuine cookie, used for alice
      `__Host-session-device=${expires}.${nonce}.${flipped}`, // tampered signature
      `__Host-session-device=${(Number.parseInt(expires, 36) + 86_400).toString(36)}.${nonce}.${mac}`, // longer life
      `__Host-session-device=${expires}.${"A".repeat(22)}.${mac}`, // another device id under alice's signature
      `__Host-session-device=${"zzzzzz"}.${"B".repeat(22)}.${"C".repeat(22)}`, // made up
      "__Host-session-device=garbage",
    ];
    const calls = w.upstream().calls;
    for (const cookie of forged) expect((await attempt(w, DEMO_PASSWORD, cookie)).status).toBe(429);
    expect(w.upstream().calls).toBe(calls);
    // The genuine one still works; after its lifetime (90 days) it is untrusted too.
    expect((await attempt(w, DEMO_PASSWORD, alice)).status).toBe(200);
    w.advance(91 * 86_400);
    await guesses(w, 3);
    expect((await attempt(w, DEMO_PASSWORD, alice)).status).toBe(429);
  });

  it("A04 H05 a device's own guesses are capped per device (maxPasswordFailures - 1), apart from untrusted ones and from the owner's other devices", async () => {
    const w = await build();
    const laptop = deviceCookie(await attempt(w, DEMO_PASSWORD));
    const phone = deviceCookie(await attempt(w, DEMO_PASSWORD));
    expect(await guesses(w, 5, laptop)).toEqual([401, 401, 401, 401, 429]);
    expect(w.events.at(-1)).toMatchObject({ type: "login", outcome: "throttled", reason: "device_throttled" });
    // The phone is another device; its right password resets nothing it should not and signs in.
    expect((await attempt(w, DEMO_PASSWORD, phone)).status).toBe(200);
    expect(w.upstream().locked).toBe(0);
  });

  it("A04 H05 one browser remembers the last accounts signed in on it; a success renews its entry", async () => {
    const w = await build();
    await w.emulator.addUser("eu", { username: "bob", password: "Bob-Password-1234!" });
    const first = deviceCookie(await attempt(w, DEMO_PASSWORD));
    const both = deviceCookie(await attempt(w, "Bob-Password-1234!", first, "bob"));
    expect(both.split("~")).toHaveLength(2);
    await guesses(w, 3); // alice's strangers' cap
    await guesses(w, 3, undefined, "bob"); // bob's
    expect((await attempt(w, DEMO_PASSWORD, both)).status).toBe(200);
    expect((await attempt(w, "Bob-Password-1234!", both, "bob")).status).toBe(200);
  });

  it("A07 H05 the throttled answer is the same for a real and a made-up account and says when to try again (within the window)", async () => {
    const w = await build();
    await guesses(w, 3);
    await guesses(w, 3, undefined, "nobody-at-all");
    const a = await attempt(w, "x-Password-1!");
    const b = await attempt(w, "x-Password-1!", undefined, "nobody-at-all");
    expect([a.status, b.status]).toEqual([429, 429]);
    expect(await a.text()).toBe(await b.text());
    const retry = Number(a.headers.get("retry-after"));
    expect(retry).toBe(Number(b.headers.get("retry-after")));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(16 * 60);
    expect(a.headers.getSetCookie?.() ?? []).toHaveLength(0);
  });

  it("A04 H05 deviceCookie: false is the explicit opt-out: every attempt is untrusted, so strangers' guesses stop the owner too", async () => {
    const w = await build({}, {}, { deviceCookie: false });
    const login = await attempt(w, DEMO_PASSWORD);
    expect(setCookies(login).some((l) => l.startsWith("__Host-session-device="))).toBe(false);
    await guesses(w, 3);
    expect((await attempt(w, DEMO_PASSWORD)).status).toBe(429);
  });
});
