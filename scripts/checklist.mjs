#!/usr/bin/env node
// Security checklist coverage: maps every item of docs/security-checklist.md to the tests whose names carry its id,
// adds the latest vitest results (.test-results/*.json, written by every vitest run of the Node and workerd suites),
// prints the table and fails when a must (M) item has no test, or when a test of an item failed.
//
//   node scripts/checklist.mjs                   # table; fails on an M item without a test or a failed test
//   node scripts/checklist.mjs --require-results # also fails when an M item has no passing test result (CI)
//   node scripts/checklist.mjs --verbose         # also lists each item's tests
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const CHECKLIST = join(root, "docs", "security-checklist.md");
const TEST_DIRS = ["packages", "apps", "tests"];
const args = new Set(process.argv.slice(2));

/** `- A01 M text` lines of the checklist (continuation lines are joined). */
function parseChecklist(markdown) {
  const items = [];
  for (const line of markdown.split("\n")) {
    const m = /^- ([A-Z]\d{2}) ([MS]) (.*)$/.exec(line);
    if (m) items.push({ id: m[1], level: m[2], text: m[3].trim() });
    else if (items.length > 0 && /^ {2}\S/.test(line)) items.at(-1).text += ` ${line.trim()}`;
    else if (/^## /.test(line) && items.length > 0) items.at(-1).done = true;
  }
  return items.map(({ id, level, text }) => ({ id, level, text }));
}

async function loadItems() {
  const items = parseChecklist(await readFile(CHECKLIST, "utf8"));
  if (items.length === 0) throw new Error(`no checklist items in ${relative(root, CHECKLIST)}`);
  return { items, source: relative(root, CHECKLIST) };
}

async function* walk(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.name === "node_modules" || e.name === "dist" || e.name.startsWith(".")) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* walk(path);
    else if (/\.test\.tsx?$/.test(e.name)) yield path;
  }
}

/** Titles of `it(...)` / `test(...)` calls (also `.each`, `.skipIf`, ...), as written in the source. */
function testTitles(source) {
  const titles = [];
  const call = /\b(?:it|test)(?:\.\w+(?:\([^)]*\))?)*\(\s*(["'`])((?:\\.|(?!\1)[^\\])*)\1/g;
  for (const m of source.matchAll(call)) titles.push(m[2].replace(/\s+/g, " "));
  return titles;
}

/** Latest vitest JSON reports: every assertion with its title and status. */
async function loadResults() {
  const results = [];
  const reports = [];
  for (const top of TEST_DIRS) {
    let pkgs = [];
    try {
      pkgs = await readdir(join(root, top));
    } catch {
      continue;
    }
    for (const pkg of pkgs) {
      const dir = join(root, top, pkg, ".test-results");
      if (!existsSync(dir)) continue;
      for (const file of await readdir(dir)) {
        if (!file.endsWith(".json")) continue;
        const path = join(dir, file);
        const report = JSON.parse(await readFile(path, "utf8"));
        reports.push({ path: relative(root, path), at: (await stat(path)).mtime });
        for (const suite of report.testResults ?? []) {
          for (const a of suite.assertionResults ?? []) {
            results.push({ title: a.title, status: a.status, file: relative(root, suite.name ?? "") });
          }
        }
      }
    }
  }
  return { results, reports };
}

const idPattern = (id) => new RegExp(`(^|[^A-Za-z0-9])${id}([^0-9]|$)`);

const { items, source } = await loadItems();
const tests = [];
for (const top of TEST_DIRS) {
  for await (const file of walk(join(root, top))) {
    for (const title of testTitles(await readFile(file, "utf8"))) tests.push({ file: relative(root, file), title });
  }
}
const { results, reports } = await loadResults();

const rows = items.map((item) => {
  const re = idPattern(item.id);
  const named = tests.filter((t) => re.test(t.title));
  const runs = results.filter((r) => re.test(r.title));
  return {
    ...item,
    named,
    passed: runs.filter((r) => r.status === "passed").length,
    failed: runs.filter((r) => r.status === "failed"),
  };
});

const pad = (s, n) => String(s).padEnd(n);
console.log(`Security checklist coverage (${items.length} items from ${source}; ${tests.length} test names scanned)`);
console.log(`Results: ${reports.length} vitest reports (${reports.map((r) => r.path).join(", ") || "none"})\n`);
console.log(`${pad("item", 5)} ${pad("", 1)} ${pad("tests", 5)} ${pad("passed", 6)} ${pad("failed", 6)}  files`);
for (const r of rows) {
  const files = [...new Set(r.named.map((t) => t.file.split("/").slice(0, 2).join("/")))].join(", ");
  console.log(
    `${pad(r.id, 5)} ${r.level} ${pad(r.named.length, 5)} ${pad(reports.length ? r.passed : "-", 6)} ${pad(reports.length ? r.failed.length : "-", 6)}  ${files}`,
  );
}

const problems = [];
for (const r of rows) {
  if (r.named.length === 0) {
    if (r.level === "M") problems.push(`${r.id} (M) has no named test`);
    else console.warn(`note: ${r.id} (S) has no named test`);
  }
  for (const f of r.failed) problems.push(`${r.id}: failed: ${f.title} (${f.file})`);
  if (args.has("--require-results") && r.level === "M" && r.passed === 0) {
    problems.push(`${r.id} (M) has no passing test in the latest results`);
  }
}
if (args.has("--verbose")) {
  for (const r of rows) {
    console.log(`\n${r.id} ${r.level} ${r.text}`);
    for (const t of r.named) console.log(`  - ${t.title}  [${t.file}]`);
  }
}
const must = rows.filter((r) => r.level === "M");
console.log(
  `\n${must.filter((r) => r.named.length > 0).length}/${must.length} M items and ${rows.filter((r) => r.level === "S" && r.named.length > 0).length}/${rows.length - must.length} S items have named tests.`,
);
const covered = rows.filter((r) => r.named.length > 0 && r.failed.length === 0).length;
if (problems.length > 0) {
  console.error(`\nchecklist: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  console.log(`checklist: ${covered} passed, ${rows.length - covered} failed`);
  process.exit(1);
}
// One plain summary line (items, not tests) for tools that read a run's closing line.
console.log(`checklist: ${covered} passed, ${rows.length - covered} failed`);
