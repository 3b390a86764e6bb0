/**
 * The Hono login router (`@transmit-edge/hono`) with the core client against the emulator's CLI over a real loopback
 * socket: every upstream fault of the matrix, seen from the user's side (status, body, cookies, time) and from
 * Transmit's (password POSTs counted through the control API), plus the logs sentinel (F01) on Node.
 */
import { createTransmitClient, type TransmitClientOptions } from "@transmit-edge/core";
import { type AuthEvent, memoryLimiter, memorySessionStore, transmitAuth } from "@transmit-edge/hono";
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type EmulatorCli, startEmulatorCli } from "./emulator-cli.ts";
import { type FaultCase, faultCases, UPSTREAM_TEXT } from "./fault-cases.ts";
import { DEMO_PASSWORD, timed } from "./helpers.ts";

const ORIGIN = "https://app.example";
/** The router's deadline for every upstream call. */
const TIMEOUT_MS = 1500;
/** Slack on top of a deadline for a loaded CI machine. */
const SLACK_MS = 1000;

let cli: EmulatorCli;

beforeAll(async () => {
  cli = await startEmulatorCli(["eu"]);
});

afterAll(async () => {
  await cli?.stop();
});

beforeEach(async () => {
  await cli.reset();
});

interface RouterApp {
  app: Hono;
  events: AuthEvent[];
}

/** A fresh router + guard (fresh client: no cached client token or JWKS) on the socket emulator. */
function routerApp(overrides: Partial<TransmitClientOptions> = {}, onEvent?: (e: AuthEvent) => void): RouterApp {
  const events: AuthEvent[] = [];
  const client = createTransmitClient({
    region: "eu",
    baseUrl: cli.root("eu"),
    allowInsecureLoopback: true,
    clientId: "demo-client-eu",
    clientSecret: "demo-secret-eu",
    retry: { baseDelayMs: 20 },
    ...overrides,
  });
  const sessions = memorySessionStore();
  const sink = (e: AuthEvent) => {
    events.push(e);
    onEvent?.(e);
  };
  const auth = transmitAuth({
    client,
    sessions,
    limiter: memoryLimiter(),
    userKeySecret: "router-socket-test-secret-0123456789abcdef",
    ip: "cf-connecting-ip",
    timeoutMs: TIMEOUT_MS,
    onEvent: sink,
  });
  const app = new Hono();
  app.route("/auth", auth.routes());
  app.use("/api/*", auth.guard());
  app.get("/api/me", (c) => c.json({ userId: c.var.session.userId }));
  return { app, events };
}

function post(app: Hono, path: string, body: unknown, headers: Record<string, string> = {}) {
  return Promise.resolve(
    app.request(`${ORIGIN}${path}`, {
      method: "POST",
      headers: { origin: ORIGIN, "content-type": "application/json", "cf-connecting-ip": "192.0.2.10", ...headers },
      body: JSON.stringify(body),
    }),
  );
}

/** Runs one fault case against a fresh app and checks everything the matrix promises. */
async function runCase(fault: FaultCase, app: RouterApp, credentials = { username: "alice", password: DEMO_PASSWORD }) {
  for (const f of fault.faults) await cli.injectFault({ region: "eu", ...f });
  const { value: res, ms } = await timed(() => post(app.app, "/auth/login", credentials));
  const text = await res.text();
  expect(res.status, fault.name).toBe(fault.status);
  expect((await cli.recorded("password.authenticate")).length, fault.name).toBe(fault.passwordCalls);
  const login = app.events.filter((e) => e.type === "login").at(-1);
  expect(login?.outcome === "success" ? "success" : login?.reason, fault.name).toBe(fault.reason);
  if (fault.retryAfter !== undefined) expect(res.headers.get("retry-after")).toBe(fault.retryAfter);
  if (fault.minMs !== undefined) expect(ms).toBeGreaterThanOrEqual(fault.minMs);
  // One deadline for the password call and one for verifying its ID token: never more.
  expect(ms).toBeLessThan(2 * TIMEOUT_MS + SLACK_MS);
  if (fault.status === 200) {
    // The session cookie, and the device cookie of a browser that signed in (counted apart by the throttle).
    expect(res.headers.getSetCookie().map((l) => l.split("=")[0])).toEqual(["__Host-session", "__Host-session-device"]);
    return { res, text };
  }
  expect(res.headers.getSetCookie(), `${fault.name}: no cookie on failure`).toHaveLength(0);
  expect(res.headers.get("content-type")).toBe("application/problem+json; charset=utf-8");
  expect(JSON.parse(text).type).toMatch(/^urn:transmit-edge:problem:upstream_/);
  expect(text).not.toMatch(UPSTREAM_TEXT);
  return { res, text };
}

