// The Bun example over real sockets: the emulator and the app each on Bun.serve, a login and the guarded route.
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createEmulator } from "@transmit-edge/emulator";
import { startServer } from "../src/server.ts";

let emulatorServer: ReturnType<typeof Bun.serve>;
let app: ReturnType<typeof startServer>;
let origin: string;

beforeAll(async () => {
  const emulator = createEmulator({ regions: ["eu"] });
  await emulator.ready();
  emulatorServer = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (request) => emulator.fetch(request) });
  app = startServer({
    PORT: "0",
    TRANSMIT_BASE_URL: `http://127.0.0.1:${emulatorServer.port}/eu`,
    USER_KEY_SECRET: "bun-example-test-secret-0123456789abcdef",
  });
  origin = `http://127.0.0.1:${app.port}`;
});

afterAll(() => {
  app.stop(true);
  emulatorServer.stop(true);
});

describe("bun example", () => {
  it("signs alice in and serves the guarded route with her cookie", async () => {
    expect((await fetch(`${origin}/api/me`)).status).toBe(401);
    const login = await fetch(`${origin}/auth/login`, {
      method: "POST",
      headers: { origin, "content-type": "application/json" },
      body: JSON.stringify({ username: "alice", password: "Correct-Horse-7!" }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const me = await fetch(`${origin}/api/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ userId: "demo-eu-alice", email: "alice@example.com" });
    expect((await fetch(`${origin}/auth/logout`, { method: "POST", headers: { cookie, origin } })).status).toBe(200);
    expect((await fetch(`${origin}/api/me`, { headers: { cookie } })).status).toBe(401);
  });

  it("refuses to start without USER_KEY_SECRET (the limiter's username key)", () => {
    expect(() => startServer({ PORT: "0", TRANSMIT_BASE_URL: "http://127.0.0.1:1/eu" })).toThrow(/USER_KEY_SECRET/);
  });

  it("answers a wrong password with a generic 401", async () => {
    const login = await fetch(`${origin}/auth/login`, {
      method: "POST",
      headers: { origin, "content-type": "application/json" },
      body: JSON.stringify({ username: "alice", password: "nope" }),
    });
    expect(login.status).toBe(401);
  });
});
