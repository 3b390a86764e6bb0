#!/usr/bin/env node
// `pnpm bench`: runs every benchmark of issue 6 and writes bench/results.md and bench/results.json.
// Flags: --quick (fewer rounds and samples, to try the harness), --only <id,...> (e.g. --only cpu,verify), and with
// --only, --update (replace those benchmarks' rows in bench/results.* and keep the others, noting the partial run).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, release, tmpdir, totalmem, type } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startDevServers } from "../scripts/dev-servers.mjs";
import * as authenticateCpu from "./benchmarks/authenticate-cpu.mjs";
import * as bundleSize from "./benchmarks/bundle-size.mjs";
import * as geo from "./benchmarks/geo.mjs";
import * as memory from "./benchmarks/memory.mjs";
import * as roundTrips from "./benchmarks/round-trips.mjs";
import * as runtimes from "./benchmarks/runtimes.mjs";
import * as verify from "./benchmarks/verify.mjs";
import * as worker from "./benchmarks/worker.mjs";

const benchDir = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyIndex = args.indexOf("--only");
const only = onlyIndex >= 0 ? new Set(args[onlyIndex + 1].split(",")) : undefined;
const update = only !== undefined && args.includes("--update");

// Order matters: the in-process benchmarks first (quiet machine), then the Worker stack, whose first job is the
// cold-cache burst (its token cache must still be empty).
const steps = [
  { id: "bundle", title: bundleSize.title, run: bundleSize.run },
  { id: "cpu", title: authenticateCpu.title, run: authenticateCpu.run },
  { id: "verify", title: verify.title, run: verify.run },
  { id: "memory", title: memory.title, run: memory.run },
  { id: "runtimes", title: runtimes.title, run: runtimes.run },
  { id: "trips", title: roundTrips.title, run: roundTrips.run },
  { id: "geo", title: geo.title, run: geo.run },
  { id: "workerd", title: "1,000 concurrent cold-cache logins (workerd)", run: worker.coldBurst, stack: true },
  { id: "e2e", title: "Worker login and requireSession end to end", run: worker.endToEnd, stack: true },
  { id: "emulator", title: "emulator throughput", run: worker.emulatorThroughput, stack: true },
  {
    id: "main",
    title: "local login side by side: this Worker, main's Worker, the direct call",
    run: worker.sideBySide,
    stack: true,
    main: true,
  },
].filter((s) => !only || only.has(s.id));

const started = Date.now();
// Other jobs share the machine: the 1-minute load average at the start and the end says how much (2 cores).
const loadAtStart = loadavg()[0];
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;
const rows = [];
let stack;
let stackState;
let mainStack;
let mainState;
try {
  for (const [index, step] of steps.entries()) {
    const label = `[${index + 1}/${steps.length}] ${step.title}`;
    console.error(`${label} ...`);
    const progress = (message) => console.error(`  ${elapsed().padStart(4)}  ${message}`);
    if (step.stack && !stack) {
      progress("starting the emulator + wrangler dev");
      // Its own state directory and secrets file: fresh Durable Object storage (the Worker's client-token cache
      // starts empty) and nothing shared with a `pnpm dev` that may be running.
      stackState = await mkdtemp(join(tmpdir(), "edge-login-bench-"));
      stack = await startDevServers({
        port: 0,
        persistTo: join(stackState, "state"),
        envFile: join(stackState, ".dev.vars"),
        // 1,000 logins at once queue for tens of seconds on 2 cores (emulator, workerd and Durable Objects); the burst
        // counts token requests, so no login may give up at the default 10 s deadline.
        vars: { UPSTREAM_TIMEOUT_MS: "60000" },
      });
    }
    if (step.main && !mainStack) {
      progress(`starting main's Worker (${worker.MAIN_COMMIT}) beside it`);
      mainState = await mkdtemp(join(tmpdir(), "edge-login-bench-main-"));
      mainStack = await startDevServers({
        port: 0,
        config: await worker.prepareMainWorker(),
        persistTo: join(mainState, "state"),
        envFile: join(mainState, ".dev.vars"),
      });
    }
    const roundTripFlows = rows.filter((r) => r.id === "trips").map((r) => r.data);
    const stepRows = await step.run({ progress, quick, stack, mainStack, roundTrips: roundTripFlows });
    for (const row of stepRows) {
      rows.push({ id: step.id, ...row });
      const verdict = row.pass === null ? "info" : row.pass ? "PASS" : "FAIL";
      console.error(`  ${verdict.padEnd(4)}  ${row.what}: ${row.ours} | ${row.reference} | ${row.ratioText}`);
    }
  }
} finally {
  await stack?.stop();
  await mainStack?.stop();
  if (stackState) await rm(stackState, { recursive: true, force: true });
  if (mainState) await rm(mainState, { recursive: true, force: true });
}

