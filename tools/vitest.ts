// Shared vitest configurations: one for the Node suites and one for the suites that run inside workerd, so that
// every package reports results the same way (scripts/checklist.mjs reads .test-results/*.json) and uses the same
// time budgets and compatibility date. A package's vitest config calls one of these and adds what is its own.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig, type ViteUserConfig } from "vitest/config";

/**
 * The newest date that the workerd inside @cloudflare/vitest-plugin 1.5.0 (1.20261102) supports; the Workers'
 * wrangler.jsonc files use the same date. README, "Developing", lists the pins.
 */
export const COMPATIBILITY_DATE = "2026-11-01";

/**
 * Budgets that hold when `pnpm test` runs every suite at once on two busy cores (CI machines are shared): a test
 * that needs more says so itself.
 */
const TEST_TIMEOUT_MS = 20_000;
const HOOK_TIMEOUT_MS = 30_000;

type TestOptions = NonNullable<ViteUserConfig["test"]>;

/** A Node suite: `test/*.test.ts` and `test/node/**` by default; results in `.test-results/node.json`. */
export function nodeSuite(test: TestOptions = {}): ViteUserConfig {
  return defineConfig({
    test: {
      environment: "node",
      include: ["test/*.test.ts", "test/node/**/*.test.ts"],
      reporters: ["default", "json"],
      outputFile: { json: "./.test-results/node.json" },
      testTimeout: TEST_TIMEOUT_MS,
      hookTimeout: HOOK_TIMEOUT_MS,
      ...test,
    },
  });
}

/** Options of {@link workerdSuite}. */
export interface WorkerdSuiteOptions {
  /** A wrangler config to run the Worker exactly as deployed (its Durable Objects, bindings and date). */
  wranglerConfig?: string;
  /** Extra miniflare options (bindings, outbound service). */
  miniflare?: Record<string, unknown>;
  test?: TestOptions;
}

/**
 * A suite that runs inside workerd: the runtime-agnostic `test/*.test.ts` by default (Node-only tests live in
 * `test/node/`); results in `.test-results/workerd.json`.
 */
export function workerdSuite(options: WorkerdSuiteOptions = {}): ViteUserConfig {
  const { wranglerConfig, miniflare = {}, test = {} } = options;
  return defineConfig({
    plugins: [
      cloudflareTest({
        ...(wranglerConfig ? { wrangler: { configPath: wranglerConfig } } : {}),
        miniflare: {
          ...(wranglerConfig ? {} : { compatibilityDate: COMPATIBILITY_DATE, compatibilityFlags: ["nodejs_compat"] }),
          ...miniflare,
        },
      }),
    ],
    test: {
      include: ["test/*.test.ts"],
      reporters: ["default", "json"],
      outputFile: { json: "./.test-results/workerd.json" },
      testTimeout: TEST_TIMEOUT_MS,
      hookTimeout: HOOK_TIMEOUT_MS,
      ...test,
    },
  });
}
