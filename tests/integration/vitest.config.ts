import { defineConfig } from "vitest/config";

// The core client against the emulator, in-process and over a loopback socket. Both packages are imported from
// their built dist/ (turbo's `test` task depends on `^build`); the socket tests spawn the emulator's CLI.
export default defineConfig({
  test: {
    // Results for scripts/checklist.mjs (checklist ids in test names -> pass/fail).
    reporters: ["default", "json"],
    outputFile: { json: "./.test-results/node.json" },
    environment: "node",
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 20_000,
  },
});
