// attack1 (outside review): the guard's bearer mode against real emulator tokens, verified by the real core client.
import { createTransmitClient } from "@transmit-edge/core";
import { createEmulator, DEMO_PASSWORD, type Emulator } from "@transmit-edge/emulator";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { memorySessionStore, transmitAuth } from "../src/index.ts";
import { ORIGIN } from "./helpers.ts";

const ROOT = "http://127.0.0.1:4010/eu";
const TENANT = "demo-tenant-eu";

let emulator: Emulator;
let started: Promise<void> | undefined;
async function ready(): Promise<void> {
  started ??= (async () => {
    emulator = createEmulator({ regions: ["eu"] });
    await emulator.ready();
  })();
  await started;
}

function api() {
  const mine = createTransmitClient({
    region: "eu",
    baseUrl: ROOT,
    clientId: "demo-client-eu",
    clientSecret: "demo-secret-eu",
    allowInsecureLoopback: true,
    fetch: (input, init) => emulator.fetch(new Request(input, init)),
  });
  const auth = transmitAuth({ client: mine, sessions: memorySessionStore() });
  const app = new Hono();
  app.use("/api/*", auth.guard({ bearer: { clientId: "demo-client-eu", tenantId: TENANT } }));
  app.get("/api/me", (c) => c.json({ userId: c.var.session.userId }));
  const call = (token: string) =>
    Promise.resolve(app.request(`${ORIGIN}/api/me`, { headers: { authorization: `Bearer ${token}` } }));
  return { mine, call };
}

describe("attack1 F3: a bearer access token outlives the Transmit session it came from (not fixed: design)", () => {
  it("F3 control: Transmit itself has ended the session (its refresh token is refused)", async () => {
    await ready();
    const { mine } = api();
    const tokens = await mine.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
    await mine.sessions.logout(tokens.sessionId as string);
    await expect(mine.tokens.refresh(tokens.refreshToken as string)).rejects.toMatchObject({ code: "token_invalid" });
  });

  // The guard verifies bearer tokens offline: after the user (or an admin, after a theft) ends the Transmit session,
  // a stolen access token stays a session on a bearer-guarded API until its `exp` (an hour by default). Nothing in
  // the README's "Bearer tokens" section or in SECURITY.md says so. Expected to fail until there is a revocation hook
  // (or a max token age) in bearer mode; the limitation should at least be documented.
  // Kept as a statement of the documented limit (README "Bearer tokens", SECURITY.md "Open findings"): this test
  // fails, and must be turned around, the day bearer mode gains a revocation check.
  it("F3 known limit: a stolen access token stays valid on a bearer route until its exp, after its session's logout", async () => {
    await ready();
    const { mine, call } = api();
    const tokens = await mine.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
    expect((await call(tokens.accessToken)).status).toBe(200);
    await mine.sessions.logout(tokens.sessionId as string);
    expect((await call(tokens.accessToken)).status).toBe(200);
  });
});

describe("attack1 F2 (guard): one bearer token, one spelling", () => {
  it("F2 G04 the guard refuses a real access token whose signature's last character was re-spelled", async () => {
    await ready();
    const { mine, call } = api();
    const token = (await mine.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD })).accessToken;
    expect((await call(token)).status).toBe(200);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(token.at(-1) as string);
    // A 2048-bit signature leaves 4 unused bits in its last character: flip the lowest.
    const respelled = token.slice(0, -1) + alphabet[last ^ 1];
    expect((await call(respelled)).status).toBe(401);
  });
});
