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
 * 44.3 KB after the size work, 45.9 KB with home-region routing, 40.5 KB after the second size work (token
 * verification on WebCrypto, security headers and CORS without Hono's middleware). With sign-up, forgot password,
 * the second factor, the sessions list and the login hand-over: 53.3 KB, 52.4 KB after the third and fourth size
 * passes, 51.7 KB after the fifth. **The budget is missed** (bench/README.md, "Third size pass", "Fourth pass" and
 * "Fifth pass": what was tried, and what reaching it would take); `pnpm bench` reports the Worker row against BUDGET
 * as failing until it is met.
 */
const BUDGET = 47 * 1024;
/**
 * What CI holds until BUDGET is met again: no growth past the measured size + about 0.7 KB, so an unnoticed
 * regression (jose or a Hono middleware bundled again) fails here. A change that adds bytes on purpose raises it in
 * the same commit, with its reason; once the Worker is under BUDGET, RATCHET becomes BUDGET. Raised from 52.5 KB
 * (52,930 bytes measured) to 53.25 KB (53,839 measured, +909 bytes) by the fixes of two attack reviews of issue 14:
 * the shared client-token refresh lease with its release and waits (attack4 F8, attack5 F4-F7), the device-entry
 * route (attack4 F5, attack5 F1), counters by region (attack4 F3, attack5 F2, F8).
 */
const RATCHET = 53.25 * 1024;

describe("deploy (wrangler deploy --dry-run)", () => {
  const scratch = mkdtempSync(join(tmpdir(), "edge-login-deploy-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("succeeds with only SESSION_SECRET and one region's secrets, minified, and no larger than its recorded size (the 47 KB budget is missed)", () => {
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
    console.log(`budget ${(BUDGET / 1024).toFixed(1)} KB: ${gzip <= BUDGET ? "met" : "missed"}`);
    expect(gzip, "grew past the recorded size: see RATCHET").toBeLessThanOrEqual(Math.max(RATCHET, BUDGET));
  });

  it("`pnpm run deploy` builds the workspace packages the Worker imports before wrangler bundles them", () => {
    const scripts = JSON.parse(readFileSync(join(appDir, "package.json"), "utf8")).scripts as Record<string, string>;
    expect(scripts.deploy).toMatch(
      /^turbo run build --filter=@transmit-edge\/edge-login\^\.\.\. .*&& wrangler deploy$/,
    );
  });
});
