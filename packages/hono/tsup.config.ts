import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  // hono is a peer dependency and core a dependency: never bundle them.
  external: ["hono", "@transmit-edge/core"],
});
