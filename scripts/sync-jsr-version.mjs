// Part of `pnpm version-packages`: after `changeset version` bumped packages/core/package.json, give
// packages/core/jsr.json (the JSR manifest) the same version, so npm and JSR publish the same release.
import { readFileSync, writeFileSync } from "node:fs";

const root = process.argv[2] ?? ".";
const pkg = JSON.parse(readFileSync(`${root}/packages/core/package.json`, "utf8"));
const jsrFile = `${root}/packages/core/jsr.json`;
const jsr = JSON.parse(readFileSync(jsrFile, "utf8"));
if (jsr.version !== pkg.version) {
  jsr.version = pkg.version;
  writeFileSync(jsrFile, `${JSON.stringify(jsr, null, 2)}\n`);
  console.log(`jsr.json: ${pkg.name}@${pkg.version}`);
}
