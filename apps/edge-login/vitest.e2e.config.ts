import { defineConfig } from "vitest/config";

// Browser test on Node: Debian's chromium (driven by playwright-core) against `pnpm dev`'s emulator + wrangler dev.
export default defineConfig({
  test: {
    // Results for scripts/checklist.mjs (checklist ids in test names -> pass/fail).
    reporters: ["default", "json"],
    outputFile: { json: "./.test-results/e2e.json" },
    include: ["e2e/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
