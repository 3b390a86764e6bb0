// A01-level attack on the guard's bearer mode: tokens that Transmit never issued to this application as a user
// session. Real tokens from the in-process emulator, verified by the real core client (docs/transmit-contract.md).
import { createTransmitClient, TransmitError } from "@transmit-edge/core";
import { createEmulator, DEMO_PASSWORD, DEMO_TEMPORARY_PASSWORD, type Emulator } from "@transmit-edge/emulator";
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import { type BearerOptions, memorySessionStore, transmitAuth } from "../src/index.ts";
import { CLIENT_ID, FakeClient, ORIGIN, TENANT_ID } from "./helpers.ts";

const ROOT = "http://127.0.0.1:4010/eu";
const TENANT = "demo-tenant-eu";

let emulator: Emulator;
const clientOf = (clientId: string, clientSecret: string) =>
  createTransmitClient({
    region: "eu",
    baseUrl: ROOT,
    clientId,
    clientSecret,
    allowInsecureLoopback: true,
    fetch: (input, init) => emulator.fetch(new Request(input, init)),
  });

// One emulator for the file (key generation is slow); the Deno shim has no beforeAll.
let started: Promise<void> | undefined;
async function ready(): Promise<void> {
  started ??= (async () => {
    emulator = createEmulator({ regions: ["eu"] });
    await emulator.ready();
    emulator.addClient("eu", {
      client_id: "other-app",
      client_secret: "other-secret",
      resources: ["https://api.example"],
    });
  })();
  await started;
}

/** An API guarded by this app's instance, accepting bearer tokens as configured. */
function api(bearer: BearerOptions) {
  const mine = clientOf("demo-client-eu", "demo-secret-eu");
  const auth = transmitAuth({ client: mine, sessions: memorySessionStore() });
  const app = new Hono();
  app.use("/api/*", auth.guard({ bearer }));
  app.get("/api/me", (c) => c.json({ userId: c.var.session.userId, source: c.var.session.source }));
  const call = (token: string) =>
    Promise.resolve(app.request(`${ORIGIN}/api/me`, { headers: { authorization: `Bearer ${token}` } }));
  return { mine, call };
}

async function resetTokenOf(client: ReturnType<typeof clientOf>): Promise<string> {
  try {
    await client.passwords.authenticate({ username: "tara", password: DEMO_TEMPORARY_PASSWORD });
  } catch (e) {
    if (TransmitError.is(e) && e.resetToken) return e.resetToken;
  }
  throw new Error("no reset token");
}

describe("C. bearer tokens are sessions only when issued to this application", () => {
  beforeEach(ready);

  it("C05 H01 bearer: another app's client-credentials token, this app's own client token, another app's user token and a reset token all get 401", async () => {
    const { mine, call } = api({ clientId: "demo-client-eu", tenantId: TENANT });
    const other = clientOf("other-app", "other-secret");
    const attacks = {
      otherClientToken: await other.clientAccessToken(),
      ownClientToken: await mine.clientAccessToken(),
      otherAppUserToken: (await other.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD }))
        .accessToken,
      resetToken: await resetTokenOf(mine),
    };
    for (const [name, token] of Object.entries(attacks)) {
      const res = await call(token);
      expect({ name, status: res.status }).toEqual({ name, status: 401 });
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
    }
    // The legitimate case: a user access token issued to this app.
    const own = (await mine.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD })).accessToken;
    const ok = await call(own);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ userId: "demo-eu-alice", source: "bearer" });
  });

  it("C05 H01 bearer: the 401s are generic: the same body whichever check failed", async () => {
    const { mine, call } = api({ clientId: "demo-client-eu", tenantId: TENANT });
    const bodies = new Set<string>();
    for (const token of [await mine.clientAccessToken(), await resetTokenOf(mine), "not-a-jwt"]) {
      bodies.add(await (await call(token)).text());
    }
    expect(bodies.size).toBe(1);
  });

  it("C05 H01 bearer: another app's user token is accepted only when that app is listed, and only for a listed audience", async () => {
    const other = clientOf("other-app", "other-secret");
    const plain = (await other.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD })).accessToken;
    const forApi = (
      await other.passwords.authenticate({
        username: "alice",
        password: DEMO_PASSWORD,
        resource: "https://api.example",
      })
    ).accessToken;
    const both = api({ clientId: ["demo-client-eu", "other-app"], tenantId: TENANT });
    expect((await both.call(plain)).status).toBe(200);
    // Default audience: Transmit's `userid-api`; a token for a resource needs that resource listed.
    expect((await both.call(forApi)).status).toBe(401);
    const resource = api({
      clientId: ["demo-client-eu", "other-app"],
      tenantId: TENANT,
      audience: "https://api.example",
    });
    expect((await resource.call(forApi)).status).toBe(200);
    expect((await resource.call(plain)).status).toBe(401);
  });

  it("C05 H01 bearer: a token of another tenant is refused even for a listed client id", async () => {
    const fake = new FakeClient();
    const auth = transmitAuth({ client: fake, sessions: memorySessionStore() });
    const app = new Hono();
    app.use("/api/*", auth.guard({ bearer: { clientId: CLIENT_ID, tenantId: "another-tenant" } }));
    app.get("/api/me", (c) => c.text("in"));
    const res = await app.request(`${ORIGIN}/api/me`, { headers: { authorization: "Bearer at.alice.1" } });
    expect(res.status).toBe(401);
    const right = transmitAuth({ client: fake, sessions: memorySessionStore() });
    const app2 = new Hono();
    app2.use("/api/*", right.guard({ bearer: { clientId: CLIENT_ID, tenantId: TENANT_ID } }));
    app2.get("/api/me", (c) => c.text("in"));
    expect((await app2.request(`${ORIGIN}/api/me`, { headers: { authorization: "Bearer at.alice.1" } })).status).toBe(
      200,
    );
  });

  it("C05 H01 bearer: bearer mode must name the accepted client and tenant when the guard is created", () => {
    const auth = transmitAuth({ client: new FakeClient(), sessions: memorySessionStore() });
    expect(() => auth.guard({ bearer: true as never })).toThrow(/bearer/);
    expect(() => auth.guard({ bearer: { clientId: CLIENT_ID } as never })).toThrow(/bearer\.tenantId/);
    expect(() => auth.guard({ bearer: { clientId: [], tenantId: TENANT_ID } })).toThrow(/bearer\.clientId/);
    const noClient = transmitAuth({ sessions: memorySessionStore() });
    expect(() => noClient.guard({ bearer: { clientId: CLIENT_ID, tenantId: TENANT_ID } })).toThrow(/client/);
  });
});
