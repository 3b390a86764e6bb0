// The Node example over real sockets (node --test): the emulator CLI's server and the example's node:http server.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startEmulatorServer } from "@transmit-edge/emulator/node";
import { startServer } from "../src/server.mjs";

/** @type {import("@transmit-edge/emulator/node").EmulatorServer} */
let emulator;
/** @type {{ url: string, close(): Promise<void> }} */
let app;

before(async () => {
  emulator = await startEmulatorServer({ port: 0, regions: ["eu"] });
  app = await startServer({ PORT: "0", TRANSMIT_BASE_URL: `${emulator.url}/eu` });
});

after(async () => {
  await app.close();
  await emulator.close();
});

/** @param {unknown} body */
const login = (body) =>
  fetch(`${app.url}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("node example", () => {
  it("signs alice in and answers with her verified identity", async () => {
    const res = await login({ username: "alice", password: "Correct-Horse-7!" });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { userId: "demo-eu-alice", email: "alice@example.com" });
  });

  it("maps failures to statuses: wrong password 401, forced change 403, bad input 400", async () => {
    const wrong = await login({ username: "alice", password: "nope" });
    assert.equal(wrong.status, 401);
    assert.deepEqual(await wrong.json(), { error: "invalid_credentials" });
    const forced = await login({ username: "tara", password: "Temporary-Pass-8!" });
    assert.equal(forced.status, 403);
    assert.deepEqual(await forced.json(), { error: "password_change_required" });
    const bad = await login({ username: 1 });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
  });
});
