// Node only: the router with the core client over a real loopback socket to the emulator (real fetch, real timers).
import { createTransmitClient } from "@transmit-edge/core";
import { DEMO_PASSWORD } from "@transmit-edge/emulator";
import { type EmulatorServer, startEmulatorServer } from "@transmit-edge/emulator/node";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cookieSessionStore, memoryLimiter, transmitAuth } from "../../src/index.ts";
import { browser, ORIGIN, SECRET, sessionCookie, withCookie } from "../helpers.ts";

describe("over a loopback socket", () => {
  let server: EmulatorServer;
  let app: Hono;
  const clock = { offsetMs: 0 };

  beforeAll(async () => {
    server = await startEmulatorServer({ port: 0, host: "127.0.0.1", regions: ["eu"] });
    const client = createTransmitClient({
      region: "eu",
      baseUrl: `${server.url}/eu`,
      clientId: "demo-client-eu",
      clientSecret: "demo-secret-eu",
      allowInsecureLoopback: true,
      timeoutMs: 2000,
    });
    const sessions = cookieSessionStore({ secrets: [SECRET], recheckAfter: 300 });
    const auth = transmitAuth({
      client,
      sessions,
      now: () => Date.now() + clock.offsetMs,
      limiter: memoryLimiter(),
      userKeySecret: SECRET,
      getIp: () => "192.0.2.10",
    });
    app = new Hono();
    app.route("/auth", auth.routes());
    app.use("/api/*", auth.guard());
    app.get("/api/me", (c) => c.json({ userId: c.var.session.userId }));
  });

  afterAll(async () => {
    await server?.close();
  });

  it("signs in, reaches a guarded route, signs out", async () => {
    const login = await app.request(`${ORIGIN}/auth/login`, {
      method: "POST",
      headers: browser({ "content-type": "application/json" }),
      body: JSON.stringify({ username: "alice", password: DEMO_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = sessionCookie(login) as string;
    // C01 with real tokens sealed in the cookie store.
    const line = login.headers.get("set-cookie") ?? "";
    expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(4096);
    const me = await withCookie(app, "/api/me", cookie);
    expect(await me.json()).toEqual({ userId: "demo-eu-alice" });
    const calls = server.emulator.requests({ route: "password.authenticate" });
    expect(calls).toHaveLength(1);
    expect(JSON.stringify(calls)).not.toContain(DEMO_PASSWORD);
    expect((await withCookie(app, "/auth/logout", cookie, "POST")).status).toBe(200);
    expect(server.emulator.requests({ route: "session.logout" })).toHaveLength(1);
    // A copy of the sealed cookie, without a shared revocation store: refused once the re-check is due, because
    // Transmit revoked the session's refresh tokens at logout.
    clock.offsetMs = 301_000;
    expect((await withCookie(app, "/api/me", cookie)).status).toBe(401);
    expect(server.emulator.requests({ route: "token.refresh" }).map((c) => c.status)).toEqual([400]);
  });
});
