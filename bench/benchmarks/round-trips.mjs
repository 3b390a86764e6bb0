// Durable Object round trips per flow (issue 14), counted by instrumenting the bindings in the Worker's workerd tests
// (apps/edge-login/test/round-trips.test.ts, which also enforces the budgets in CI). This runs that file and reads
// the counts it records as test metadata.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const title = "Durable Object round trips per flow (Worker tests, instrumented bindings)";

const appDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "apps", "edge-login");

/**
 * The same flows on main before issue 14 (commit 9b6ee18), counted with the same instrumented bindings: every
 * upstream call read the client-token object, the throttle reset and the idle-deadline touch were round trips of
 * their own.
 */
export const BEFORE = {
  "login success": ["ACCOUNT_THROTTLE.hit", "CLIENT_TOKENS.read", "SESSIONS.write", "ACCOUNT_THROTTLE.clear"],
  "login failure": ["ACCOUNT_THROTTLE.hit", "CLIENT_TOKENS.read"],
  "guarded request": ["SESSIONS.read"],
  "guarded request, idle deadline due to slide": ["SESSIONS.read", "SESSIONS.write"],
  refresh: ["SESSIONS.read", "CLIENT_TOKENS.read", "SESSIONS.write"],
  logout: ["SESSIONS.read", "SESSIONS.remove", "CLIENT_TOKENS.read"],
};

function run(command, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "ignore", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });
}

/** Runs the round-trip test file and returns its recorded flows. */
export async function measureRoundTrips() {
  const dir = await mkdtemp(join(tmpdir(), "round-trips-"));
  try {
    const out = join(dir, "results.json");
    const vitest = join(appDir, "node_modules", ".bin", "vitest");
    const code = await run(
      vitest,
      ["run", "test/round-trips.test.ts", "--reporter=json", `--outputFile=${out}`],
      appDir,
    );
    const report = JSON.parse(await readFile(out, "utf8"));
    const flows = report.testResults
      .flatMap((f) => f.assertionResults)
      .map((a) => ({ ...a.meta?.roundTrips, passed: a.status === "passed" }))
      .filter((f) => f.flow);
    return { flows, exitCode: code };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run_({ progress }) {
  progress("vitest run test/round-trips.test.ts (workerd)");
  const { flows } = await measureRoundTrips();
  return flows.map((f) => {
    const before = BEFORE[f.flow];
    const after = f.after.length ? ` + ${f.after.length} after the answer (${f.after.join(", ")})` : "";
    return {
      what: `round trips: ${f.flow}`,
      ours: `${f.request.length}${after}: ${f.request.join(", ") || "none"}`,
      reference: before ? `${before.length} on main: ${before.join(", ")}` : "-",
      ratio: f.request.length,
      ratioText: before ? `${before.length} -> ${f.request.length}` : "-",
      target: f.budget ? `<= ${f.budget.request}${f.budget.after ? ` (+${f.budget.after} after)` : ""}` : "report",
      pass: f.budget ? f.passed : null,
      data: f,
    };
  });
}

export { run_ as run };
