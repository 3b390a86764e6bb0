import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Every test runs inside workerd with the Worker's real Durable Objects and Rate Limiting binding (miniflare).
// The Transmit emulator runs in the same isolate (it is runtime-agnostic), so no test leaves the process.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        // Test-only values; real deployments set these with `wrangler secret put`.
        bindings: {
          SESSION_SECRET: "test-session-secret-0123456789abcdefghijklmnop",
          // Long fuzz runs (`pnpm fuzz`) pass their case count and seed in; CI uses the fixed defaults.
          FUZZ_RUNS: process.env.FUZZ_RUNS ?? "",
          FUZZ_SEED: process.env.FUZZ_SEED ?? "",
        },
      },
    }),
  ],
  test: {
    // Results for scripts/checklist.mjs (checklist ids in test names -> pass/fail).
    reporters: ["default", "json"],
    outputFile: { json: "./.test-results/workerd.json" },
    // CI runs every suite at once on two cores: CPU-bound property tests need more than the default 5 s there.
    testTimeout: 20_000,
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
  },
});
