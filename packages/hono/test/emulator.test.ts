// Integration: the router and guard with the real core client against the in-process emulator.
import type { TransmitClient } from "@transmit-edge/core";
import { createEmulator, DEMO_PASSWORD, DEMO_TEMPORARY_PASSWORD, type Emulator } from "@transmit-edge/emulator";
import { Hono } from "hono";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AuthEvent, memoryLimiter, memorySessionStore, transmitAuth } from "../src/index.ts";
import { browser, ORIGIN, SECRET, sessionCookie, withCookie } from "./helpers.ts";
import { emulatorClient } from "./region-world.ts";

type Region = "eu" | "us";

interface World {
  emulator: Emulator;
  clients: Record<Region, TransmitClient>;
  app: Hono;
  events: AuthEvent[];
  texts: string[];
  loginRegion: { value: Region };
}

function build(): World {
  const emulator = createEmulator({ regions: ["eu", "us"] });
  const clients = { eu: emulatorClient(emulator, "eu"), us: emulatorClient(emulator, "us") };
  const sessions = memorySessionStore();
  const events: AuthEvent[] = [];
  const loginRegion = { value: "eu" as Region };
  // A new login goes to the region picked for the request; later calls go to the session's region.
  const resolve = (_c: unknown, region?: string) => clients[(region as Region | undefined) ?? loginRegion.value];
  const onEvent = (e: AuthEvent) => {
    events.push(e);
  };
  const auth = transmitAuth({
    client: resolve,
    sessions,
    limiter: memoryLimiter(),
    userKeySecret: SECRET,
    ip: "cf-connecting-ip",
    onEvent,
    timeoutMs: 8000,
  });
  const app = new Hono();
  app.route("/auth", auth.routes());
  app.use("/api/*", auth.guard());
  app.get("/api/me", (c) => c.json({ userId: c.var.session.userId, region: c.var.session.region }));
  return { emulator, clients, app, events, texts: [], loginRegion };
}

