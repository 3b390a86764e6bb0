// The deploy as README "Deploy" describes it, short of the upload: `wrangler deploy --dry-run` from the repository,
// with only SESSION_SECRET and one region's secrets known (the --secrets-file of a first deploy). No account, no
// network: a dry run bundles and lists the bindings, then stops.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM script without types
import { wranglerBin } from "../../../tools/wrangler-bin.mjs";

const appDir = join(dirname(fileURLToPath(import.meta.url)), "..");
/**
 * The deployed Worker's budget: 47 KB gzip (README, "Benchmarks"; Auth.js with Credentials is 47.1 KB). Measured
 * 44.3 KB after the size work, 45.9 KB with home-region routing (account journey in its own core entry, hand-written body checks, one router).
 * 40.5 KB after the second size work (token verification on WebCrypto without jose, security headers and CORS
 * without Hono's middleware; bench/README.md, "Worker bundle"). 52.1 KB with sign-up, forgot password, the second
 * factor and the sessions list; 51.2 KB after the third size work (own cookie reader/serializer, a second-factor-only
 * account client): still over BUDGET (bench/README.md, "Third size pass").
 */
const BUDGET = 47 * 1024;
/**
 * Tripwire, not a budget: the measured size + 1 KB, so that an unnoticed regression (e.g. jose or a Hono middleware
 * bundled again) fails here long before the budget. A change that adds bytes on purpose (a new flow) raises it to
 * its new measured size + 1 KB, in the same commit, never above BUDGET.
 */
// Measured 52,458 bytes (51.23 KB) + 1 KB. Above BUDGET for now, so the BUDGET assertion fails first; it returns to
// measured + 1 KB (at most BUDGET) once the Worker is under its budget again.
const TRIPWIRE = 52.25 * 1024;

describe("deploy (wrangler deploy --dry-run)", () => {
  const scratch = mkdtempSync(join(tmpdir(), "edge-login-deploy-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("succeeds with only SESSION_SECRET and one region's secrets, minified and within the 47 KB gzip budget", () => {
    const values = {
      SESSION_SECRET: "dry-run-session-secret-0123456789abcdef",
      TRANSMIT_EU_CLIENT_ID: "dry-run-client-id-eu",
      TRANSMIT_EU_CLIENT_SECRET: "dry-run-client-secret-eu",
    };
    const secretsFile = join(scratch, "secrets.env");
    writeFileSync(
      secretsFile,
      Object.entries(values)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(""),
      { mode: 0o600 },
    );
    const outdir = join(scratch, "out");
    // No account credentials and no telemetry: a dry run needs neither.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      NO_COLOR: "1",
    };
    for (const key of ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL"]) {
      delete env[key];
    }
    const run = spawnSync(
      process.execPath,
      [wranglerBin(appDir), "deploy", "--dry-run", "--outdir", outdir, "--secrets-file", secretsFile],
      { cwd: appDir, env, encoding: "utf8", timeout: 120_000 },
    );
    const output = `${run.stdout}${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(output).not.toMatch(/required secrets have not been set/i);
    // The secrets it was given are bindings (values hidden); no other region is asked for.
    for (const [name, value] of Object.entries(values)) {
      expect(output).toMatch(new RegExp(`env\\.${name} \\("\\(hidden\\)"\\)`));
      expect(output).not.toContain(value);
    }
    expect(output).not.toMatch(/TRANSMIT_(US|CA|AU)_CLIENT/);

    const code = readFileSync(join(outdir, "index.js"), "utf8");
    // Minified: no indented lines and no doc comments (an unminified bundle has thousands of each).
    expect(code.split("\n").filter((line) => line.startsWith("  "))).toHaveLength(0);
    expect(code).not.toContain("/**");
    const gzip = gzipSync(Buffer.from(code), { level: 9 }).length;
    console.log(`deployed bundle: ${code.length} bytes, ${(gzip / 1024).toFixed(1)} KB gzip`);
    expect(gzip).toBeLessThanOrEqual(BUDGET);
    expect(gzip, "over the tripwire (measured size + 1 KB): see TRIPWIRE").toBeLessThanOrEqual(TRIPWIRE);
  });

  it("`pnpm run deploy` builds the workspace packages the Worker imports before wrangler bundles them", () => {
    const scripts = JSON.parse(readFileSync(join(appDir, "package.json"), "utf8")).scripts as Record<string, string>;
    expect(scripts.deploy).toMatch(
      /^turbo run build --filter=@transmit-edge\/edge-login\^\.\.\. .*&& wrangler deploy$/,
    );
  });
});
