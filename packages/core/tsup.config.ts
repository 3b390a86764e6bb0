import { defineConfig } from "tsup";

const shared = { format: ["esm" as const], target: "es2022", platform: "neutral" as const };

export default defineConfig([
  {
    // Three entry points sharing chunks: `@transmit-edge/core`, the login-only `@transmit-edge/core/login` and the
    // account journey, `@transmit-edge/core/account`.
    ...shared,
    entry: { index: "src/index.ts", login: "src/login.ts", account: "src/account-client.ts" },
    dts: false,
    sourcemap: true,
    clean: true,
    treeshake: true,
  },
  // Declarations one entry at a time: a shared declaration chunk would be imported as `./chunk.js`, a file that
  // does not exist, which Deno's type check (and any tool without TypeScript's .js -> .d.ts mapping) cannot follow.
  { ...shared, entry: { index: "src/index.ts" }, dts: { only: true } },
  { ...shared, entry: { login: "src/login.ts" }, dts: { only: true } },
  { ...shared, entry: { account: "src/account-client.ts" }, dts: { only: true } },
]);