describe("E02 E03 E04 router fault matrix over a loopback socket", () => {
  for (const fault of faultCases(TIMEOUT_MS)) {
    it(`E02 ${fault.name}: ${fault.status}, reason ${fault.reason}, ${fault.passwordCalls} password POST(s)`, async () => {
      await runCase(fault, routerApp());
    });
  }

  it("E02 after a fault the same router signs in normally (nothing stuck: sockets, pending promises, caches)", async () => {
    const app = routerApp();
    await runCase(faultCases(TIMEOUT_MS).find((f) => f.name === "hang until abort")!, app);
    const res = await post(app.app, "/auth/login", { username: "alice", password: DEMO_PASSWORD });
    expect(res.status).toBe(200);
  });

  it("E02 a refresh fault (503) keeps the session and sets no cookie; a lost refresh answer gives 502", async () => {
    const { app } = routerApp();
    const login = await post(app, "/auth/login", { username: "alice", password: DEMO_PASSWORD });
    const cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
    await cli.injectFault({ route: "token.refresh", region: "eu", status: 503 });
    const failed = await post(app, "/auth/refresh", {}, { cookie });
    expect(failed.status).toBe(503);
    expect(failed.headers.getSetCookie()).toHaveLength(0);
    expect((await app.request(`${ORIGIN}/api/me`, { headers: { cookie } })).status).toBe(200);
    await cli.injectFault({ route: "token.refresh", region: "eu", drop: "after" });
    const lost = await post(app, "/auth/refresh", {}, { cookie });
    expect(lost.status).toBe(502);
    expect((await cli.recorded("token.refresh")).length).toBe(2);
  });

  it("E03 logout survives a 503 and a dropped connection at Transmit (idempotent, retried) and clears the cookie", async () => {
    const { app } = routerApp();
    const login = await post(app, "/auth/login", { username: "alice", password: DEMO_PASSWORD });
    const cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
    await cli.injectFault({ route: "session.logout", region: "eu", status: 503 });
    await cli.injectFault({ route: "session.logout", region: "eu", drop: "before" });
    const out = await post(app, "/auth/logout", {}, { cookie });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie()[0]).toMatch(/Max-Age=0/);
    expect((await cli.recorded("session.logout")).length).toBe(3);
    expect((await app.request(`${ORIGIN}/api/me`, { headers: { cookie } })).status).toBe(401);
  });
});

describe("F01 logs sentinel (router on Node, real socket)", () => {
  const SENTINEL_PASSWORD = "Sentinel-Pw-7fQ2zK9x!";
  const SENTINEL_SECRET = "sentinel-client-secret-4c8d1e0b9a";
  const captured: string[] = [];
  const tokens = new Set<string>();

  beforeEach(() => {
    for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        captured.push(args.map((a) => (typeof a === "string" ? a : safeInspect(a))).join(" "));
      });
    }
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("F01 no password, client secret, token or session value in any console output across login, refresh, logout, throttling and every fault", async () => {
    await cli.control("POST", "/eu/clients", { client_id: "sentinel-client", client_secret: SENTINEL_SECRET });
    await cli.control("POST", "/eu/users", { username: "sentinel-user", password: SENTINEL_PASSWORD });
    // The fetch records every token Transmit hands out, so the check below knows the real values.
    const recordingFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const copy = await res
        .clone()
        .text()
        .catch(() => "");
      // (Short values come from the injected "200 with missing fields" body, not from Transmit.)
      for (const m of copy.matchAll(/"(access_token|id_token|refresh_token|session_id)":"([^"]{16,})"/g))
        tokens.add(m[2]!);
      return res;
    };
    const credentials = { username: "sentinel-user", password: SENTINEL_PASSWORD };
    const make = () =>
      routerApp({ clientId: "sentinel-client", clientSecret: SENTINEL_SECRET, fetch: recordingFetch }, (e) =>
        console.log(JSON.stringify(e)),
      );
    const cookies: string[] = [];
    const seen: string[] = [];
    const keep = async (res: Response) => {
      seen.push(await res.clone().text(), JSON.stringify([...res.headers]));
      for (const line of res.headers.getSetCookie()) cookies.push(line.split(";")[0]!.split("=")[1]!);
      return res;
    };

    // Login, session, refresh, logout.
    const { app } = make();
    const login = await keep(await post(app, "/auth/login", credentials));
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
    await keep(await app.request(`${ORIGIN}/auth/session`, { headers: { cookie } }));
    await keep(await post(app, "/auth/refresh", {}, { cookie }));
    await keep(await post(app, "/auth/logout", {}, { cookie }));
    await keep(await app.request(`${ORIGIN}/api/me`, { headers: { cookie } }));
    // Wrong passwords until the account throttle answers, credentials in the query string.
    const throttled = make();
    for (let i = 0; i < 12; i++) {
      await keep(await post(throttled.app, "/auth/login", { ...credentials, password: `${SENTINEL_PASSWORD}-${i}` }));
    }
    expect(throttled.events.some((e) => e.outcome === "throttled")).toBe(true);
    await keep(
      await throttled.app.request(`${ORIGIN}/auth/login?password=${encodeURIComponent(SENTINEL_PASSWORD)}`, {
        method: "POST",
        headers: { origin: ORIGIN, "content-type": "application/json" },
        body: "{}",
      }),
    );
    // Every fault of the matrix with the sentinel user and client.
    await cli.reset();
    await cli.control("POST", "/eu/clients", { client_id: "sentinel-client", client_secret: SENTINEL_SECRET });
    await cli.control("POST", "/eu/users", { username: "sentinel-user", password: SENTINEL_PASSWORD });
    for (const fault of faultCases(TIMEOUT_MS)) {
      await cli.control("DELETE", "/requests");
      const faulty = make();
      await runCase(fault, faulty, credentials);
    }

    expect(tokens.size).toBeGreaterThan(3);
    expect(cookies.length).toBeGreaterThan(1);
    expect(captured.length).toBeGreaterThan(20);
    const output = captured.join("\n");
    const responses = seen.join("\n");
    for (const secret of [SENTINEL_PASSWORD, SENTINEL_SECRET, ...tokens]) {
      const at = output.indexOf(secret);
      expect(at < 0 ? "" : `${secret.slice(0, 12)}… in: ${output.slice(Math.max(0, at - 300), at + 80)}`).toBe("");
      expect(responses.includes(secret), "a response holds a secret").toBe(false);
    }
    for (const value of cookies.filter((v) => v.length > 0)) {
      expect(output.includes(value), "console output holds a session value").toBe(false);
    }
  }, 60_000);
});

function safeInspect(value: unknown): string {
  try {
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  } catch {
    return String(value);
  }
}
