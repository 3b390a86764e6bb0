import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Results for scripts/checklist.mjs (checklist ids in test names -> pass/fail).
    reporters: ["default", "json"],
    outputFile: { json: "./.test-results/node.json" },
    environment: "node",
    include: ["test/*.test.ts", "test/node/**/*.test.ts"],
  },
});
