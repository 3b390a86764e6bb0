// (2, workerd) (4) (5) (8): the edge-login Worker under `wrangler dev` wired to the emulator CLI, on loopback.
import { randomBytes } from "node:crypto";
import autocannon from "autocannon";
import { fakeClientIp, interleavedLatency, timedRequest } from "../lib/http.mjs";
import { median, percentile } from "../lib/stats.mjs";

export const title = "Worker end to end (wrangler dev + emulator)";
const ALICE = { username: "alice", password: "Correct-Horse-7!" };
let ipCounter = 1;

function workerLogin(stack) {
  return () => ({
    url: `${stack.url}/auth/login`,
    init: {
      method: "POST",
      headers: { "content-type": "application/json", origin: stack.url, "cf-connecting-ip": fakeClientIp(ipCounter++) },
      body: JSON.stringify(ALICE),
    },
  });
}

async function emulatorToken(stack, region) {
  const info = stack.regions.find((r) => r.region === region);
  const client = info.clients[0];
  const res = await fetch(`${info.root}/oidc/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: client.client_id,
      client_secret: client.client_secret,
    }),
  });
  const json = await res.json();
  return { root: info.root, token: json.access_token };
}

async function emulatorLog(stack, query) {
  const res = await fetch(`${stack.emulatorUrl}/__emulator/requests?${new URLSearchParams(query)}`);
  return (await res.json()).requests;
}

const ms = (x) => `${x.toFixed(2)} ms`;

/** Must run first on a fresh stack: the Worker's client-token cache (a Durable Object) is still empty. */
export async function coldBurst({ stack, progress }) {
  // 1,000 different users, so the logins do not queue behind one account's throttle object and really arrive at
  // the token step together. Created through the emulator's control API, which does not touch the Worker.
  progress("creating 1,000 users in the emulator");
  const password = "Bench-Horse-7!";
  for (let i = 0; i < 1000; i += 50) {
    await Promise.all(
      Array.from({ length: 50 }, async (_, j) => {
        const res = await fetch(`${stack.emulatorUrl}/__emulator/us/users`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: `bench-${i + j}`, password }),
        });
        if (res.status !== 201) throw new Error(`creating bench-${i + j}: ${res.status} ${await res.text()}`);
      }),
    );
  }
  progress("1,000 concurrent POST /auth/login on a cold Worker");
  await fetch(`${stack.emulatorUrl}/__emulator/requests`, { method: "DELETE" });
  const statuses = await Promise.all(
    Array.from({ length: 1000 }, async (_, i) => {
      const url = `${stack.url}/auth/login`;
      const init = {
        method: "POST",
        headers: {
          "content-type": "application/json",
          origin: stack.url,
          "cf-connecting-ip": fakeClientIp(ipCounter++),
        },
        body: JSON.stringify({ username: `bench-${i}`, password }),
      };
      try {
        const res = await fetch(url, init);
        await res.arrayBuffer();
        return res.status;
      } catch {
        return 0;
      }
    }),
  );
  const tokenRequests = (await emulatorLog(stack, { route: "oidc.token" })).length;
  const ok = statuses.filter((s) => s === 200).length;
  const isolates = 1; // wrangler dev runs the Worker in one workerd isolate
  return [
    {
      what: "1,000 concurrent logins, cold token cache, workerd (wrangler dev, 1 isolate): token requests",
      ours: `${tokenRequests} (${ok}/1000 logins ok; answers ${JSON.stringify(countBy(statuses))})`,
      reference: "-",
      ratio: null,
      ratioText: "-",
      target: `<= isolates (${isolates})`,
      pass: tokenRequests <= isolates && ok === 1000,
      data: { tokenRequests, ok, isolates, statuses: countBy(statuses) },
    },
  ];
}

function countBy(values) {
  const out = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

export async function endToEnd({ stack, progress, quick }) {
  const { root, token } = await emulatorToken(stack, "us");
  const direct = () => ({
    url: `${root}/cis/v1/auth/password/authenticate`,
    init: {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
      body: DIRECT_LOGIN,
    },
  });
  const samples = quick ? 200 : 1500;
  const login = await interleavedLatency({
    a: workerLogin(stack),
    b: direct,
    samples,
    warmup: quick ? 20 : 150,
    onProgress: (done, total) => progress(`login: ${done}/${total} pairs`),
  });
  const added = { p50Ms: login.a.p50Ms - login.b.p50Ms, p99Ms: login.a.p99Ms - login.b.p99Ms };

  // requireSession: a signed-in GET /api/me (session read from its Durable Object) vs an unguarded route.
  const res = await fetch(workerLogin(stack)().url, workerLogin(stack)().init);
  await res.arrayBuffer();
  const cookie = res.headers.get("set-cookie")?.split(";")[0];
  if (!cookie) throw new Error("login did not set a session cookie");
  const guarded = () => ({ url: `${stack.url}/api/me`, init: { headers: { cookie } } });
  const open = () => ({ url: `${stack.url}/styles.css`, init: { headers: { cookie } } });
  const guard = await interleavedLatency({
    a: guarded,
    b: open,
    samples: quick ? 300 : 2000,
    warmup: quick ? 20 : 200,
    onProgress: (done, total) => progress(`requireSession: ${done}/${total} pairs`),
  });
  const guardAdded = guard.a.p50Ms - guard.b.p50Ms;

  // Where the login's time goes locally: every login creates a new session Durable Object. A well-formed but
  // unknown session id makes the guard instantiate a new object and read its empty storage.
  const fresh = () => ({
    url: `${stack.url}/api/me`,
    init: { headers: { cookie: `__Host-session=${randomBytes(32).toString("base64url")}` } },
  });
  const instantiate = await interleavedLatency({
    a: fresh,
    b: guarded,
    samples: quick ? 200 : 1000,
    warmup: quick ? 20 : 100,
    expectA: 401,
    onProgress: (done, total) => progress(`new session object: ${done}/${total} pairs`),
  });
  const instantiateAdded = instantiate.a.p50Ms - instantiate.b.p50Ms;
  return [
    {
      what: `Worker POST /auth/login end to end vs the same login straight to the emulator: added p50 (${login.a.n} sequential pairs)`,
      ours: `${ms(login.a.p50Ms)} p50, ${ms(login.a.p99Ms)} p99`,
      reference: `${ms(login.b.p50Ms)} p50, ${ms(login.b.p99Ms)} p99`,
      ratio: added.p50Ms,
      ratioText: `+${ms(added.p50Ms)}`,
      // Issue 14: <= 3 ms p50 (issue 6 asked for 2 ms; see bench/README.md, "Reading the Worker numbers").
      target: "added p50 <= 3 ms",
      pass: added.p50Ms <= 3,
      data: { ...login, added },
    },
    {
      what: "same, added p99",
      ours: `${ms(login.a.p99Ms)}`,
      reference: `${ms(login.b.p99Ms)}`,
      ratio: added.p99Ms,
      ratioText: `+${ms(added.p99Ms)}`,
      target: "added p99 <= 5 ms (issue 6)",
      pass: added.p99Ms <= 5,
      data: { added },
    },
    {
      what: `Worker GET /api/me with requireSession (warm session, Durable Object read) vs GET /styles.css (no guard) (${guard.a.n} pairs)`,
      ours: `${ms(guard.a.p50Ms)} p50, ${ms(guard.a.p99Ms)} p99`,
      reference: `${ms(guard.b.p50Ms)} p50, ${ms(guard.b.p99Ms)} p99`,
      ratio: guardAdded,
      ratioText: `+${ms(guardAdded)} p50`,
      target: "added p50 (report)",
      pass: null,
      data: guard,
    },
    {
      what: `diagnosis: GET /api/me with an unknown session id (a new Durable Object instantiated, empty read, 401) vs an existing session (${instantiate.a.n} pairs)`,
      ours: `${ms(instantiate.a.p50Ms)} p50, ${ms(instantiate.a.p99Ms)} p99`,
      reference: `${ms(instantiate.b.p50Ms)} p50, ${ms(instantiate.b.p99Ms)} p99`,
      ratio: instantiateAdded,
      ratioText: `+${ms(instantiateAdded)} p50`,
      target: "(info)",
      pass: null,
      data: instantiate,
    },
  ];
}

export async function emulatorThroughput({ stack, progress, quick }) {
  const { root, token } = await emulatorToken(stack, "us");
  const options = {
    url: `${root}/cis/v1/auth/password/authenticate`,
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(ALICE),
    connections: 10,
  };
  progress("autocannon warm-up (1 s)");
  await autocannon({ ...options, duration: 1 });
  await fetch(`${stack.emulatorUrl}/__emulator/requests`, { method: "DELETE" });
  const duration = quick ? 3 : 8;
  progress(`autocannon: ${options.connections} connections, ${duration} s`);
  const result = await autocannon({ ...options, duration });
  await fetch(`${stack.emulatorUrl}/__emulator/requests`, { method: "DELETE" });
  const failed = result.non2xx + result.errors + result.timeouts;
  return [
    {
      what: `emulator throughput: password logins/s (autocannon, ${options.connections} connections, ${duration} s, loopback)`,
      ours: `${Math.round(result.requests.average).toLocaleString("en-US")} logins/s (${ms(result.latency.p50)} p50, ${ms(result.latency.p99)} p99)`,
      reference: "-",
      ratio: null,
      ratioText: "-",
      target: "report (never the bottleneck)",
      pass: failed === 0 ? null : false,
      data: {
        requestsPerSec: result.requests.average,
        latency: { p50: result.latency.p50, p99: result.latency.p99 },
        total: result.requests.total,
        failed,
      },
    },
  ];
}

/** main's commit the hand-over branch started from: its Worker source is run beside this one for the local rows. */
export const MAIN_COMMIT = "c459258";

/**
 * Writes main's Worker source (`apps/edge-login/src` and `wrangler.jsonc` at {@link MAIN_COMMIT}) to
 * `apps/edge-login/.bench-main/` (git-ignored), so `wrangler dev --config` bundles it with this workspace's packages
 * (the hono changes of this branch are additive: main's app uses none of them).
 */
export async function prepareMainWorker() {
  const { execFileSync } = await import("node:child_process");
  const { mkdirSync, rmSync } = await import("node:fs");
  const { dirname, join } = await import("node:path");
  const { fileURLToPath } = await import("node:url");
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const target = join(root, "apps", "edge-login", ".bench-main");
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const tar = execFileSync("git", ["archive", MAIN_COMMIT, "apps/edge-login/src", "apps/edge-login/wrangler.jsonc"], {
    cwd: root,
    maxBuffer: 64 << 20,
  });
  execFileSync("tar", ["-x", "--strip-components=2", "-C", target], { input: tar });
  return join(target, "wrangler.jsonc");
}

/**
 * The body the Worker's core client sends for a login (the ID-token claims it keeps, the client's address and agent),
 * so that the direct call does the same work at the emulator as the Worker's call.
 */
const DIRECT_LOGIN = JSON.stringify({
  ...ALICE,
  claims: { id_token: { email: null, email_verified: null, phone_number: null, username: null, roles: null } },
  client_attributes: { ip_address: "10.0.0.1", user_agent: "bench" },
});

/**
 * One run, five request kinds in turn (rotating which goes first): this branch's Worker login, main's Worker login
 * (its own wrangler dev and emulator, same machine), the direct emulator call, and the floor of the local path: a
 * Worker route that touches no storage and no upstream (`GET /styles.css`) beside an emulator GET (`jwks`). The floor
 * says how much of the added latency is `wrangler dev` itself (its proxy in front of workerd, workerd's entry), which
 * no Worker code can take off (bench/README.md, "Reading the Worker numbers").
 */
export async function sideBySide({ stack, progress, quick, mainStack }) {
  const { root, token } = await emulatorToken(stack, "us");
  const kinds = {
    ours: workerLogin(stack),
    main: workerLogin(mainStack),
    direct: () => ({
      url: `${root}/cis/v1/auth/password/authenticate`,
      init: {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
        body: DIRECT_LOGIN,
      },
    }),
    floor: () => ({ url: `${stack.url}/styles.css`, init: {} }),
    emulatorGet: () => ({ url: `${root}/cis/oidc/jwks`, init: {} }),
  };
  const names = Object.keys(kinds);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  const samples = quick ? 150 : 800;
  const warmup = quick ? 20 : 100;
  for (let i = 0; i < warmup + samples; i++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length];
      const t = await timedRequest(kinds[name]);
      if (i >= warmup) times[name].push(t);
    }
    if ((i + 1) % 200 === 0) progress(`side by side: ${i + 1}/${warmup + samples} rounds`);
  }
  const s = Object.fromEntries(names.map((n) => [n, { p50Ms: median(times[n]), p99Ms: percentile(times[n], 99) }]));
  const added = (n) => `+${ms(s[n].p50Ms - s.direct.p50Ms)} p50, +${ms(s[n].p99Ms - s.direct.p99Ms)} p99`;
  const floor = s.floor.p50Ms - s.emulatorGet.p50Ms;
  const ours = s.ours.p50Ms - s.direct.p50Ms;
  return [
    {
      what: `local login side by side in one run (${samples} rounds; ours, main ${MAIN_COMMIT}, direct emulator call)`,
      ours: `${ms(s.ours.p50Ms)} p50, ${ms(s.ours.p99Ms)} p99 (${added("ours")})`,
      reference: `main ${ms(s.main.p50Ms)} p50, ${ms(s.main.p99Ms)} p99 (${added("main")}); direct ${ms(s.direct.p50Ms)} p50, ${ms(s.direct.p99Ms)} p99`,
      ratio: ours,
      ratioText: `+${ms(ours)} (main +${ms(s.main.p50Ms - s.direct.p50Ms)})`,
      target: "added p50 <= 3 ms",
      pass: ours <= 3,
      data: s,
    },
    {
      what: "same run: the floor of `wrangler dev`, a Worker route with no storage and no upstream (GET /styles.css) vs an emulator GET (jwks)",
      ours: `${ms(s.floor.p50Ms)} p50, ${ms(s.floor.p99Ms)} p99`,
      reference: `${ms(s.emulatorGet.p50Ms)} p50, ${ms(s.emulatorGet.p99Ms)} p99`,
      ratio: floor,
      ratioText: `+${ms(floor)} p50`,
      target: "(info: part of every Worker row above; no Worker code runs in it)",
      pass: null,
      data: { floor: s.floor, emulatorGet: s.emulatorGet },
    },
    {
      what: "same run: the login's own added p50, above that floor (login added - floor added)",
      ours: `+${ms(ours - floor)}`,
      reference: `main +${ms(s.main.p50Ms - s.direct.p50Ms - floor)}`,
      ratio: ours - floor,
      ratioText: `+${ms(ours - floor)}`,
      target: "(info: what the Worker's code and its Durable Objects add locally)",
      pass: null,
      data: { ours: ours - floor, main: s.main.p50Ms - s.direct.p50Ms - floor },
    },
  ];
}
