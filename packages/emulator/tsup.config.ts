import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", node: "src/node.ts", cli: "src/cli.ts" },
  format: ["esm"],
  target: "es2022",
  dts: { entry: { index: "src/index.ts", node: "src/node.ts" } },
  sourcemap: true,
  clean: true,
  splitting: true,
  // Keep `node:` specifiers: Deno and Bun resolve them, bare "http" only works on Node.
  removeNodeProtocol: false,
});
