// The example app (example/app.ts), exercised against the in-process emulator.
import { createTransmitClient } from "@transmit-edge/core";
import { createEmulator, DEMO_PASSWORD } from "@transmit-edge/emulator";
import { describe, expect, it } from "vitest";
import { createExampleApp } from "../example/app.ts";
import { browser, ORIGIN, sessionCookie, withCookie } from "./helpers.ts";

describe("example app", () => {
  it("mounts the router and guards /api", async () => {
    const emulator = createEmulator({ regions: ["eu"] });
    try {
      const client = createTransmitClient({
        region: "eu",
        baseUrl: "http://127.0.0.1:4010/eu",
        allowInsecureLoopback: true,
        clientId: "demo-client-eu",
        clientSecret: "demo-secret-eu",
        fetch: (input, init) => emulator.fetch(new Request(input, init)),
      });
      const app = createExampleApp({ client, getIp: () => "192.0.2.44" });
      expect((await app.request(`${ORIGIN}/api/me`)).status).toBe(401);
      const login = await app.request(`${ORIGIN}/auth/login`, {
        method: "POST",
        headers: browser({ "content-type": "application/json" }),
        body: JSON.stringify({ username: "alice", password: DEMO_PASSWORD }),
      });
      expect(login.status).toBe(200);
      const cookie = sessionCookie(login) as string;
      const me = await withCookie(app, "/api/me", cookie);
      expect(me.status).toBe(200);
      expect(((await me.json()) as { userId: string }).userId).toBe("demo-eu-alice");
      expect((await withCookie(app, "/auth/logout", cookie, "POST")).status).toBe(200);
      expect((await withCookie(app, "/api/me", cookie)).status).toBe(401);
    } finally {
      emulator.close();
    }
  });
});
