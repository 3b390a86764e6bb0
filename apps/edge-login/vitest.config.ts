import { workerdSuite } from "../../tools/vitest.ts";

// Every test runs inside workerd with the Worker's real Durable Objects and Rate Limiting binding (miniflare).
// The Transmit emulator runs in the same isolate (it is runtime-agnostic), so no test leaves the process.
export default workerdSuite({
  wranglerConfig: "./wrangler.jsonc",
  miniflare: {
    // Test-only values; real deployments set these with `wrangler secret put`.
    bindings: {
      SESSION_SECRET: "test-session-secret-0123456789abcdefghijklmnop",
      // Long fuzz runs (`pnpm fuzz`) pass their case count and seed in; CI uses the fixed defaults.
      FUZZ_RUNS: process.env.FUZZ_RUNS ?? "",
      FUZZ_SEED: process.env.FUZZ_SEED ?? "",
    },
  },
  test: { include: ["test/**/*.test.ts", "test/**/*.test.tsx"] },
});
