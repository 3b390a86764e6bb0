// Where the Worker's bytes go: bundles apps/edge-login as `wrangler deploy --dry-run --minify` does (with its source
// map and esbuild metafile), attributes every byte of the minified output to its source file through the source map,
// and prints per file: minified bytes and the gzip (level 9) bytes the bundle would lose without that file's code
// (marginal cost: gzip of the whole output minus gzip of the output with that file's bytes cut out).
// With --core ENTRY, the same for one of bench/entries (login-only, authenticate, authenticate-verify), bundled as
// bench/lib/bundle.mjs does.
//   node bench/scripts/bundle-breakdown.mjs [--json] [--keep DIR] [--core ENTRY]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { wranglerBin } from "../../tools/wrangler-bin.mjs";

const workerDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "apps", "edge-login");
const keepAt = process.argv.indexOf("--keep");
const coreAt = process.argv.indexOf("--core");
const outdir = keepAt > 0 ? process.argv[keepAt + 1] : mkdtempSync(join(tmpdir(), "edge-login-breakdown-"));
if (coreAt > 0) {
  const { build } = await import("esbuild");
  const { coreBuildOptions } = await import("../lib/bundle.mjs");
  await build({
    ...coreBuildOptions(process.argv[coreAt + 1]),
    sourcemap: "external",
    outfile: join(outdir, "index.js"),
  });
}
const run =
  coreAt > 0
    ? { status: 0 }
    : spawnSync(
        process.execPath,
        [
          wranglerBin(workerDir),
          "deploy",
          "--dry-run",
          "--minify",
          "--outdir",
          outdir,
          "--metafile",
          join(outdir, "meta.json"),
          "--upload-source-maps",
        ],
        {
          cwd: workerDir,
          encoding: "utf8",
          env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
        },
      );
if (run.status !== 0) throw new Error(run.stdout + run.stderr);
const js = readdirSync(outdir).find((f) => f.endsWith(".js"));
const code = readFileSync(join(outdir, js), "utf8");
const map = JSON.parse(readFileSync(join(outdir, `${js}.map`), "utf8"));

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
function decode(segment) {
  const out = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const d = B64.indexOf(ch);
    value += (d & 31) << shift;
    if (d & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

// owner[i] = source index of the output character i (-1: not mapped, e.g. esbuild's own glue).
const lines = code.split("\n");
const owner = new Int32Array(code.length).fill(-1);
let lineStart = 0;
let src = 0;
map.mappings.split(";").forEach((line, l) => {
  let col = 0;
  const segs = [];
  for (const s of line.split(",")) {
    if (!s) continue;
    const f = decode(s);
    col += f[0];
    if (f.length > 1) src += f[1];
    segs.push([col, f.length > 1 ? src : -1]);
    if (f.length > 1) {
      // keep the decoder's running state for original line/column
    }
  }
  for (let k = 0; k < segs.length; k++) {
    const end = k + 1 < segs.length ? segs[k + 1][0] : lines[l].length + 1;
    owner.fill(segs[k][1], lineStart + segs[k][0], Math.min(lineStart + end, code.length));
  }
  lineStart += (lines[l]?.length ?? 0) + 1;
});

const gz = (s) => gzipSync(Buffer.from(s), { level: 9 }).length;
const total = gz(code);
const name = (s) =>
  s
    .replace(/^(\.\.\/)+/, "")
    .replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "")
    .replace(/^.*?(packages|apps)\//, "$1/");
const groups = new Map();
for (let i = 0; i < code.length; i++) {
  const key = owner[i] < 0 ? "(glue)" : name(map.sources[owner[i]]);
  const g = groups.get(key) ?? [];
  g.push(i);
  groups.set(key, g);
}
const rows = [];
for (const [file, idx] of groups) {
  const mask = new Uint8Array(code.length);
  for (const i of idx) mask[i] = 1;
  let rest = "";
  let from = 0;
  for (let i = 0; i <= code.length; i++) {
    if (i === code.length || mask[i]) {
      if (i > from) rest += code.slice(from, i);
      from = i + 1;
    }
  }
  rows.push({ file, minified: idx.length, gzip: total - gz(rest) });
}
rows.sort((a, b) => b.gzip - a.gzip);
const pkg = (f) =>
  f.startsWith("packages/") || f.startsWith("apps/")
    ? f.split("/").slice(0, 2).join("/")
    : f.startsWith("(")
      ? f
      : f
          .split("/")
          .slice(0, f.startsWith("@") ? 2 : 1)
          .join("/");
const byPkg = new Map();
for (const r of rows) {
  const p = byPkg.get(pkg(r.file)) ?? { file: pkg(r.file), minified: 0, files: [] };
  p.minified += r.minified;
  p.files.push(r.file);
  byPkg.set(pkg(r.file), p);
}
for (const p of byPkg.values()) {
  const set = new Set(p.files);
  let rest = "";
  for (let i = 0; i < code.length; i++) {
    const key = owner[i] < 0 ? "(glue)" : name(map.sources[owner[i]]);
    if (!set.has(key)) rest += code[i];
  }
  p.gzip = total - gz(rest);
}
if (keepAt < 0) rmSync(outdir, { recursive: true, force: true });
if (process.argv.includes("--json")) {
  console.log(
    JSON.stringify({ minified: code.length, gzip: total, packages: [...byPkg.values()], files: rows }, null, 2),
  );
} else {
  console.log(
    `${coreAt > 0 ? process.argv[coreAt + 1] : "Worker"}: ${code.length} bytes minified, ${total} bytes gzip (${(total / 1024).toFixed(2)} KB)`,
  );
  console.log("\npackage | minified | gzip (marginal)");
  for (const p of [...byPkg.values()].sort((a, b) => b.gzip - a.gzip))
    console.log(`${p.file} | ${p.minified} | ${p.gzip}`);
  console.log("\nfile | minified | gzip (marginal)");
  for (const r of rows) console.log(`${r.file} | ${r.minified} | ${r.gzip}`);
}
