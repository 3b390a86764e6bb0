// Packaging checks of every published package, on the tarball users get:
// - `files`: the tarball holds only what users need (dist, bin, README, CHANGELOG, ...), and nothing it points at is
//   missing;
// - `exports`: `types` first in every condition object, and a `default` target that workerd, Deno, Bun and Node all
//   resolve (no node-only or require-only entry);
// - publint (strict) and `attw` with the esm-only profile (the packages are ESM only, so CommonJS `require` is out);
// - the declared API (.d.ts of every entry point) matches the snapshot in api/: a removed export, or a changed
//   signature, fails here. After an intended change: `UPDATE_API=1 pnpm --filter @transmit-edge/release-tests
//   check:packaging` and commit api/*.api.txt with a changeset.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { here, kib, log, main, PACKAGES, pack, readJson, removeDir, repo, rootBin, run, tempDir } from "./lib.mjs";

const ts = createRequire(join(repo, "package.json"))("typescript");

/** Files a published package may ship (paths inside the tarball, without the leading `package/`). */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^CHANGELOG\.md$/,
  /^LICENSE$/,
  /^dist\/[\w.-]+\.(js|d\.ts|js\.map)$/,
  /^bin\/[\w.-]+\.js$/,
  /^openapi\.yaml$/,
];
/** Export subpaths that are data, not modules (attw cannot resolve them as JavaScript). */
const DATA_EXPORTS = ["./openapi.yaml", "./package.json"];

function entries(exportsField) {
  return Object.entries(exportsField).filter(([subpath]) => !DATA_EXPORTS.includes(subpath));
}

