// The Deno example over real sockets: the emulator and the app each on Deno.serve.
import { createTransmitClient } from "@transmit-edge/core";
import { createEmulator } from "@transmit-edge/emulator";
import { expect } from "expect";
import { createHandler } from "../src/app.ts";

async function withServers(body: (origin: string) => Promise<void>) {
  const emulator = createEmulator({ regions: ["eu"] });
  await emulator.ready();
  const upstream = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (request) => emulator.fetch(request));
  const transmit = createTransmitClient({
    region: "eu",
    baseUrl: `http://127.0.0.1:${upstream.addr.port}/eu`,
    allowInsecureLoopback: true,
    clientId: "demo-client-eu",
    clientSecret: "demo-secret-eu",
  });
  const app = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, createHandler(transmit));
  try {
    await body(`http://127.0.0.1:${app.addr.port}`);
  } finally {
    await app.shutdown();
    await upstream.shutdown();
    emulator.close();
  }
}

const login = (origin: string, username: string, password: string) =>
  fetch(`${origin}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });

Deno.test("deno example: signs alice in and answers with her verified identity", () =>
  withServers(async (origin) => {
    const ok = await login(origin, "alice", "Correct-Horse-7!");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ userId: "demo-eu-alice", email: "alice@example.com" });
  }));

Deno.test("deno example: maps login failures to statuses without leaking details", () =>
  withServers(async (origin) => {
    const wrong = await login(origin, "alice", "nope");
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: "invalid_credentials" });
    const forced = await login(origin, "tara", "Temporary-Pass-8!");
    expect(forced.status).toBe(403);
    expect(await forced.json()).toEqual({ error: "password_change_required" });
    const bad = await fetch(`${origin}/login`, { method: "POST", body: "{" });
    expect(bad.status).toBe(400);
    await bad.body?.cancel();
  }));
