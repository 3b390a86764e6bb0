import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Runs the runtime-agnostic behaviour suite (test/*.test.ts) inside workerd through miniflare.
// Node-only tests live in test/node/ and are not part of this run.
export default defineConfig({
  plugins: [
    cloudflareTest({
      miniflare: {
        // Newest date workerd 1.20260426.1 supports (pinned versions: the root README, "Developing").
        compatibilityDate: "2026-04-20",
        compatibilityFlags: ["nodejs_compat"],
      },
    }),
  ],
  test: {
    // Results for scripts/checklist.mjs (checklist ids in test names -> pass/fail).
    reporters: ["default", "json"],
    outputFile: { json: "./.test-results/workerd.json" },
    // CI runs every suite at once on two cores: CPU-bound property tests need more than the default 5 s there.
    testTimeout: 20_000,
    include: ["test/*.test.ts"],
  },
});
