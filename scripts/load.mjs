#!/usr/bin/env node
// `pnpm load`: autocannon against the `pnpm dev` stack (emulator + edge-login under wrangler dev), loopback only,
// for a bounded time, then stops everything and writes reliability/load-results.md.
//
// Phase 1, legitimate traffic: each connection loops login -> session check -> guarded API -> logout, for 64 users in
//   turn, every login from its own client IP (CF-Connecting-IP; wrangler dev keeps a client-sent one, Cloudflare overwrites it).
// Phase 2, credential stuffing: wrong passwords for one account from a new IP per request, while legitimate traffic
//   continues; the account throttle (a Durable Object per keyed username hash) must answer 429 without calling
//   Transmit, and legitimate users must see no errors.
//
//   pnpm load                                        # 60 s + 15 s
//   LOAD_SECONDS=20 LOAD_ATTACK_SECONDS=10 LOAD_CONNECTIONS=16 pnpm load
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { startDevServers } from "./dev-servers.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const ATTACK_SECONDS = Number(process.env.LOAD_ATTACK_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 16);
const ATTACK_CONNECTIONS = Number(process.env.LOAD_ATTACK_CONNECTIONS ?? 8);
/** Legitimate users: many accounts, as in real traffic (the account throttle also caps one account's logins in flight). */
const USERS = Array.from({ length: Number(process.env.LOAD_USERS ?? 64) }, (_, i) => ({
  username: `load-user-${String(i).padStart(2, "0")}`,
  password: `Load-Password-${i}-Ok!`,
}));
let userCounter = 0;
const VICTIM = { username: "victim", password: "Victim-Password-2026!" };
/** The Worker's account throttle: untrusted attempts per account per 16 minutes (below Transmit's lockout of 5). */
const ACCOUNT_LIMIT = 3;

