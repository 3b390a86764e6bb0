/**
 * The core client with its default (global) fetch against the emulator's CLI over a real loopback socket: the
 * login lifecycle, and faults injected through the control API (`POST /__emulator/faults`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { createTransmitClient, type RegionName, type TransmitClientOptions } from "@transmit-edge/core";
import type { FaultSpec, RecordedCall } from "@transmit-edge/emulator";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_PASSWORD, failure, REGIONS, timed } from "./helpers.ts";

interface ReadyLine {
  ready: true;
  url: string;
  port: number;
  regions: { region: RegionName; root: string; issuer: string }[];
}

const require = createRequire(import.meta.url);
const BIN = join(dirname(require.resolve("@transmit-edge/emulator/package.json")), "bin", "transmit-emulator.js");
const ALICE = { username: "alice", password: DEMO_PASSWORD };

let child: ChildProcess | undefined;
let ready: ReadyLine;

/** Starts the CLI on a free port and resolves with its `--json` ready line. */
function startCli(): Promise<ReadyLine> {
  const proc = spawn(process.execPath, [BIN, "--port", "0", "--regions", REGIONS.join(","), "--json"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child = proc;
  let stderr = "";
  proc.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start in time: ${stderr}`)), 15_000);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code} before it was ready: ${stderr}`));
    });
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      if (!line.startsWith("{")) return;
      const parsed = JSON.parse(line) as ReadyLine;
      if (!parsed.ready) return;
      clearTimeout(timer);
      resolve(parsed);
    });
  });
}

function rootOf(region: RegionName): string {
  const info = ready.regions.find((r) => r.region === region);
  if (!info) throw new Error(`region ${region} is not served`);
  return info.root;
}

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

async function control(method: "GET" | "POST", path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${ready.url}/__emulator${path}`, {
    method,
    ...(body !== undefined && { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`control ${method} ${path} answered ${res.status}: ${await res.text()}`);
  return res;
}

const injectFault = (fault: FaultSpec) => control("POST", "/faults", fault);

async function recorded(route: FaultSpec["route"]): Promise<RecordedCall[]> {
  const res = await control("GET", `/requests?region=eu&route=${route}`);
  return ((await res.json()) as { requests: RecordedCall[] }).requests;
}

beforeAll(async () => {
  ready = await startCli();
});

afterAll(async () => {
  const proc = child;
  if (!proc || proc.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  proc.kill("SIGTERM");
  await exited;
});

beforeEach(async () => {
  await control("POST", "/reset");
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