const machine = {
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  memoryGb: Math.round(totalmem() / 1024 ** 3),
  os: `${type()} ${release()}`,
  ...(await runtimes.runtimeVersions()),
  date: new Date().toISOString(),
  mode: quick ? "quick" : "full",
  durationSec: Math.round((Date.now() - started) / 1000),
  loadAverage: { start: Number(loadAtStart.toFixed(1)), end: Number(loadavg()[0].toFixed(1)) },
};

// --update: the rows of the benchmarks run now replace theirs in the last full results; the rest are kept as they were.
let shown = rows;
if (update) {
  const previous = JSON.parse(await readFile(join(benchDir, "results.json"), "utf8"));
  const merged = [];
  for (const row of previous.results) {
    if (!only.has(row.id)) merged.push(row);
    else if (!merged.some((r) => only.has(r.id) && r.id === row.id))
      merged.push(...rows.filter((r) => r.id === row.id));
  }
  for (const row of rows) if (!merged.includes(row)) merged.push(row);
  shown = merged;
  const now = { ids: [...only], date: machine.date, loadAverage: machine.loadAverage };
  for (const key of Object.keys(machine)) delete machine[key];
  Object.assign(machine, previous.machine, { updated: [...(previous.machine.updated ?? []), now] });
}
const updates = (machine.updated ?? []).map(
  (u) =>
    `\n- Rows of ${u.ids.join(", ")} re-run ${u.date} (1-minute load average ${u.loadAverage.start} / ${u.loadAverage.end})`,
);

const cell = (s) => String(s).replaceAll("|", "\\|");
const verdict = (pass) => (pass === null ? "report" : pass ? "pass" : "**FAIL**");
const table = [
  "| what | ours | reference | ratio / added | target | result |",
  "| --- | --- | --- | --- | --- | --- |",
  ...shown.map(
    (r) =>
      [r.what, r.ours, r.reference, r.ratioText, r.target, verdict(r.pass)].map(cell).join(" | ").replace(/^/, "| ") +
      " |",
  ),
];
const markdown = `# Benchmark results

Written by \`pnpm bench\` (bench/run.mjs); see [bench/README.md](README.md) for what each line measures and how.

- Date: ${machine.date} (${machine.mode} run, ${machine.durationSec} s)
- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB RAM, ${machine.os} (shared, noisy: compare
  the ratios, measured side by side in one run, rather than absolute numbers); 1-minute load average ${
    machine.loadAverage
      ? `${machine.loadAverage.start} at the start, ${machine.loadAverage.end} at the end`
      : "not recorded"
  }
- Runtimes: Node ${machine.node}, ${machine.deno}, Bun ${machine.bun}${updates.join("")}

${table.join("\n")}
`;
if (!only || update) {
  await writeFile(join(benchDir, "results.md"), markdown);
  await writeFile(join(benchDir, "results.json"), `${JSON.stringify({ machine, results: shown }, null, 2)}\n`);
  console.error(`wrote bench/results.md and bench/results.json in ${elapsed()}`);
} else {
  console.log(markdown);
}
const failed = shown.filter((r) => r.pass === false).length;
console.error(failed ? `${failed} target(s) missed` : "all targets met");
