// F01 / G02 / C10 inside workerd: a sentinel password, client secret, session secret and the real tokens the emulator
// issues never reach any output (console.* or the Worker's event log) across login, session, refresh, logout,
// throttling, a forced password change and every upstream fault.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { harness, login, ORIGIN, sessionCookie } from "./helpers.ts";

const SENTINEL_PASSWORD = "Sentinel-Pw-7fQ2zK9x!";
const SENTINEL_NEW_PASSWORD = "Sentinel-New-Pw-3hJ8wQ!";
const SENTINEL_CLIENT_SECRET = "sentinel-client-secret-4c8d1e0b9a";
const SENTINEL_SESSION_SECRET = "sentinel-session-secret-0a1b2c3d4e5f6a7b8c9d";

const FAULTS = [
  { latency_ms: 1500 },
  { hang: true },
  { drop: "before" },
  { drop: "after" },
  { status: 500 },
  { status: 502 },
  { status: 503 },
  { status: 504 },
  { status: 503, retry_after: 30 },
  { status: 429, retry_after: 1, times: 2 },
  { status: 502, body: "<html><body>Bad gateway</body></html>" },
  { status: 200, body: "<html><body>OK</body></html>" },
  { status: 200, body: '{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIi' },
  { status: 200, body: { token_type: "Bearer", session_id: "s" } },
] as const;

describe("F01 logs sentinel in workerd", () => {
  const captured: string[] = [];

  beforeEach(() => {
    captured.length = 0;
    for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        captured.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
      });
    }
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("F01 C10 G02 no password, secret, token or session value in any output across login, refresh, logout, throttling, password change and every fault", async () => {
    const tokens = new Set<string>();
    const h = await harness(
      {
        TRANSMIT_EU_CLIENT_ID: "sentinel-client",
        TRANSMIT_EU_CLIENT_SECRET: SENTINEL_CLIENT_SECRET,
        SESSION_SECRET: SENTINEL_SESSION_SECRET,
        UPSTREAM_TIMEOUT_MS: "300",
      },
      {
        async tap(_request, response) {
          const text = await response.text().catch(() => "");
          for (const m of text.matchAll(
            /"(access_token|id_token|refresh_token|session_id|reset_token)":"([^"]{16,})"/g,
          ))
            tokens.add(m[2]!);
        },
      },
    );
    h.emulator.addClient("eu", { client_id: "sentinel-client", client_secret: SENTINEL_CLIENT_SECRET });
    await h.emulator.addUser("eu", { username: "sentinel", password: SENTINEL_PASSWORD });
    await h.emulator.addUser("eu", { username: "sentinel-temp", password: SENTINEL_PASSWORD, temporary: true });
    const cookies: string[] = [];
    const bodies: string[] = [];
    const keep = async (res: Response) => {
      bodies.push(await res.clone().text(), JSON.stringify([...res.headers]));
      const value = sessionCookie(res)?.split("=")[1];
      if (value) cookies.push(value);
      return res;
    };
    const good = { username: "sentinel", password: SENTINEL_PASSWORD };
    const post = (path: string, cookie: string) =>
      h.fetch(path, {
        method: "POST",
        headers: { cookie, origin: ORIGIN, "content-type": "application/json" },
        body: "{}",
      });

    // Login, guarded route, session, refresh (G02: the client token is used, never shown), logout, replay.
    const res = await keep(await login(h, good));
    expect(res.status).toBe(200);
    const cookie = sessionCookie(res)!;
    await keep(await h.fetch("/api/me", { headers: { cookie } }));
    await keep(await h.fetch("/auth/session", { headers: { cookie } }));
    const refreshed = await keep(await post("/auth/refresh", cookie));
    expect(refreshed.status).toBe(200);
    const current = sessionCookie(refreshed) ?? cookie;
    expect((await keep(await post("/auth/logout", current))).status).toBeLessThan(300);
    await keep(await h.fetch("/api/me", { headers: { cookie: current } }));

    // Forced password change: the reset token stays server-side.
    const pending = await keep(await login(h, { username: "sentinel-temp", password: SENTINEL_PASSWORD }));
    expect(pending.status).toBe(403);
    const pendingCookie = pending.headers
      .getSetCookie()
      .find((l) => l.startsWith("__Host-"))!
      .split(";")[0]!;
    const changed = await keep(
      await h.fetch("/auth/password", {
        method: "POST",
        headers: { cookie: pendingCookie, origin: ORIGIN, "content-type": "application/json" },
        body: JSON.stringify({ newPassword: SENTINEL_NEW_PASSWORD }),
      }),
    );
    expect(changed.status).toBe(200);

    // Account throttle from rotating IPs, then credentials in the query string.
    for (let i = 0; i < 12; i++) {
      await keep(
        await login(h, { username: "sentinel", password: `${SENTINEL_PASSWORD}${i}` }, { ip: `192.0.2.${i + 1}` }),
      );
    }
    expect(h.logs.some((l) => l.includes('"outcome":"throttled"'))).toBe(true);
    await keep(
      await h.fetch(`/auth/login?password=${encodeURIComponent(SENTINEL_PASSWORD)}`, {
        method: "POST",
        headers: { origin: ORIGIN, "content-type": "application/json" },
        body: JSON.stringify(good),
      }),
    );

    // Every fault on the password call, for a user the throttle has not seen.
    await h.emulator.addUser("eu", { username: "sentinel-2", password: SENTINEL_PASSWORD });
    for (const [i, fault] of FAULTS.entries()) {
      h.emulator.injectFault({ route: "password.authenticate", region: "eu", ...fault } as never);
      const r = await keep(
        await login(h, { username: "sentinel-2", password: SENTINEL_PASSWORD }, { ip: `198.51.100.${i + 1}` }),
      );
      expect(r.status, JSON.stringify(fault)).toBeGreaterThanOrEqual(502);
      expect(r.headers.getSetCookie(), JSON.stringify(fault)).toHaveLength(0);
    }
    // And on the client token and JWKS fetches of a fresh Worker.
    for (const route of ["oidc.token", "jwks"] as const) {
      const fresh = await harness({ UPSTREAM_TIMEOUT_MS: "300" });
      fresh.emulator.injectFault({ route, status: 503, times: 3 });
      const r = await keep(await login(fresh, { username: "alice", password: "Correct-Horse-7!" }));
      expect(r.status).toBeGreaterThanOrEqual(502);
      expect(r.headers.getSetCookie()).toHaveLength(0);
      captured.push(...fresh.logs);
    }

    expect(tokens.size).toBeGreaterThanOrEqual(4);
    expect(cookies.length).toBeGreaterThanOrEqual(2);
    const output = [...captured, ...h.logs].join("\n");
    expect(output).toContain('"type":"login"');
    const answers = bodies.join("\n");
    for (const secret of [
      SENTINEL_PASSWORD,
      SENTINEL_NEW_PASSWORD,
      SENTINEL_CLIENT_SECRET,
      SENTINEL_SESSION_SECRET,
      ...tokens,
    ]) {
      expect(output.includes(secret), `output holds ${secret.slice(0, 10)}...`).toBe(false);
      expect(answers.includes(secret), `an answer holds ${secret.slice(0, 10)}...`).toBe(false);
    }
    for (const value of cookies) expect(output.includes(value), "output holds a session value").toBe(false);
  }, 60_000);
});
