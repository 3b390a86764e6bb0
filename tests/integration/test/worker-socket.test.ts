/**
 * The edge-login Worker under `wrangler dev` (workerd, real Durable Objects) against the emulator's CLI, both on
 * loopback sockets, started by scripts/dev-servers.mjs as `pnpm dev` does: the upstream fault matrix as a browser
 * script would see it, with the password POSTs counted through the emulator's control API.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FaultSpec, RecordedCall } from "@transmit-edge/emulator";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM script without types
import { startDevServers } from "../../../scripts/dev-servers.mjs";
import { faultCases, UPSTREAM_TEXT } from "./fault-cases.ts";
import { DEMO_PASSWORD, timed } from "./helpers.ts";

/** The Worker's deadline per upstream call (`UPSTREAM_TIMEOUT_MS`). */
const TIMEOUT_MS = 1500;
const SLACK_MS = 1500;

interface DevServers {
  url: string;
  emulatorUrl: string;
  worker: { stdout: NodeJS.ReadableStream };
  stop(): Promise<void>;
}

let servers: DevServers;
let scratch: string;
let output = "";
let ipCounter = 0;

async function control(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${servers.emulatorUrl}/__emulator${path}`, {
    method,
    ...(body !== undefined && { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status}`);
  return res;
}

async function recorded(route: FaultSpec["route"]): Promise<RecordedCall[]> {
  const res = await control("GET", `/requests?route=${route}`);
  return ((await res.json()) as { requests: RecordedCall[] }).requests;
}

/** A JSON login from the page's own origin, from a client IP of its own (the per-IP limit is 30 a minute). */
function login(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  ipCounter++;
  return fetch(`${servers.url}/auth/login`, {
    method: "POST",
    redirect: "manual",
    headers: {
      origin: servers.url,
      "content-type": "application/json",
      "cf-connecting-ip": `198.18.${Math.floor(ipCounter / 250)}.${ipCounter % 250}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  // Its own port, secrets file and Durable Object state: the browser test may run a stack at the same time.
  scratch = await mkdtemp(join(tmpdir(), "edge-login-faults-"));
  servers = await startDevServers({
    port: 0,
    envFile: join(scratch, "dev.vars"),
    persistTo: join(scratch, "state"),
    vars: { UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS) },
    // The Worker's console.log lines (auth events) are printed at wrangler's "log" level: kept for F01.
    wranglerLog: "log",
  });
  servers.worker.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
}, 120_000);

afterAll(async () => {
  await servers?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, 30_000);

beforeEach(async () => {
  await control("POST", "/reset");
});

const ALICE = { username: "alice", password: DEMO_PASSWORD };

describe("E02 E03 E04 Worker fault matrix over loopback sockets (wrangler dev + emulator CLI)", () => {
  // Cold-only faults first: the token endpoint and the JWKS are met only before the isolate has cached them.
  for (const fault of faultCases(TIMEOUT_MS)) {
    it(`E02 ${fault.name}: ${fault.status}, ${fault.passwordCalls} password POST(s), no cookie on failure, within the deadline`, async () => {
      for (const f of fault.faults) await control("POST", "/faults", f);
      const { value: res, ms } = await timed(() => login(ALICE));
      const text = await res.text();
      expect(res.status).toBe(fault.status);
      expect(await recorded("password.authenticate")).toHaveLength(fault.passwordCalls);
      if (fault.retryAfter !== undefined) expect(res.headers.get("retry-after")).toBe(fault.retryAfter);
      if (fault.minMs !== undefined) expect(ms).toBeGreaterThanOrEqual(fault.minMs);
      expect(ms).toBeLessThan(2 * TIMEOUT_MS + SLACK_MS);
      expect(res.headers.get("cache-control")).toContain("no-store");
      if (fault.status === 200) {
        expect(res.headers.getSetCookie().filter((l) => l.startsWith("__Host-session="))).toHaveLength(1);
        return;
      }
      expect(res.headers.getSetCookie()).toHaveLength(0);
      expect(JSON.parse(text).type).toMatch(/^urn:transmit-edge:problem:upstream_/);
      expect(text).not.toMatch(UPSTREAM_TEXT);
    });
  }

  it("E02 after the whole matrix the Worker still signs in, and the session works", async () => {
    const res = await login(ALICE);
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie()[0]!.split(";")[0]!;
    const me = await fetch(`${servers.url}/api/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
  });

  it("A08 wrangler dev honours a client-sent CF-Connecting-IP (Cloudflare overwrites it in production): the per-IP limit keys on it", async () => {
    const statuses: number[] = [];
    // More than two windows' worth (limit 30 per 60 s window): a burst that straddles a window boundary still
    // overflows one of them.
    for (let i = 0; i < 65; i++) {
      const res = await login(
        { username: `nobody-${i}`, password: "Wrong-Password-1!" },
        {
          "cf-connecting-ip": "198.51.100.200",
        },
      );
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    // Another IP is not affected.
    expect((await login(ALICE)).status).toBe(200);
  });

  it("F01 the Worker's own output (wrangler dev stdout) holds no password, client secret or session value", async () => {
    const res = await login(ALICE);
    const value = res.headers.getSetCookie()[0]!.split(";")[0]!.split("=")[1]!;
    await new Promise((r) => setTimeout(r, 200));
    // The auth events (console.log JSON lines) are in the captured output: the check below reads real logs.
    expect(output).toContain('"type":"login"');
    expect(output).not.toContain(DEMO_PASSWORD);
    expect(output).not.toContain("demo-secret-");
    expect(output).not.toContain(value);
  });
});
