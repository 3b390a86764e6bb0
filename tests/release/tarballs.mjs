// Packed-tarball smoke tests: what users install, not the workspace.
// 1. `pnpm pack` core, hono and the emulator.
// 2. Install them with npm into two throwaway projects outside the workspace (their own dependencies, jose and hono,
//    come from the npm registry): an app (core + hono + hono) and the emulator.
// 3. Start the emulator from its tarball's `transmit-emulator` bin on a loopback port.
// 4. Sign alice in (core client, and a Hono app with the router and the guard) from Node (ESM), Deno (`deno run`
//    with the local node_modules), Bun, and a Worker bundled with esbuild and run in miniflare (workerd).
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { Miniflare } from "miniflare";
import { here, kib, log, main, PACKAGES, pack, readJson, removeDir, repo, rootBin, run, tempDir } from "./lib.mjs";

// miniflare 4.20260730 (its latest stable line; 5.x is a beta with another constructor) runs workerd 1.20260730,
// which supports dates up to its own.
const COMPATIBILITY_DATE = "2026-07-30";
const HONO_VERSION = readJson(join(repo, "packages/hono/package.json")).devDependencies.hono;

async function npmInstall(dir, dependencies) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "throwaway", private: true, type: "module", dependencies }, null, 2),
  );
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: dir,
    timeoutMs: 180_000,
    // Outside the workspace no .npmrc applies; keep npm from walking up into one anyway.
    env: { npm_config_workspaces: "false" },
  });
}

/** Starts `transmit-emulator` from the installed tarball; resolves with its ready line and a stop function. */
function startEmulator(dir) {
  const bin = join(dir, "node_modules", ".bin", "transmit-emulator");
  const child = spawn(bin, ["--port", "0", "--regions", "eu", "--json"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
      child.once("exit", () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill("SIGTERM");
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("emulator: no ready line within 15 s")), 15_000);
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code} before it was ready`)));
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      try {
        resolve({ info: JSON.parse(line), stop });
      } catch {
        reject(new Error(`emulator: unexpected first line ${line}`));
      }
    });
  });
}

function expectSignedIn(runtime, output) {
  const line = output.trim().split("\n").at(-1);
  const result = JSON.parse(line);
  if (result.runtime !== runtime || result.sub !== "demo-eu-alice" || result.userId !== "demo-eu-alice") {
    throw new Error(`${runtime}: unexpected result ${line}`);
  }
}

async function runWorker(app, root) {
  await esbuild.build({
    entryPoints: [join(app, "worker.mjs")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    // What wrangler resolves for workerd.
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    outfile: join(app, "worker.bundle.js"),
    minify: true,
    logLevel: "silent",
  });
  const bundle = readFileSync(join(app, "worker.bundle.js"));
  const bytes = `${kib(bundle.length)} minified, ${kib(gzipSync(bundle).length)} gzip`;
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(app, "worker.bundle.js"),
    // Module names are relative to this root; the default (the cwd) would need ".." to reach the temp dir.
    modulesRoot: app,
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: { TRANSMIT_ROOT: root },
  });
  try {
    const response = await mf.dispatchFetch("http://worker.test/");
    const text = await response.text();
    if (response.status !== 200) throw new Error(`workerd: ${response.status} ${text}`);
    expectSignedIn("workerd", text);
  } finally {
    await mf.dispose();
  }
  return bytes;
}

await main("tarballs", async () => {
  const work = tempDir("tarballs");
  let emulator;
  try {
    const packed = {};
    for (const pkg of PACKAGES) {
      packed[pkg.name] = await pack(pkg, join(work, "tarballs"));
      log(`packed ${pkg.name}: ${kib(packed[pkg.name].bytes)}`);
    }
    const tgz = (name) => `file:${packed[name].tarball}`;

    const app = join(work, "app");
    const emu = join(work, "emulator");
    await Promise.all([
      npmInstall(app, {
        "@transmit-edge/core": tgz("@transmit-edge/core"),
        "@transmit-edge/hono": tgz("@transmit-edge/hono"),
        hono: HONO_VERSION,
      }),
      npmInstall(emu, { "@transmit-edge/emulator": tgz("@transmit-edge/emulator") }),
    ]);
    log(`npm installed the tarballs into ${work}/{app,emulator} (outside the workspace)`);
    for (const file of ["sign-in.mjs", "main.mjs", "worker.mjs"])
      copyFileSync(join(here, "smoke", file), join(app, file));
    // Deno: use the project's node_modules as npm left it, download nothing.
    writeFileSync(join(app, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }));

    emulator = await startEmulator(emu);
    const root = emulator.info.regions[0].root;
    log(`emulator from the tarball's bin listens at ${emulator.info.url}`);

    // Node: the running Node (24, the development line) and Node 22 (the oldest supported line, `engines` floor),
    // which scripts/toolchain.sh installs from the npm registry and names in TRANSMIT_EDGE_NODE22.
    const node22 = process.env.TRANSMIT_EDGE_NODE22;
    if (!node22 && process.env.CI)
      throw new Error("TRANSMIT_EDGE_NODE22 is not set: source scripts/toolchain.sh first");
    if (!node22) log("SKIPPED Node 22: TRANSMIT_EDGE_NODE22 is not set (source scripts/toolchain.sh)");
    const runtimes = [
      [`node ${process.versions.node}`, process.execPath, ["main.mjs", root]],
      ...(node22 ? [["node 22", node22, ["main.mjs", root]]] : []),
      ["deno", rootBin("deno"), ["run", "--allow-net=127.0.0.1", "--allow-read", "--allow-env", "main.mjs", root]],
      ["bun", rootBin("bun"), ["main.mjs", root]],
    ];
    for (const [runtime, command, args] of runtimes) {
      const t = Date.now();
      const output = await run(command, args, { cwd: app, timeoutMs: 60_000, env: { NO_COLOR: "1" } });
      expectSignedIn(runtime.split(" ")[0], output);
      log(`${runtime}: signed in from the tarballs (${Date.now() - t} ms)`);
    }
    const t = Date.now();
    const bytes = await runWorker(app, root);
    log(`workerd (miniflare): signed in from the tarballs, bundle ${bytes} (${Date.now() - t} ms)`);
  } finally {
    await emulator?.stop();
    removeDir(work);
  }
});
