// (6) Bundle sizes, gzip level 9: the login-only entry, the full client for login only, with verification, the Worker.
import { BUDGETS, coreBundleSize, workerBundleSize } from "../lib/bundle.mjs";

export const title = "bundle sizes";

const kb = (b) => `${(b / 1024).toFixed(1)} KB`;

export async function run({ progress }) {
  progress("esbuild: core/login, login only");
  const loginOnly = await coreBundleSize("login-only");
  progress("esbuild: core, login only with the full client");
  const auth = await coreBundleSize("authenticate");
  progress("esbuild: core, login + verifyIdToken");
  const verify = await coreBundleSize("authenticate-verify");
  progress("wrangler deploy --dry-run --minify");
  const worker = await workerBundleSize();
  const row = (what, size, budget) => ({
    what,
    ours: `${kb(size.gzip)} gzip (${kb(size.minified)} minified)`,
    reference: "-",
    ratio: null,
    ratioText: "-",
    target: `<= ${kb(budget)} gzip`,
    pass: size.gzip <= budget,
    data: { ...size, budget },
  });
  return [
    row("bundle: core/login, passwords.authenticate only (esbuild, minify)", loginOnly, BUDGETS.coreLogin),
    row("bundle: full client used for passwords.authenticate only", auth, BUDGETS.coreAuthenticateRatchet),
    row("bundle: core with tokens.verifyIdToken (esbuild, minify)", verify, BUDGETS.coreVerify),
    row("bundle: edge-login Worker (wrangler deploy --dry-run --minify)", worker, BUDGETS.worker),
  ];
}
