import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    // CLI tests spawn bin/transmit-emulator.js, which runs dist/: build it first when the sources are newer.
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});
