// (2) 1,000 concurrent logins on a cold token cache under Node, Deno and Bun: token requests sent.
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const title = "1,000 concurrent cold-cache logins (Node, Deno, Bun)";
const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const script = join(benchDir, "scripts", "cold-cache.mjs");

/** The deno and bun binaries of the root devDependencies (npm packages). */
function binary(name) {
  return join(benchDir, "..", "node_modules", ".bin", name);
}

async function version(command, args) {
  const { stdout } = await promisify(execFile)(command, args);
  return stdout.trim().split("\n")[0];
}

export async function runtimeVersions() {
  return {
    node: process.version,
    deno: await version(binary("deno"), ["--version"]).catch(() => "unavailable"),
    bun: await version(binary("bun"), ["--version"]).catch(() => "unavailable"),
  };
}

export async function run({ progress }) {
  const runtimes = [
    ["Node", process.execPath, [script]],
    ["Deno", binary("deno"), ["run", "--config", join(benchDir, "deno.json"), "--allow-env", "--allow-read", script]],
    ["Bun", binary("bun"), [script]],
  ];
  const rows = [];
  for (const [name, command, args] of runtimes) {
    progress(name);
    const env = { ...process.env, DENO_NO_UPDATE_CHECK: "1" };
    const { stdout } = await promisify(execFile)(command, args, { env, cwd: benchDir });
    const result = JSON.parse(stdout.trim().split("\n").pop());
    rows.push({
      what: `1,000 concurrent logins, cold token cache, ${name}: token requests`,
      ours: `${result.tokenRequests} (${result.succeeded}/${result.logins} logins ok)`,
      reference: "-",
      ratio: null,
      ratioText: "-",
      target: "exactly 1",
      pass: result.tokenRequests === 1 && result.succeeded === result.logins,
      data: result,
    });
  }
  return rows;
}
