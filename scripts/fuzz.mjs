#!/usr/bin/env node
// `pnpm fuzz`: the fuzz properties of the router (Node, both session stores) and of the Worker (workerd) with many
// more cases than CI runs, a fresh seed (printed, so a failure can be replayed) and a time limit. Progress goes to
// the terminal; the summary goes to reliability/fuzz-results.md.
//
//   pnpm fuzz                                   # 40,000 cases per router store + 40,000 for the Worker
//   FUZZ_RUNS=5000 FUZZ_SEED=42 pnpm fuzz       # cases per property and a fixed seed
//   FUZZ_MAX_SECONDS=300 pnpm fuzz              # overall time limit (default 900)
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.env.FUZZ_RUNS ?? 40_000);
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const maxSeconds = Number(process.env.FUZZ_MAX_SECONDS ?? 900);
const deadline = Date.now() + maxSeconds * 1000;

const suites = [
  {
    name: "router (Node, memory + cookie session stores)",
    cwd: join(root, "packages", "hono"),
    args: ["vitest", "run", "test/node/fuzz.test.ts"],
  },
  {
    name: "Worker (workerd, Durable Objects, emulator in the isolate)",
    cwd: join(root, "apps", "edge-login"),
    args: ["vitest", "run", "test/fuzz.test.ts"],
  },
];

/** Colour escapes in vitest's output. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

function run(command, args, options) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    const results = [];
    const failures = [];
    const onLine = (line) => {
      const plain = line.replace(ANSI, "");
      if (plain.startsWith("FUZZ-PROGRESS ")) console.log(`  ${plain.slice(14)}`);
      else if (plain.startsWith("FUZZ-RESULT ")) results.push(JSON.parse(plain.slice(12)));
      else if (/Counterexample|Caused by|Property failed|FAIL|Error:/.test(plain)) failures.push(plain.trim());
    };
    createInterface({ input: child.stdout }).on("line", onLine);
    createInterface({ input: child.stderr }).on("line", onLine);
    const timer = setTimeout(
      () => {
        failures.push(`stopped after the ${maxSeconds} s limit`);
        child.kill("SIGTERM");
      },
      Math.max(1000, deadline - Date.now()),
    );
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, results, failures });
    });
  });
}

console.log(`pnpm fuzz: ${runs} cases per property, seed ${seed}, limit ${maxSeconds} s`);
// The Worker test bundles the workspace packages from their dist/: build them first (cached by turbo).
const build = await run(
  "pnpm",
  ["exec", "turbo", "run", "build", "--filter=@transmit-edge/edge-login^...", "--output-logs=errors-only"],
  {
    cwd: root,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
  },
);
if (build.code !== 0) {
  console.error("pnpm fuzz: the build failed");
  process.exit(1);
}

const rows = [];
let failed = false;
for (const suite of suites) {
  console.log(`\n${suite.name}`);
  const started = Date.now();
  const out = await run("pnpm", ["exec", ...suite.args], {
    cwd: suite.cwd,
    env: {
      ...process.env,
      FUZZ_RUNS: String(runs),
      FUZZ_SEED: String(seed),
      FUZZ_TIMEOUT_MS: String(maxSeconds * 1000),
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_SEND_METRICS: "false",
    },
  });
  const seconds = (Date.now() - started) / 1000;
  const ok = out.code === 0 && out.results.length > 0;
  failed ||= !ok;
  for (const r of out.results) {
    rows.push({ suite: suite.name, ...r, seconds, ok });
    console.log(`  ${r.label}: ${r.cases} cases, ${ok ? "passed" : "FAILED"}`);
  }
  if (!ok) {
    if (out.results.length === 0) rows.push({ suite: suite.name, label: "-", cases: 0, seconds, ok, statuses: {} });
    console.log(out.failures.slice(0, 20).join("\n"));
    rows.at(-1).failures = out.failures.slice(0, 10);
  }
  console.log(`  ${seconds.toFixed(1)} s`);
}

const total = rows.reduce((n, r) => n + r.cases, 0);
const totalSeconds = rows.reduce((set, r) => set.add(`${r.suite}:${r.seconds}`), new Set());
const wall = [...totalSeconds].reduce((n, s) => n + Number(s.split(":").at(-1)), 0);
const lines = [
  "# Fuzz results",
  "",
  `Latest \`pnpm fuzz\` run: ${new Date().toISOString()}, Node ${process.version}, seed \`${seed}\`, ${runs} cases per property.`,
  `**${total.toLocaleString("en-US")} cases in ${wall.toFixed(0)} s: ${failed ? "FAILED" : "all passed"}.**`,
  "",
  "Invariants checked on every answer (tools/fuzz-requests.ts): no 5xx except the documented upstream 502/503/504",
  "(the router's fake upstream never fails, so it allows none), no unhandled rejection (vitest fails the run), no",
  "password, client secret, session secret, token or JWT in the status, headers or body, HSTS and `nosniff` on every",
  "answer of the Worker and of the router's routes, and `Object.prototype` unpolluted.",
  "",
  "| property | cases | time (suite, s) | result | statuses seen |",
  "| -------- | ----: | --------------: | ------ | ------------- |",
  ...rows.map(
    (r) =>
      `| ${r.label} | ${r.cases.toLocaleString("en-US")} | ${r.seconds.toFixed(1)} | ${r.ok ? "passed" : "FAILED"} | ${Object.entries(
        r.statuses ?? {},
      )
        .map(([s, n]) => `${s}: ${n}`)
        .join(", ")} |`,
  ),
  "",
  ...(failed ? ["## Failures", "", "```text", ...rows.flatMap((r) => r.failures ?? []), "```", ""] : []),
  `Replay: \`FUZZ_RUNS=${runs} FUZZ_SEED=${seed} pnpm fuzz\`. CI runs the same properties with a fixed seed and a few`,
  "hundred cases (`pnpm test`).",
  "",
];
await mkdir(join(root, "reliability"), { recursive: true });
await writeFile(join(root, "reliability", "fuzz-results.md"), lines.join("\n"));
// Formatted as the repository's Markdown is (biome checks it in CI).
await run("pnpm", ["exec", "biome", "format", "--write", "reliability/fuzz-results.md"], { cwd: root });
console.log(`\n${total} cases, ${failed ? "FAILED" : "all passed"}; written to reliability/fuzz-results.md`);
process.exit(failed ? 1 : 0);