function checkManifest(pkg, manifest, files) {
  const problems = [];
  if (manifest.type !== "module") problems.push(`"type" is not "module"`);
  if (manifest.private) problems.push("is private");
  if (manifest.publishConfig?.access !== "public") problems.push(`publishConfig.access is not "public"`);
  for (const file of files) {
    if (!ALLOWED.some((re) => re.test(file))) problems.push(`ships ${file}, which users do not need`);
  }
  for (const must of ["README.md", "CHANGELOG.md", "package.json"]) {
    if (!files.includes(must)) problems.push(`does not ship ${must}`);
  }
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (typeof target === "string") {
      if (!DATA_EXPORTS.includes(subpath)) problems.push(`exports["${subpath}"] has no "types" condition`);
      if (!files.includes(target.replace(/^\.\//, ""))) problems.push(`exports["${subpath}"] -> missing ${target}`);
      continue;
    }
    const conditions = Object.keys(target);
    if (conditions[0] !== "types") problems.push(`exports["${subpath}"]: "types" must come first (${conditions})`);
    // `default` is what workerd (workerd, worker, browser), Deno, Bun and Node all fall back to.
    if (conditions.at(-1) !== "default") problems.push(`exports["${subpath}"]: no "default" last (${conditions})`);
    for (const c of conditions) {
      if (c === "require" || c === "node")
        problems.push(`exports["${subpath}"]: "${c}" condition (ESM only, all runtimes)`);
      if (!files.includes(target[c].replace(/^\.\//, "")))
        problems.push(`exports["${subpath}"].${c} -> missing ${target[c]}`);
    }
  }
  for (const bin of Object.values(manifest.bin ?? {})) {
    if (!files.includes(bin.replace(/^\.\//, ""))) problems.push(`bin ${bin} is not in the tarball`);
  }
  for (const dep of Object.values({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    if (/^(workspace|link|file):/.test(dep)) problems.push(`unresolved dependency range ${dep}`);
  }
  if (problems.length > 0) throw new Error(`${pkg.name}:\n  ${problems.join("\n  ")}`);
}

/** One line per exported name of a .d.ts module: kind, name and (for values and type aliases) the type. */
function declaredApi(file) {
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: [],
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file));
  const flags = ts.TypeFormatFlags.NoTruncation;
  const lines = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decl = symbol.declarations?.[0];
    const name = exported.name;
    const S = ts.SymbolFlags;
    if (symbol.flags & S.Class) lines.push(`class ${name} { ${members(checker, symbol)} }`);
    else if (symbol.flags & S.Interface) lines.push(`interface ${name} { ${members(checker, symbol)} }`);
    else if (symbol.flags & S.TypeAlias)
      lines.push(
        `type ${name} = ${checker.typeToString(checker.getDeclaredTypeOfSymbol(symbol), undefined, flags | ts.TypeFormatFlags.InTypeAlias)}`,
      );
    else if (symbol.flags & (S.Function | S.Variable))
      lines.push(
        `${symbol.flags & S.Function ? "function" : "const"} ${name}: ${checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, decl), undefined, flags)}`,
      );
    else lines.push(`other ${name}`);
  }
  return `${lines.sort((a, b) => a.split(" ")[1].localeCompare(b.split(" ")[1])).join("\n")}\n`;
}

function members(checker, symbol) {
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  return checker
    .getPropertiesOfType(type)
    .map((p) => `${p.name}${p.flags & ts.SymbolFlags.Optional ? "?" : ""}`)
    .join("; ");
}

function checkApi(pkg, manifest) {
  mkdirSync(join(here, "api"), { recursive: true });
  let text = "";
  for (const [subpath, target] of entries(manifest.exports)) {
    text += `# ${pkg.name}${subpath.slice(1)}\n${declaredApi(join(pkg.dir, target.types))}\n`;
  }
  const snapshot = join(here, "api", `${pkg.name.split("/")[1]}.api.txt`);
  if (process.env.UPDATE_API) {
    writeFileSync(snapshot, text);
    log(`${pkg.name}: wrote ${snapshot}`);
    return;
  }
  let expected = "";
  try {
    expected = readFileSync(snapshot, "utf8");
  } catch {}
  if (expected === text) return;
  const want = parseApi(expected);
  const got = parseApi(text);
  const breaking = [];
  const additions = [];
  for (const [key, line] of want) {
    const now = got.get(key);
    if (now === undefined) breaking.push(`- ${line}`);
    else if (now !== line) (compatible(line, now) ? additions : breaking).push(`- ${line}\n+ ${now}`);
  }
  for (const [key, line] of got) if (!want.has(key)) additions.push(`+ ${line}`);
  if (breaking.length > 0) {
    throw new Error(
      `${pkg.name}: the declared API lost or changed exports (tests/release/api/). If intended, add a changeset ` +
        `(a breaking change: minor before 1.0, else major) and rerun with UPDATE_API=1:\n${breaking.join("\n")}`,
    );
  }
  log(`${pkg.name}: API additions not in the snapshot yet (UPDATE_API=1 records them):\n${additions.join("\n")}`);
}

/** "section kind name" -> line. */
function parseApi(text) {
  const map = new Map();
  let section = "";
  for (const line of text.split("\n")) {
    if (line.startsWith("# ")) section = line;
    else if (line) map.set(`${section} ${line.split(" ").slice(0, 2).join(" ").replace(/:$/, "")}`, line);
  }
  return map;
}

/** An interface or class that only gained optional members is still compatible for users and implementers. */
function compatible(before, after) {
  const members = (line) => {
    const m = /^(?:interface|class) \S+ \{ (.*) \}$/.exec(line);
    return m ? new Set(m[1].split("; ").filter(Boolean)) : undefined;
  };
  const was = members(before);
  const is = members(after);
  if (!was || !is) return false;
  for (const member of was) if (!is.has(member)) return false;
  for (const member of is) if (!was.has(member) && !member.endsWith("?")) return false;
  return true;
}

await main("packaging", async () => {
  const out = tempDir("pack");
  try {
    for (const pkg of PACKAGES) {
      const packed = await pack(pkg, out);
      const files = (await run("tar", ["-tzf", packed.tarball]))
        .trim()
        .split("\n")
        .map((f) => f.replace(/^package\//, ""));
      const manifest = readJson(join(pkg.dir, "package.json"));
      const packedManifest = JSON.parse(await run("tar", ["-xzOf", packed.tarball, "package/package.json"]));
      checkManifest(pkg, packedManifest, files);
      log(`${pkg.name}: tarball ${kib(packed.bytes)}, ${files.length} files; files and exports ok`);

      await run(rootBin("publint"), ["--strict", "--pack", "pnpm"], { cwd: pkg.dir });
      log(`${pkg.name}: publint --strict ok`);

      const exclude = Object.keys(manifest.exports).filter((s) => DATA_EXPORTS.includes(s) && s !== "./package.json");
      await run(rootBin("attw"), [
        packed.tarball,
        "--profile",
        "esm-only",
        "--format",
        "table-flipped",
        ...(exclude.length > 0 ? ["--exclude-entrypoints", ...exclude] : []),
      ]);
      log(`${pkg.name}: attw --profile esm-only ok`);

      if (existsSync(join(pkg.dir, "jsr.json"))) {
        const jsr = readJson(join(pkg.dir, "jsr.json"));
        if (jsr.name !== manifest.name || jsr.version !== manifest.version) {
          throw new Error(`${pkg.name}: jsr.json says ${jsr.name}@${jsr.version} (run scripts/sync-jsr-version.mjs)`);
        }
        log(`${pkg.name}: jsr.json matches package.json (${jsr.version})`);
      }

      checkApi(pkg, manifest);
      log(`${pkg.name}: no export lost or changed against api/${pkg.name.split("/")[1]}.api.txt`);
    }
  } finally {
    removeDir(out);
  }
});