async function post(w: World, path: string, body: unknown, cookie?: string): Promise<Response> {
  const headers = browser({ "content-type": "application/json" });
  if (cookie) headers.cookie = cookie;
  const res = await w.app.request(`${ORIGIN}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
  w.texts.push(await res.clone().text(), JSON.stringify([...res.headers]));
  return res;
}

describe("against the emulator", () => {
  let w: World;
  beforeEach(async () => {
    w = build();
    await w.emulator.ready(); // key generation is not part of any deadline below
  });
  afterEach(() => {
    w.emulator.close();
  });

  it("C06 C11 login -> session -> refresh -> logout, all in the session's region", async () => {
    w.loginRegion.value = "us";
    const login = await post(w, "/auth/login", { username: "alice", password: DEMO_PASSWORD });
    expect(login.status).toBe(200);
    const body = (await login.json()) as { userId: string; region: string; claims: Record<string, unknown> };
    expect(body.userId).toBe("demo-us-alice");
    expect(body.region).toBe("us");
    expect(body.claims.sub).toBe("demo-us-alice");
    const cookie = sessionCookie(login) as string;
    w.loginRegion.value = "eu"; // new logins would now go to the EU; this session stays in the US
    const me = await withCookie(w.app, "/api/me", cookie);
    expect(await me.json()).toEqual({ userId: "demo-us-alice", region: "us" });
    const refreshed = await post(w, "/auth/refresh", {}, cookie);
    expect(refreshed.status).toBe(200);
    expect(w.emulator.requests({ region: "us", route: "token.refresh" })).toHaveLength(1);
    const out = await post(w, "/auth/logout", {}, cookie);
    expect(out.status).toBe(200);
    expect(w.emulator.requests({ region: "us", route: "session.logout" })).toHaveLength(1);
    expect(w.emulator.requests({ region: "eu" })).toHaveLength(0);
    expect((await withCookie(w.app, "/api/me", cookie)).status).toBe(401);
    expect(w.events.map((e) => `${e.type}:${e.outcome}`)).toEqual([
      "login:success",
      "refresh:success",
      "logout:success",
      "guard:failure",
    ]);
  });

  it("A02 temporary password -> 403 -> POST /password -> signed in with the new password", async () => {
    const first = await post(w, "/auth/login", { username: "tara", password: DEMO_TEMPORARY_PASSWORD });
    expect(first.status).toBe(403);
    const pending = sessionCookie(first, "__Host-session-pw") as string;
    const newPassword = "Brand-New-Horse-42!";
    const changed = await post(w, "/auth/password", { newPassword }, pending);
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as { userId: string }).userId).toBe("demo-eu-tara");
    const session = sessionCookie(changed) as string;
    expect((await withCookie(w.app, "/api/me", session)).status).toBe(200);
    const again = await post(w, "/auth/login", { username: "tara", password: newPassword });
    expect(again.status).toBe(200);
    expect((await post(w, "/auth/login", { username: "tara", password: DEMO_TEMPORARY_PASSWORD })).status).toBe(401);
  });

  it("A01 A02 unknown user, wrong password and a locked account look the same", async () => {
    const unknown = await post(w, "/auth/login", { username: "nobody", password: "Whatever-123!" });
    const reference = await unknown.text();
    expect(unknown.status).toBe(401);
    for (let i = 0; i < 2; i++) {
      const res = await post(w, "/auth/login", { username: "alice", password: `Wrong-${i}` });
      expect(res.status).toBe(401);
      expect(await res.text()).toBe(reference);
    }
    // The router stops strangers below Transmit's lockout; lock the account at Transmit directly (5 failures).
    for (let i = 0; i < 5; i++) {
      await w.clients.eu.passwords.authenticate({ username: "alice", password: `Wrong-${i}` }).catch(() => {});
    }
    // Locked upstream: still the same answer, even with the right password.
    const locked = await post(w, "/auth/login", { username: "alice", password: DEMO_PASSWORD });
    expect(locked.status).toBe(401);
    expect(await locked.text()).toBe(reference);
  });

  it("E02 upstream faults map to generic 502/503/504 without Set-Cookie or upstream text", async () => {
    const faults = [
      { status: 500, body: "<html>internal secret stack</html>" },
      { status: 502, body: "<html>bad gateway secret</html>" },
      { status: 200, body: '{"access_token": "trunc' },
      { status: 200, body: { token_type: "Bearer" } },
      { drop: "before" as const },
      { hang: true },
    ];
    for (const fault of faults) {
      w.emulator.injectFault({ route: "password.authenticate", ...fault });
      const res = await post(w, "/auth/login", { username: "alice", password: DEMO_PASSWORD });
      expect([502, 503, 504]).toContain(res.status);
      expect(res.headers.get("set-cookie")).toBeNull();
      const text = await res.text();
      expect(text).not.toContain("secret");
      expect(text).not.toContain("trunc");
    }
    expect(w.emulator.requests({ route: "password.authenticate" }).length).toBeLessThanOrEqual(faults.length);
  });

  it("G02 the client access token never appears in responses or events", async () => {
    const login = await post(w, "/auth/login", { username: "alice", password: DEMO_PASSWORD });
    const cookie = sessionCookie(login) as string;
    await post(w, "/auth/login", { username: "alice", password: "nope" });
    await post(w, "/auth/refresh", {}, cookie);
    await post(w, "/auth/logout", {}, cookie);
    const clientToken = await w.clients.eu.clientAccessToken();
    expect(clientToken.length).toBeGreaterThan(20);
    for (const text of [...w.texts, JSON.stringify(w.events)]) {
      expect(text).not.toContain(clientToken);
      expect(text).not.toContain("demo-secret-eu");
      expect(text).not.toContain(DEMO_PASSWORD);
    }
  });
});
