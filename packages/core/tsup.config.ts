import { defineConfig } from "tsup";

export default defineConfig({
  // Two entry points sharing chunks: `@transmit-edge/core` and the login-only `@transmit-edge/core/login`.
  entry: ["src/index.ts", "src/login.ts"],
  format: ["esm"],
  dts: true,
  target: "es2022",
  platform: "neutral",
  sourcemap: true,
  clean: true,
  treeshake: true,
  // jose stays a dependency: users dedupe it and keep its own tree-shaking.
  external: ["jose"],
});
