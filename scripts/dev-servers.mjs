// Starts the local stack of `pnpm dev`: the Transmit emulator (four regions) and `wrangler dev` running the
// edge-login Worker wired to it through a generated .dev.vars. Used by scripts/dev.mjs and by the browser test.
// Everything listens on 127.0.0.1; nothing leaves the machine.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { wranglerBin } from "../tools/wrangler-bin.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const appDir = join(root, "apps", "edge-login");
export const REGIONS = ["us", "eu", "ca", "au"];

/** Environment for wrangler: no network beyond loopback, no telemetry. */
const quietEnv = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_LOG: process.env.WRANGLER_LOG ?? "warn",
  NO_COLOR: "1",
};

/**
 * Resolves with the emulator's first JSON line (its ready line). Later `{"outbox": ...}` lines (an email or SMS the
 * emulator "sent") go to `onOutbox`; reading continues until the emulator exits, so its stdout never fills up.
 */
function waitForJsonLine(child, what, timeoutMs, onOutbox) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs} ms`)), timeoutMs);
    let ready = false;
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (!line.startsWith("{")) return;
      const value = JSON.parse(line);
      if (!ready) {
        ready = true;
        clearTimeout(timer);
        resolve(value);
      } else if (value.outbox) {
        onOutbox?.(value.outbox);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with code ${code} before it was ready`));
    });
  });
}

async function waitForHttp(url, child, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${what} exited before it answered`);
    try {
      const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not answer ${url} within ${timeoutMs} ms`);
}

/** A free TCP port on 127.0.0.1 (wrangler dev has no "any port" option of its own). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function stop(child) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    // wrangler starts workerd in its own children: signal the whole process group.
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      child.kill("SIGTERM");
    }
  });
}

/**
 * Starts emulator + Worker. Resolves with the URLs, the demo users, and `stop()`.
 * Several stacks can run at once (tests, load runs): give each its own `port`, `envFile` (the secrets go there and
 * wrangler reads it with --env-file instead of the shared .dev.vars) and `persistTo` (Durable Object state).
 * `wranglerLog: "log"` keeps the Worker's console output on the worker's stdout. `config`: another wrangler config
 * (the bench runs main's Worker source beside this one).
 * `onOutbox` receives each email or SMS the emulator sends (reset links, one-time codes), as listed by
 * `GET /__emulator/<region>/outbox`.
 * @param {{ port?: number, emulatorPort?: number, inherit?: boolean, envFile?: string, persistTo?: string,
 *   vars?: Record<string, string>, wranglerLog?: string, config?: string, onOutbox?: (message: object) => void }} options
 */
export async function startDevServers(options = {}) {
  // 0 picks a free port (tests and benchmarks run beside a developer's `pnpm dev`).
  const port = options.port === 0 ? await freePort() : (options.port ?? 8787);
  const emulatorBin = join(root, "packages", "emulator", "bin", "transmit-emulator.js");
  const emulator = spawn(
    process.execPath,
    [emulatorBin, "--port", String(options.emulatorPort ?? 0), "--regions", REGIONS.join(","), "--json"],
    { stdio: ["ignore", "pipe", "inherit"], detached: true },
  );
  let worker;
  try {
    const info = await waitForJsonLine(emulator, "the Transmit emulator", 20_000, options.onOutbox);
    // SESSION_SECRET goes to .dev.vars: wrangler reads from it only the names listed in `secrets.required`
    // (wrangler.jsonc lists SESSION_SECRET alone, so a deploy needs no unused region). Everything else is passed
    // with --var, which overrides wrangler.jsonc for this run only: the emulator's region credentials are its
    // fixed demo clients, printed by the emulator itself, never real ones.
    const secrets = [
      "# Generated by `pnpm dev` for local use only.",
      `SESSION_SECRET=${randomBytes(32).toString("base64url")}`,
    ];
    // Local development only: the debug headers, the emulator's http:// roots, and no jurisdictions (workerd does
    // not implement them; EU session objects then live in the default namespace).
    const vars = ["ALLOW_REGION_OVERRIDE:true", "ALLOW_INSECURE_LOOPBACK:true", "ALLOW_NO_JURISDICTION:true"];
    for (const region of info.regions) {
      const R = region.region.toUpperCase();
      const client = region.clients[0];
      vars.push(
        `TRANSMIT_${R}_CLIENT_ID:${client.client_id}`,
        `TRANSMIT_${R}_CLIENT_SECRET:${client.client_secret}`,
        `TRANSMIT_${R}_BASE_URL:${region.root}`,
      );
    }
    for (const [name, value] of Object.entries(options.vars ?? {})) vars.push(`${name}:${value}`);
    await writeFile(options.envFile ?? join(appDir, ".dev.vars"), `${secrets.join("\n")}\n`, { mode: 0o600 });

    const wranglerCli = wranglerBin(appDir);
    worker = spawn(
      process.execPath,
      [
        wranglerCli,
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        String(port),
        "--show-interactive-dev-session=false",
        ...(options.config ? ["--config", options.config] : []),
        ...(options.envFile ? ["--env-file", options.envFile] : []),
        ...(options.persistTo ? ["--persist-to", options.persistTo] : []),
        ...vars.flatMap((v) => ["--var", v]),
      ],
      {
        cwd: appDir,
        env: options.wranglerLog ? { ...quietEnv, WRANGLER_LOG: options.wranglerLog } : quietEnv,
        stdio: ["ignore", options.inherit ? "inherit" : "pipe", "inherit"],
        detached: true,
      },
    );
    if (!options.inherit) worker.stdout.resume();
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/login`, worker, "wrangler dev", 60_000);
    return {
      url,
      emulatorUrl: info.url,
      regions: info.regions,
      emulator,
      worker,
      stop: async () => {
        await Promise.all([stop(worker), stop(emulator)]);
      },
    };
  } catch (error) {
    await Promise.all([stop(worker), stop(emulator)]);
    throw error;
  }
}
