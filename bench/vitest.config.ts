import { nodeSuite } from "../tools/vitest.ts";

// Deterministic checks only (bundle budgets, token requests under concurrency). Timing benchmarks never run here:
// they are `pnpm bench` (bench/run.mjs).
export default nodeSuite({ include: ["test/**/*.test.ts"], testTimeout: 60_000 });