/** Resident memory (MiB) of a process and all its descendants (wrangler runs workerd as a child), from /proc. */
async function rssMiB(pid) {
  if (!existsSync("/proc")) return "n/a"; // Linux only
  const parents = new Map();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // exited meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  let kib = 0;
  for (const p of tree) {
    try {
      const status = await readFile(`/proc/${p}/status`, "utf8");
      kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return Math.round(kib / 102.4) / 10;
}

let ipCounter = 0;
/** A new client IP from 10.0.0.0/8 for every call. */
function nextIp() {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

function header(headers, name) {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** Counts answers per step and status. */
function tally() {
  const counts = {};
  return {
    counts,
    add(step, status) {
      counts[step] ??= {};
      counts[step][status] = (counts[step][status] ?? 0) + 1;
    },
  };
}

/** login -> session -> /api/me -> logout, per connection, over and over. */
function legitimateRequests(base, t) {
  const json = { "content-type": "application/json", origin: base };
  return [
    {
      method: "POST",
      path: "/auth/login",
      setupRequest: (req) => ({
        ...req,
        headers: { ...json, "cf-connecting-ip": nextIp() },
        body: JSON.stringify(USERS[userCounter++ % USERS.length]),
      }),
      onResponse: (status, _body, context, headers) => {
        t.add("login", status);
        const cookies = [header(headers, "set-cookie") ?? []].flat();
        context.cookie = cookies.find((c) => c.startsWith("__Host-session="))?.split(";")[0];
      },
    },
    {
      method: "GET",
      path: "/auth/session",
      setupRequest: (req, context) => ({ ...req, headers: { cookie: context.cookie ?? "" } }),
      onResponse: (status) => t.add("session", status),
    },
    {
      method: "GET",
      path: "/api/me",
      setupRequest: (req, context) => ({ ...req, headers: { cookie: context.cookie ?? "" } }),
      onResponse: (status) => t.add("api/me", status),
    },
    {
      method: "POST",
      path: "/auth/logout",
      setupRequest: (req, context) => ({
        ...req,
        headers: { ...json, cookie: context.cookie ?? "", "cf-connecting-ip": nextIp() },
      }),
      body: "{}",
      onResponse: (status) => t.add("logout", status),
    },
  ];
}

function attackRequests(base, t) {
  let n = 0;
  return [
    {
      method: "POST",
      path: "/auth/login",
      setupRequest: (req) => ({
        ...req,
        headers: { "content-type": "application/json", origin: base, "cf-connecting-ip": nextIp() },
        body: JSON.stringify({ username: VICTIM.username, password: `guess-${++n}-Password!` }),
      }),
      onResponse: (status) => t.add("stuffing", status),
    },
  ];
}

function run(options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    instance.on("error", () => {});
  });
}

function summary(result) {
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Calls the emulator answered with a 5xx or never answered, by route (its log keeps the last 10,000 calls). */
async function upstreamFailures(emulatorUrl) {
  const { requests } = await (await fetch(`${emulatorUrl}/__emulator/requests`)).json();
  const out = {};
  for (const r of requests) {
    if (r.status !== null && r.status < 500) continue;
    const key = `${r.route} ${r.status ?? "no answer"}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return { failures: out, logged: requests.length };
}

async function upstreamCalls(emulatorUrl, username) {
  const res = await fetch(`${emulatorUrl}/__emulator/requests?route=password.authenticate`);
  const { requests } = await res.json();
  return requests.filter((r) => r.body?.username === username).length;
}

function errorsOf(counts, steps) {
  let bad = 0;
  for (const step of steps) {
    for (const [status, n] of Object.entries(counts[step] ?? {})) if (Number(status) >= 400) bad += n;
  }
  return bad;
}

console.log(`pnpm load: ${SECONDS} s legitimate traffic, then ${ATTACK_SECONDS} s credential stuffing (loopback only)`);
const build = spawnSync(
  "pnpm",
  ["exec", "turbo", "run", "build", "--filter=@transmit-edge/edge-login^...", "--output-logs=errors-only"],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
  },
);
if (build.status !== 0) process.exit(1);

const scratch = await mkdtemp(join(tmpdir(), "edge-login-load-"));
const servers = await startDevServers({
  port: 0,
  envFile: join(scratch, "dev.vars"),
  persistTo: join(scratch, "state"),
});
let exitCode = 0;
// Stop by itself, whatever happens.
const guard = setTimeout(
  async () => {
    console.error("pnpm load: time limit reached, stopping");
    await servers.stop();
    process.exit(1);
  },
  (SECONDS + ATTACK_SECONDS + 120) * 1000,
);
try {
  const base = servers.url;
  const emulatorPid = servers.emulator.pid;
  const workerPid = servers.worker.pid;
  for (const user of [VICTIM, ...USERS]) {
    const res = await fetch(`${servers.emulatorUrl}/__emulator/us/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(user),
    });
    if (!res.ok) throw new Error(`creating ${user.username} at the emulator: ${res.status}`);
  }
  // Warm-up: client token, JWKS, Durable Objects.
  await run({ url: base, connections: 2, amount: 40, requests: legitimateRequests(base, tally()) });
  const memBefore = { emulator: await rssMiB(emulatorPid), worker: await rssMiB(workerPid) };
  console.log(`RSS before: emulator ${memBefore.emulator} MiB, wrangler + workerd ${memBefore.worker} MiB`);

  console.log(`\nPhase 1: ${CONNECTIONS} connections, login -> session -> /api/me -> logout, ${SECONDS} s`);
  const legit1 = tally();
  const phase1 = await run({
    url: base,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: legitimateRequests(base, legit1),
  });
  const memMiddle = { emulator: await rssMiB(emulatorPid), worker: await rssMiB(workerPid) };

  console.log(
    `\nPhase 2: ${ATTACK_CONNECTIONS} connections stuffing "${VICTIM.username}" from new IPs + ${CONNECTIONS / 2} legitimate`,
  );
  const legit2 = tally();
  const attack = tally();
  const upstreamBefore = await upstreamCalls(servers.emulatorUrl, VICTIM.username);
  const [phase2legit, phase2attack] = await Promise.all([
    run({
      url: base,
      connections: CONNECTIONS / 2,
      duration: ATTACK_SECONDS,
      requests: legitimateRequests(base, legit2),
    }),
    run({
      url: base,
      connections: ATTACK_CONNECTIONS,
      duration: ATTACK_SECONDS,
      requests: attackRequests(base, attack),
    }),
  ]);
  const victimUpstream = (await upstreamCalls(servers.emulatorUrl, VICTIM.username)) - upstreamBefore;
  const upstream = await upstreamFailures(servers.emulatorUrl);
  // The victim can still sign in once the window has passed? Not within a run: the throttle holds for 16 minutes.
  const memAfter = { emulator: await rssMiB(emulatorPid), worker: await rssMiB(workerPid) };

  const s1 = summary(phase1);
  const s2l = summary(phase2legit);
  const s2a = summary(phase2attack);
  const legitErrors1 = errorsOf(legit1.counts, ["login", "session", "api/me", "logout"]);
  const legitErrors2 = errorsOf(legit2.counts, ["login", "session", "api/me", "logout"]);
  const stuffing = attack.counts.stuffing ?? {};
  const throttled = stuffing[429] ?? 0;
  const failedLogins = stuffing[401] ?? 0;
  const otherAttack = Object.entries(stuffing)
    .filter(([s]) => s !== "429" && s !== "401")
    .reduce((n, [, v]) => n + v, 0);
  const ok =
    legitErrors1 === 0 &&
    legitErrors2 === 0 &&
    s1.errors + s1.timeouts + s2l.errors + s2l.timeouts === 0 &&
    throttled > 0 &&
    otherAttack === 0 &&
    victimUpstream <= ACCOUNT_LIMIT;
  exitCode = ok ? 0 : 1;

  const fmt = (counts) =>
    Object.entries(counts)
      .map(
        ([step, byStatus]) =>
          `${step} ${Object.entries(byStatus)
            .map(([s, n]) => `${s}x${n}`)
            .join(" ")}`,
      )
      .join("; ");
  const cpu = execFileSync("sh", [
    "-c",
    "grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2; nproc 2>/dev/null || true",
  ])
    .toString()
    .trim()
    .replace(/\n/g, ", ");
  const lines = [
    "# Load results",
    "",
    `Latest \`pnpm load\` run: ${new Date().toISOString()}, Node ${process.version}, ${cpu} cores; emulator + edge-login`,
    "under `wrangler dev` (workerd, local Durable Objects and Rate Limiting) on loopback, driven by autocannon 9.",
    `**${ok ? "Passed" : "FAILED"}**: ${legitErrors1 + legitErrors2} errors for legitimate traffic; of ${(throttled + failedLogins).toLocaleString("en-US")} stuffing attempts ${throttled.toLocaleString("en-US")} were throttled (429) and ${failedLogins} answered 401 after reaching Transmit (limit ${ACCOUNT_LIMIT}).`,
    "",
    "| phase | connections | seconds | requests | req/s | p50 ms | p99 ms | max ms | socket errors / timeouts |",
    "| ----- | ----------: | ------: | -------: | ----: | -----: | -----: | -----: | ------------------------ |",
    `| 1. legitimate (login, session, /api/me, logout) | ${CONNECTIONS} | ${SECONDS} | ${s1.requests} | ${s1.rps} | ${s1.p50} | ${s1.p99} | ${s1.max} | ${s1.errors} / ${s1.timeouts} |`,
    `| 2. legitimate, during the attack | ${CONNECTIONS / 2} | ${ATTACK_SECONDS} | ${s2l.requests} | ${s2l.rps} | ${s2l.p50} | ${s2l.p99} | ${s2l.max} | ${s2l.errors} / ${s2l.timeouts} |`,
    `| 2. credential stuffing, one account, new IP per request | ${ATTACK_CONNECTIONS} | ${ATTACK_SECONDS} | ${s2a.requests} | ${s2a.rps} | ${s2a.p50} | ${s2a.p99} | ${s2a.max} | ${s2a.errors} / ${s2a.timeouts} |`,
    "",
    "Answers by step and status:",
    "",
    `- phase 1: ${fmt(legit1.counts)}`,
    `- phase 2 legitimate: ${fmt(legit2.counts)}`,
    `- phase 2 stuffing: ${fmt(attack.counts)}; password POSTs that reached Transmit for the attacked account: ${victimUpstream} (the account throttle allows ${ACCOUNT_LIMIT} untrusted attempts per 16 minutes, below Transmit's lockout)`,
    `- upstream calls the emulator answered with a 5xx or not at all (last ${upstream.logged.toLocaleString("en-US")} calls): ${
      Object.entries(upstream.failures)
        .map(([k, n]) => `${k} x${n}`)
        .join(", ") || "none"
    }`,
    "",
    "| memory (RSS, MiB) | after warm-up | after phase 1 | after phase 2 |",
    "| ----------------- | ------------: | ------------: | ------------: |",
    `| emulator (node) | ${memBefore.emulator} | ${memMiddle.emulator} | ${memAfter.emulator} |`,
    `| wrangler dev + workerd | ${memBefore.worker} | ${memMiddle.worker} | ${memAfter.worker} |`,
    "",
    "How the burst is keyed: every attempt carries its own `CF-Connecting-IP`, so the per-IP Rate Limiting binding (30",
    "a minute per IP) never fires; only the per-account throttle stops it, after 3 untrusted failures (below Transmit's lockout of 5), with 429 + `Retry-After`",
    "and no call to Transmit. Local numbers measure this machine and wrangler's dev runtime, not Cloudflare's edge; the",
    "RSS of wrangler dev + workerd grows with the Durable Objects the run creates (one per session, kept by the local",
    "runtime), which says little about a deployed Worker, where each object lives on its own.",
    "",
    `Run it: \`pnpm load\` (\`LOAD_SECONDS=${SECONDS} LOAD_ATTACK_SECONDS=${ATTACK_SECONDS} LOAD_CONNECTIONS=${CONNECTIONS}\`).`,
    "",
  ];
  await mkdir(join(root, "reliability"), { recursive: true });
  await writeFile(join(root, "reliability", "load-results.md"), lines.join("\n"));
  spawnSync("pnpm", ["exec", "biome", "format", "--write", "reliability/load-results.md"], { cwd: root });
  console.log(`\n${lines.slice(3).join("\n")}`);
  console.log(`written to reliability/load-results.md`);
} catch (error) {
  console.error(`pnpm load: ${error.stack ?? error}`);
  exitCode = 1;
} finally {
  clearTimeout(guard);
  await servers.stop();
  await rm(scratch, { recursive: true, force: true });
}
process.exit(exitCode);
