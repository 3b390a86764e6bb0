// The path of the wrangler CLI that a workspace package depends on. Wrangler's `exports` map does not expose its
// bin file (since 4.1xx), so it is found through `package.json`'s `bin` field rather than `require.resolve`.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** @param {string} packageDir a folder whose package.json lists wrangler as a dependency */
export function wranglerBin(packageDir) {
  const manifest = createRequire(join(packageDir, "package.json")).resolve("wrangler/package.json");
  const { bin } = JSON.parse(readFileSync(manifest, "utf8"));
  return join(dirname(manifest), typeof bin === "string" ? bin : bin.wrangler);
}
