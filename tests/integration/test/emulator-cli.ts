/**
 * The emulator's CLI as a real loopback server, driven only through its control API (`/__emulator/...`): what the
 * socket-level fault matrices use to inject faults and count upstream calls.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { RegionName } from "@transmit-edge/core";
import type { FaultSpec, RecordedCall } from "@transmit-edge/emulator";

export interface EmulatorCli {
  url: string;
  regions: { region: RegionName; root: string; clients: { client_id: string; client_secret: string }[] }[];
  /** Root URL of one region (`http://127.0.0.1:<port>/<region>`). */
  root(region: RegionName): string;
  control(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<Response>;
  injectFault(fault: FaultSpec): Promise<void>;
  /** Calls the emulator recorded for a route (any region unless one is given), read through the control API. */
  recorded(route: FaultSpec["route"], region?: RegionName): Promise<RecordedCall[]>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);
const BIN = join(dirname(require.resolve("@transmit-edge/emulator/package.json")), "bin", "transmit-emulator.js");

/** Starts `transmit-emulator --port 0 --json` and resolves once its ready line is printed. */
export async function startEmulatorCli(regions: readonly RegionName[] = ["us", "eu"]): Promise<EmulatorCli> {
  const proc: ChildProcess = spawn(process.execPath, [BIN, "--port", "0", "--regions", regions.join(","), "--json"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ready = await new Promise<Pick<EmulatorCli, "url" | "regions">>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start in time: ${stderr}`)), 15_000);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code} before it was ready: ${stderr}`));
    });
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      if (!line.startsWith("{")) return;
      clearTimeout(timer);
      resolve(JSON.parse(line));
    });
  });

  const control: EmulatorCli["control"] = async (method, path, body) => {
    const res = await fetch(`${ready.url}/__emulator${path}`, {
      method,
      ...(body !== undefined && { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`control ${method} ${path} answered ${res.status}: ${await res.text()}`);
    return res;
  };

  return {
    ...ready,
    root(region) {
      const info = ready.regions.find((r) => r.region === region);
      if (!info) throw new Error(`region ${region} is not served`);
      return info.root;
    },
    control,
    async injectFault(fault) {
      await control("POST", "/faults", fault);
    },
    async recorded(route, region) {
      const query = new URLSearchParams({ route, ...(region ? { region } : {}) });
      const res = await control("GET", `/requests?${query}`);
      return ((await res.json()) as { requests: RecordedCall[] }).requests;
    },
    async reset() {
      await control("POST", "/reset");
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once("exit", resolve));
      proc.kill("SIGTERM");
      await exited;
    },
  };
}
