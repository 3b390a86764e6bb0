/**
 * The core client with its default (global) fetch against the emulator's CLI over a real loopback socket: the
 * login lifecycle, and faults injected through the control API (`POST /__emulator/faults`).
 */
import { createTransmitClient, type RegionName, type TransmitClientOptions } from "@transmit-edge/core";
import type { FaultSpec } from "@transmit-edge/emulator";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EmulatorCli, startEmulatorCli } from "./emulator-cli.ts";
import { DEMO_PASSWORD, failure, REGIONS, timed } from "./helpers.ts";

const ALICE = { username: "alice", password: DEMO_PASSWORD };

let ready: EmulatorCli;
const rootOf = (region: RegionName) => ready.root(region);

/** A client that uses the global fetch (no `fetch` option) against one region of the running CLI. */
function socketClient(region: RegionName = "eu", overrides: Partial<TransmitClientOptions> = {}) {
  return createTransmitClient({
    region,
    baseUrl: rootOf(region),
    allowInsecureLoopback: true,
    clientId: `demo-client-${region}`,
    clientSecret: `demo-secret-${region}`,
    ...overrides,
  });
}

const control: EmulatorCli["control"] = (method, path, body) => ready.control(method, path, body);
const injectFault = (fault: FaultSpec) => ready.injectFault(fault);
const recorded = (route: FaultSpec["route"]) => ready.recorded(route, "eu");

beforeAll(async () => {
  ready = await startEmulatorCli(REGIONS);
});

afterAll(async () => {
  await ready?.stop();
});

beforeEach(async () => {
  await ready.reset();
});

describe("over a loopback socket with the global fetch", () => {
  it("prints a ready line with one loopback root per requested region", () => {
    expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.regions.map((r) => r.region)).toEqual([...REGIONS]);
    expect(rootOf("eu")).toBe(`${ready.url}/eu`);
  });

  it("runs login, session authenticate, refresh rotation and logout end to end", async () => {
    const transmit = socketClient("eu");
    const login = await transmit.passwords.authenticate(ALICE);
    expect((await transmit.tokens.verifyIdToken(login.idToken!)).iss).toBe("https://eu.userid.security");

    const silent = await transmit.sessions.authenticate({ sessionId: login.sessionId! });
    expect(silent.sessionId).toBe(login.sessionId);

    const refreshed = await transmit.tokens.refresh(login.refreshToken!);
    expect((await transmit.tokens.verifyAccessToken(refreshed.accessToken)).sub).toBe("demo-eu-alice");
    expect((await failure(transmit.tokens.refresh(login.refreshToken!))).code).toBe("token_invalid");

    await transmit.sessions.logout(login.sessionId!);
    expect((await failure(transmit.sessions.authenticate({ sessionId: login.sessionId! }))).code).toBe(
      "session_not_found",
    );
    expect((await failure(transmit.tokens.refresh(refreshed.refreshToken!))).code).toBe("token_invalid");
  });

  it("logs alice in and verifies her tokens in every region with that region's issuer", async () => {
    for (const region of REGIONS) {
      const transmit = socketClient(region);
      const tokens = await transmit.passwords.authenticate(ALICE);
      expect((await transmit.tokens.verifyIdToken(tokens.idToken!)).sub).toBe(`demo-${region}-alice`);
    }
  });

  it("refetches the client token after the emulator clock passes its expiry (control API clock)", async () => {
    const transmit = socketClient("eu");
    await transmit.passwords.authenticate(ALICE);
    await control("POST", "/clock", { advance_seconds: 2 * 3600 });
    await transmit.passwords.authenticate(ALICE);
    expect(await recorded("oidc.token")).toHaveLength(2);
  });

  it.each(["before", "after"] as const)(
    "maps a socket dropped %s processing to network, after one call",
    async (drop) => {
      const transmit = socketClient("eu");
      await transmit.clientAccessToken();
      await injectFault({ route: "password.authenticate", region: "eu", drop });
      const error = await failure(transmit.passwords.authenticate(ALICE));
      expect(error.code).toBe("network");
      expect(await recorded("password.authenticate")).toHaveLength(1);
      await transmit.passwords.authenticate(ALICE); // the next connection works
    },
  );

  it("times out on a hanging call within the deadline, after one call", async () => {
    const transmit = socketClient("eu");
    await transmit.clientAccessToken();
    await injectFault({ route: "password.authenticate", region: "eu", hang: true });
    const { value: error, ms } = await timed(() => failure(transmit.passwords.authenticate(ALICE, { timeoutMs: 300 })));
    expect(error.code).toBe("timeout");
    expect(ms).toBeLessThan(1300);
    expect(await recorded("password.authenticate")).toHaveLength(1);
    await transmit.passwords.authenticate(ALICE);
  });

  it("maps an HTML 502 page over the socket to upstream_unavailable with no HTML in the error", async () => {
    const transmit = socketClient("eu");
    await transmit.clientAccessToken();
    await injectFault({
      route: "password.authenticate",
      region: "eu",
      status: 502,
      body: "<html><body><h1>502 Bad Gateway</h1></body></html>",
    });
    const error = await failure(transmit.passwords.authenticate(ALICE));
    expect(error.code).toBe("upstream_unavailable");
    expect(error.message).not.toMatch(/<|html|bad gateway/i);
  });
});
