import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Results for scripts/checklist.mjs (checklist ids in test names -> pass/fail).
    reporters: ["default", "json"],
    outputFile: { json: "./.test-results/node.json" },
    // CI runs every suite at once on two cores: CPU-bound property tests need more than the default 5 s there.
    testTimeout: 20_000,
    environment: "node",
    include: ["test/*.test.ts", "test/node/**/*.test.ts"],
  },
});
