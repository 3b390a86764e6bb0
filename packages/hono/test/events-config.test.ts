// Checklist sections F (logging) and G (secrets and configuration).
import { createTransmitClient } from "@transmit-edge/core";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { type AuthEvent, cookieSessionStore, jsonLines, memorySessionStore, passwordLogin } from "../src/index.ts";
import { loginJson, ORIGIN, setup, signIn, upstream, withCookie } from "./helpers.ts";

type ConsoleMethod = "log" | "info" | "warn" | "error" | "debug";

/** Captures console output while `fn` runs (restores the originals afterwards). */
async function captureConsole(fn: () => Promise<void>): Promise<string> {
  const methods: ConsoleMethod[] = ["log", "info", "warn", "error", "debug"];
  const saved = methods.map((m) => console[m]);
  const out: string[] = [];
  for (const m of methods) {
    console[m] = (...args: unknown[]) => {
      out.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    };
  }
  try {
    await fn();
  } finally {
    methods.forEach((m, i) => {
      console[m] = saved[i] as (typeof console)[ConsoleMethod];
    });
  }
  return out.join("\n");
}

describe("F. logging", () => {
  it("F01 no console output or event contains a password, token or session value", async () => {
    const s = setup({ auth: { onEvent: jsonLines((line) => console.log(line)) } });
    const sentinelPassword = "SENTINEL-PASSWORD-7f3a";
    s.fake.users.alice = sentinelPassword;
    let cookie = "";
    const output = await captureConsole(async () => {
      const res = await loginJson(s.app, { username: "alice", password: sentinelPassword });
      cookie = res.headers.get("set-cookie")?.split(";")[0] ?? "";
      await loginJson(s.app, { username: "alice", password: `${sentinelPassword}-wrong` });
      await withCookie(s.app, "/auth/refresh", cookie, "POST");
      await withCookie(s.app, "/auth/session", cookie);
      s.fake.failNext.authenticate = [upstream("timeout")];
      await loginJson(s.app, { username: "alice", password: sentinelPassword });
      await withCookie(s.app, "/auth/logout", cookie, "POST");
    });
    expect(output.split("\n").length).toBeGreaterThanOrEqual(6);
    for (const secret of [
      sentinelPassword,
      "at.alice",
      "rt.alice",
      "id.alice",
      "ts.alice",
      cookie.split("=")[1] ?? "x",
    ]) {
      expect(output).not.toContain(secret);
    }
  });

  it("F02 every auth decision emits one structured event with type, outcome, user key, region, request id, time", async () => {
    const s = setup({ limits: { account: 1 } });
    const cookie = await signIn(s, "alice");
    await loginJson(s.app, { username: "bob", password: "bad" });
    await loginJson(s.app, { username: "bob", password: "bad" });
    await withCookie(s.app, "/auth/refresh", cookie, "POST");
    await withCookie(s.app, "/auth/logout", cookie, "POST");
    await withCookie(s.app, "/api/me", cookie);
    const summary = s.events.map((e) => `${e.type}:${e.outcome}:${e.status}`);
    expect(summary).toEqual([
      "login:success:200",
      "login:failure:401",
      "login:throttled:429",
      "refresh:success:200",
      "logout:success:200",
      "guard:failure:401",
    ]);
    for (const e of s.events) {
      expect(typeof e.requestId).toBe("string");
      expect(new Date(e.time).toISOString()).toBe(e.time);
    }
    const [login, failed, throttled] = s.events as AuthEvent[];
    expect(login?.region).toBe("eu");
    expect(login?.userKey).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(failed?.userKey).toBe(throttled?.userKey);
    expect(failed?.userKey).not.toBe(login?.userKey);
    expect(JSON.stringify(s.events)).not.toMatch(/alice|bob/);
  });

  it("F03 a username with CR, LF or ANSI escapes still gives single-line JSON events", async () => {
    const lines: string[] = [];
    const s = setup({ auth: { onEvent: jsonLines((l) => lines.push(l)) } });
    await loginJson(s.app, { username: "eve\r\nlevel=admin \u001b[31mred\u001b[0m", password: "x" });
    expect(lines).toHaveLength(1);
    const line = lines[0] as string;
    for (const ch of ["\r", "\n", "\u001b"]) expect(line).not.toContain(ch);
    expect(JSON.parse(line).type).toBe("login");
  });
});

describe("G. secrets and configuration", () => {
  it("G01 a missing client secret gives a generic 500; the event names the key, never a value", async () => {
    const events: AuthEvent[] = [];
    const app = new Hono();
    app.route(
      "/auth",
      passwordLogin({
        client: () =>
          createTransmitClient({
            region: "eu",
            clientId: "id-value-123",
            clientSecret: undefined as unknown as string,
          }),
        sessions: memorySessionStore(),
        limiter: "none",
        onEvent: (e) => {
          events.push(e);
        },
      }),
    );
    const res = await loginJson(app, { username: "alice", password: "pw" });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      type: "urn:transmit-edge:problem:server_error",
      title: "Server error",
      status: 500,
    });
    expect(events).toHaveLength(1);
    expect(events[0]?.detail).toContain("clientSecret");
    expect(JSON.stringify(events)).not.toContain("id-value-123");
  });

  it("G01 a missing session secret gives a generic 500 (fail closed)", async () => {
    const events: AuthEvent[] = [];
    const env: Record<string, string | undefined> = {};
    const app = new Hono();
    const s = setup();
    app.route(
      "/auth",
      passwordLogin({
        client: s.fake,
        sessions: () => cookieSessionStore({ secrets: [env.SESSION_SECRET as string], recheckAfter: 300 }),
        limiter: "none",
        onEvent: (e) => {
          events.push(e);
        },
      }),
    );
    const res = await loginJson(app, { username: "alice", password: "pw-alice" });
    expect(res.status).toBe(500);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(events[0]?.detail).toContain("secrets[0]");
    expect(s.fake.count("authenticate")).toBe(0);
    const session = await app.request(`${ORIGIN}/auth/session`, { headers: { cookie: "__Host-session=x" } });
    expect(session.status).toBe(500);
  });

  it("G01 invalid options are refused when the factory is called", () => {
    const s = setup();
    expect(() => passwordLogin({ client: undefined as never, sessions: memorySessionStore() })).toThrow(/client/);
    expect(() => passwordLogin({ client: s.fake, sessions: undefined as never })).toThrow(/sessions/);
    expect(() => passwordLogin({ client: s.fake, sessions: memorySessionStore(), userKeySecret: "short" })).toThrow(
      /userKeySecret/,
    );
    expect(() => passwordLogin({ client: s.fake, sessions: memorySessionStore(), redirectTo: "https://x" })).toThrow(
      /redirectTo/,
    );
  });
});
