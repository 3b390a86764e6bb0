/** The `transmit-emulator` command over real loopback sockets (runs the built bin; global setup builds dist/). */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "transmit-emulator.js");
const running: ChildProcess[] = [];

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

interface Started {
  child: ChildProcess;
  stdout: string;
  url: string;
  exit: Promise<{ code: number | null; stderr: string }>;
}

function run(args: string[]): {
  child: ChildProcess;
  exit: Promise<{ code: number | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  running.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
  return { child, exit };
}

/** Starts the CLI and waits until it reports being ready. */
async function start(args: string[], readyPattern = /^ready$/m): Promise<Started> {
  const { child, exit } = run(["--port", "0", ...args]);
  let stdout = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${stdout}`)), 10_000);
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (readyPattern.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exit.then((r) => reject(new Error(`exited ${r.code}: ${r.stderr}`)));
  });
  const url = /http:\/\/127\.0\.0\.1:\d+/.exec(stdout)?.[0] ?? "";
  return { child, stdout, url, exit };
}

async function token(url: string, region = "eu"): Promise<string> {
  const res = await fetch(`${url}/${region}/oidc/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: `demo-client-${region}`,
      client_secret: `demo-secret-${region}`,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

function fault(url: string, spec: Record<string, unknown>): Promise<Response> {
  return fetch(`${url}/__emulator/faults`, { method: "POST", body: JSON.stringify(spec) });
}

describe("transmit-emulator CLI", () => {
  it("prints each region's root URL, demo client and users, then ready, and serves them", async () => {
    const { stdout, url } = await start([]);
    for (const region of ["us", "eu", "ca", "au", "sandbox"]) {
      expect(stdout).toContain(`${url}/${region}`);
      expect(stdout).toContain(`demo-client-${region} / demo-secret-${region}`);
    }
    expect(stdout).toContain("Correct-Horse-7!");
    expect(stdout.trim().endsWith("ready")).toBe(true);
    expect((await token(url, "au")).split(".")).toHaveLength(3);
  });

  it("--json prints one JSON line with the regions' info", async () => {
    const { stdout } = await start(["--json", "--regions", "eu,ca"], /\n/);
    const line = JSON.parse(stdout.trim()) as {
      ready: boolean;
      url: string;
      port: number;
      regions: { region: string; root: string }[];
    };
    expect(line.ready).toBe(true);
    expect(line.port).toBeGreaterThan(0);
    expect(line.regions.map((r) => r.region)).toEqual(["eu", "ca"]);
    expect(line.regions[0]?.root).toBe(`${line.url}/eu`);
    const us = await fetch(`${line.url}/us/cis/oidc/jwks`);
    expect(us.status).toBe(404);
  });

  it("loads users and clients from --seed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emu-seed-"));
    const file = join(dir, "seed.json");
    writeFileSync(file, JSON.stringify({ eu: { users: [{ username: "seeded", password: "Seeded-Pass-123!" }] } }));
    const { url, stdout } = await start(["--regions", "eu", "--seed", file]);
    expect(stdout).toContain("seeded");
    const res = await fetch(`${url}/eu/cis/v1/auth/password/authenticate`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await token(url)}` },
      body: JSON.stringify({ username: "seeded", password: "Seeded-Pass-123!" }),
    });
    expect(res.status).toBe(200);
  });

  it.each([
    [["--bogus"], /bogus/],
    [["--port", "abc"], /--port/],
    [["--regions", "eu,mars"], /mars/],
    [["--seed", "/nonexistent/seed.json"], /cannot read seed file/],
  ])("exits 2 with a clear message for %j", async (args, message) => {
    const { code, stderr, stdout } = await run(args).exit;
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe("");
  });

  it("exits 2 for a seed file with invalid JSON or an invalid shape", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emu-seed-"));
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{ not json");
    const wrong = join(dir, "wrong.json");
    writeFileSync(wrong, JSON.stringify({ eu: { users: [{ password: 1 }] } }));
    const a = await run(["--seed", broken]).exit;
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/not valid JSON/);
    const b = await run(["--seed", wrong]).exit;
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/eu\.users\[0\]/);
  });

  it("exits 1 with a message when the port is taken", async () => {
    const { url } = await start(["--regions", "eu"]);
    const port = new URL(url).port;
    const { code, stderr } = await run(["--port", port, "--regions", "eu"]).exit;
    expect(code).toBe(1);
    expect(stderr).toMatch(/EADDRINUSE/);
  });

  it("--help prints usage and exits 0", async () => {
    const { code, stdout } = await run(["--help"]).exit;
    expect(code).toBe(0);
    expect(stdout).toMatch(/--port/);
  });

  // One process each, with a budget that holds when two loaded cores start Node slowly.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`exits 0 on ${signal}`, async () => {
      const { child, exit } = await start(["--regions", "eu"]);
      child.kill(signal);
      expect((await exit).code).toBe(0);
    }, 60_000);
  }

  it("drop faults close the socket without an answer; the server keeps serving", async () => {
    const { url } = await start(["--regions", "eu"]);
    await fault(url, { route: "jwks", drop: "before" });
    await expect(fetch(`${url}/eu/cis/oidc/jwks`)).rejects.toThrow(TypeError);
    await fault(url, { route: "oidc.token", drop: "after" });
    await expect(token(url)).rejects.toThrow(TypeError);
    const log = (await (await fetch(`${url}/__emulator/requests?route=oidc.token`)).json()) as {
      requests: { status: number | null }[];
    };
    expect(log.requests.at(-1)?.status).toBeNull();
    expect((await fetch(`${url}/eu/cis/oidc/jwks`)).status).toBe(200);
  });

  it("hang faults hold the socket until the client aborts; SIGTERM still exits while a call hangs", async () => {
    const { url, child, exit } = await start(["--regions", "eu"]);
    await fault(url, { route: "jwks", hang: true, times: 2 });
    await expect(fetch(`${url}/eu/cis/oidc/jwks`, { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({
      name: "TimeoutError",
    });
    expect((await fetch(`${url}/eu/cis/oidc/.well-known/openid-configuration`)).status).toBe(200);
    const hanging = fetch(`${url}/eu/cis/oidc/jwks`).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    child.kill("SIGTERM");
    expect((await exit).code).toBe(0);
    expect(await hanging).toBeInstanceOf(TypeError);
  });

  /** Collects what the child prints from now on; `until` resolves once the output matches. */
  function output(child: ChildProcess): { until(pattern: RegExp): Promise<string> } {
    let text = "";
    const waiters: (() => void)[] = [];
    child.stdout?.on("data", (d: Buffer) => {
      text += d.toString();
      for (const w of waiters) w();
    });
    return {
      until: (pattern) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no ${pattern} in: ${text}`)), 10_000);
          const check = () => {
            if (!pattern.test(text)) return;
            clearTimeout(timer);
            resolve(text);
          };
          waiters.push(check);
          check();
        }),
    };
  }

  async function call(url: string, path: string, body: unknown): Promise<Response> {
    return fetch(`${url}/eu/cis${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await token(url)}` },
      body: JSON.stringify(body),
    });
  }

  it("prints each email and SMS as it is sent, with its link or code", async () => {
    const { url, child, stdout } = await start(["--regions", "eu"]);
    expect(stdout).toMatch(/tom .*TOTP secret [A-Z2-7]{32}/);
    expect(stdout).toMatch(/sam .*phone \+15550100002/);
    const printed = output(child);
    await call(url, "/v1/auth/password/reset/email/link", { username: "alice", redirect_uri: "http://x.test/reset" });
    await call(url, "/v1/auth/otp/send", { channel: "sms", identifier_type: "username", identifier: "sam" });
    const text = await printed.until(/one-time code/);
    expect(text).toMatch(
      /^outbox eu email to alice@example\.com: password reset link http:\/\/x\.test\/reset\?code=\S+/m,
    );
    expect(text).toMatch(/^outbox eu sms to \+15550100002: one-time code \d{6} /m);
    expect(text).not.toContain("Correct-Horse-7!");
  });

  it("--json prints one {outbox} JSON line per message after the ready line", async () => {
    const { url, child, stdout } = await start(["--json", "--regions", "eu"], /\n/);
    expect(JSON.parse(stdout.trim()).ready).toBe(true);
    const printed = output(child);
    await call(url, "/v1/auth/otp/send", { channel: "email", identifier_type: "username", identifier: "alice" });
    const line = (await printed.until(/\n/)).trim();
    const { outbox } = JSON.parse(line) as { outbox: Record<string, unknown> };
    expect(outbox).toMatchObject({ region: "eu", channel: "email", to: "alice@example.com", kind: "one_time_code" });
    const listed = (await (await fetch(`${url}/__emulator/eu/outbox`)).json()) as { messages: unknown[] };
    expect(listed.messages).toEqual([outbox]);
  });

  it("answers 413 to a huge body over the socket", async () => {
    const { url } = await start(["--regions", "eu"]);
    const res = await fetch(`${url}/eu/cis/v1/auth/password/authenticate`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await token(url)}` },
      body: JSON.stringify({ username: "x".repeat(200_000), password: "y" }),
    });
    expect(res.status).toBe(413);
  });
});
