// Bundle sizes: core entries bundled with esbuild (minified, tree-shaken, as an app would ship them) and the
// edge-login Worker as `wrangler deploy --dry-run --minify` bundles it; gzip level 9 of each output.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { wranglerBin } from "../../tools/wrangler-bin.mjs";

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const workerDir = join(benchDir, "..", "apps", "edge-login");

/** Size budgets in bytes (gzip), from issue 6. */
export const BUDGETS = {
  /** The login-only target of issue 6: `@transmit-edge/core/login` (entries/login-only.mjs). Not met yet. */
  coreLogin: 6 * 1024,
  /**
   * What CI enforces for the login-only entry point until the 6 KB target is met: no growth past today's size
   * (6.89 KB since the fifth size pass, was 7.0). Where the bytes go and what reaching 6 KB would take: README.md,
   * "Where a target was missed" and "Fifth pass".
   */
  coreLoginRatchet: 7.1 * 1024,
  /**
   * The full client used for login only (entries/authenticate.mjs): `createTransmitClient` carries every method, so
   * verification stays in; apps that only log in use the login-only entry point. It was 15.6 KB while the account
   * journey was on the full client (now `@transmit-edge/core/account`), 14.07 KB with jose's jwtVerify, 9.65 KB
   * since verification uses WebCrypto itself. Held at the measured size + about 1 KB.
   */
  coreAuthenticateRatchet: 10.75 * 1024,
  /** Login + ID-token verification: 14.08 KB measured with jose, 9.67 KB without; the measured size + about 1 KB. */
  coreVerify: 10.75 * 1024,
  /** The deployed Worker with every flow (README, "Benchmarks"): missed since the account journey landed. */
  worker: 47 * 1024,
  /**
   * What CI holds until `worker` is met again: the measured 52.6 KB + about 0.7 KB (apps/edge-login/e2e/deploy.test.ts
   * says why it was raised from 52.5 KB).
   */
  workerRatchet: 53.25 * 1024,
};

function sizes(code) {
  const bytes = Buffer.from(code);
  return { minified: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** esbuild options for one entry of bench/entries, as an application bundler would build it (also bundle-breakdown). */
export function coreBuildOptions(entry) {
  return {
    entryPoints: [join(benchDir, "entries", `${entry}.mjs`)],
    bundle: true,
    minify: true,
    treeShaking: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    logLevel: "silent",
  };
}

/**
 * Bundles one entry of bench/entries the way an application bundler would (ESM, minified, tree-shaken, browser/
 * worker conditions) and returns its sizes.
 * @param {"login-only" | "authenticate" | "authenticate-verify"} entry
 */
export async function coreBundleSize(entry) {
  const result = await build({ ...coreBuildOptions(entry), write: false });
  return sizes(result.outputFiles[0].text);
}

function run(command, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
    });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(output) : reject(new Error(`${args.join(" ")}: ${output}`))));
  });
}

/** Bundles the edge-login Worker with `wrangler deploy --dry-run --minify` into a temporary directory. */
export async function workerBundleSize() {
  const outdir = await mkdtemp(join(tmpdir(), "edge-login-bundle-"));
  try {
    const wrangler = wranglerBin(workerDir);
    await run(process.execPath, [wrangler, "deploy", "--dry-run", "--minify", "--outdir", outdir], workerDir);
    const files = (await readdir(outdir)).filter((f) => f.endsWith(".js"));
    let code = "";
    for (const f of files) code += await readFile(join(outdir, f), "utf8");
    return sizes(code);
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}
