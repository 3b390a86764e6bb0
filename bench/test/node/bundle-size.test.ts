// Bundle budgets of issue 6 (gzip, level 9). Node only: it runs esbuild and wrangler.
import { describe, expect, it } from "vitest";
import { BUDGETS, coreBundleSize, workerBundleSize } from "../../lib/bundle.mjs";

describe("bundle budgets", () => {
  it("core/login used for login only does not grow past its current size (7.1 KB gzip; the 6 KB target is not met yet)", async () => {
    // `@transmit-edge/core/login`: no JWKS, no token verification. What the remaining bytes are and what 6 KB would cost:
    // bench/README.md, "Where a target was missed".
    const { gzip } = await coreBundleSize("login-only");
    expect(gzip).toBeLessThanOrEqual(BUDGETS.coreLoginRatchet);
  });

  it("core with login and ID-token verification stays within 10.75 KB gzip (no jose)", async () => {
    const { gzip } = await coreBundleSize("authenticate-verify");
    expect(gzip).toBeLessThanOrEqual(BUDGETS.coreVerify);
  });

  it("the full client used for login only does not grow past its current size + 1 KB (10.75 KB gzip)", async () => {
    // The client object carries every method, so a bundler cannot drop token verification: apps that only log in
    // import `@transmit-edge/core/login` instead (the test above).
    const { gzip } = await coreBundleSize("authenticate");
    expect(gzip).toBeLessThanOrEqual(BUDGETS.coreAuthenticateRatchet);
  });

  it("the edge-login Worker (wrangler deploy --dry-run --minify) does not grow past its recorded size (53.25 KB gzip; the 47 KB budget is missed)", async () => {
    const { gzip } = await workerBundleSize();
    expect(gzip).toBeLessThanOrEqual(BUDGETS.workerRatchet);
  });
});
