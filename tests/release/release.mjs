// Changesets dry run, in a copy of the workspace so the repo's versions and changelogs stay untouched:
// `pnpm version-packages` (changeset version + jsr.json sync) then
// `pnpm_config_dry_run=true changeset publish --no-git-tag`, the root `release` script minus the real upload.
// Checks that each published package gets its own version line from its own changesets, that every pending
// changeset lands in a CHANGELOG, that private packages (apps, examples, tests, bench) are neither versioned nor
// published, and that the publish step would upload exactly the published packages.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { log, main, PACKAGES, readJson, removeDir, repo, rootBin, run, tempDir } from "./lib.mjs";

/** Workspace package folders, from pnpm-workspace.yaml's `packages:` globs (`dir/*` or a plain folder). */
function workspaceDirs() {
  const yaml = readFileSync(join(repo, "pnpm-workspace.yaml"), "utf8");
  const globs = [...yaml.matchAll(/^\s+-\s+["']?([^"'\s]+)["']?\s*$/gm)].map((m) => m[1]);
  return globs.flatMap((glob) => {
    if (!glob.endsWith("/*")) return existsSync(join(repo, glob, "package.json")) ? [glob] : [];
    const parent = glob.slice(0, -2);
    return readdirSync(join(repo, parent), { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(repo, parent, e.name, "package.json")))
      .map((e) => `${parent}/${e.name}`);
  });
}

/** Pending changesets: package name -> bump types. */
function pendingChangesets() {
  const dir = join(repo, ".changeset");
  const bumps = new Map();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".md") && f !== "README.md")) {
    const front = readFileSync(join(dir, file), "utf8").split("---")[1] ?? "";
    for (const m of front.matchAll(/"([^"]+)":\s*(major|minor|patch)/g)) {
      bumps.set(m[1], [...(bumps.get(m[1]) ?? []), m[2]]);
    }
  }
  return bumps;
}

function copyWorkspace(to) {
  for (const file of ["package.json", "pnpm-workspace.yaml", "pnpm-lock.yaml", ".npmrc"]) {
    cpSync(join(repo, file), join(to, file));
  }
  cpSync(join(repo, ".changeset"), join(to, ".changeset"), { recursive: true });
  for (const dir of workspaceDirs()) cpSync(join(repo, dir, "package.json"), join(to, dir, "package.json"));
  for (const pkg of PACKAGES) {
    const rel = pkg.dir.slice(repo.length + 1);
    const manifest = readJson(join(pkg.dir, "package.json"));
    for (const entry of [...manifest.files, "jsr.json"]) {
      if (existsSync(join(pkg.dir, entry))) cpSync(join(pkg.dir, entry), join(to, rel, entry), { recursive: true });
    }
  }
  // The changelog generator (@changesets/cli/changelog) and the CLI resolve from here.
  symlinkSync(join(repo, "node_modules"), join(to, "node_modules"), "dir");
  // pnpm publish reads the version behind a `workspace:` range from the installed link, as pnpm install leaves it.
  for (const pkg of PACKAGES) {
    const rel = pkg.dir.slice(repo.length + 1);
    const manifest = readJson(join(pkg.dir, "package.json"));
    for (const dep of Object.keys({
      ...manifest.dependencies,
      ...manifest.devDependencies,
      ...manifest.peerDependencies,
    })) {
      const target = PACKAGES.find((p) => p.name === dep);
      if (!target) continue;
      const link = join(to, rel, "node_modules", dep);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(join(to, target.dir.slice(repo.length + 1)), link, "dir");
    }
  }
}

await main("release", async () => {
  for (const pkg of PACKAGES) {
    if (!existsSync(join(pkg.dir, "dist"))) throw new Error(`${pkg.name} is not built (run pnpm build)`);
  }
  const config = readJson(join(repo, ".changeset/config.json"));
  if (config.fixed.length > 0 || config.linked.length > 0) {
    throw new Error(".changeset/config.json ties versions together (fixed/linked): core is released on its own");
  }
  if (config.privatePackages?.version !== false || config.privatePackages?.tag !== false) {
    throw new Error(".changeset/config.json must leave private packages unversioned and untagged");
  }

  const work = tempDir("release");
  try {
    copyWorkspace(work);
    const before = Object.fromEntries(workspaceDirs().map((d) => [d, readJson(join(work, d, "package.json")).version]));
    const bumps = pendingChangesets();
    log(`copied the workspace to ${work}; pending changesets for ${[...bumps.keys()].join(", ") || "nothing"}`);

    // `pnpm version-packages`, run the same way in the copy.
    await run(rootBin("changeset"), ["version"], { cwd: work });
    await run("node", [join(repo, "scripts/sync-jsr-version.mjs"), work]);
    const problems = [];
    const bumped = new Set();
    for (const dir of workspaceDirs()) {
      const manifest = readJson(join(work, dir, "package.json"));
      const published = PACKAGES.some((p) => p.name === manifest.name);
      if (!published && manifest.private !== true) problems.push(`${dir} is neither published nor private`);
      if (!published && manifest.version !== before[dir]) problems.push(`private ${manifest.name} was versioned`);
      if (!published) continue;
      const changed = manifest.version !== before[dir];
      if (changed) bumped.add(manifest.name);
      if (bumps.has(manifest.name) && !changed)
        problems.push(`${manifest.name} has changesets but kept ${manifest.version}`);
      const changelog = readFileSync(join(work, dir, "CHANGELOG.md"), "utf8");
      if (changed && !changelog.includes(`## ${manifest.version}`)) {
        problems.push(`${manifest.name}: CHANGELOG.md has no ## ${manifest.version}`);
      }
      log(
        `${manifest.name}: ${before[dir]} -> ${manifest.version}${bumps.has(manifest.name) ? ` (${bumps.get(manifest.name).join(", ")})` : ""}`,
      );
    }
    const core = readJson(join(work, "packages/core/package.json"));
    const jsr = readJson(join(work, "packages/core/jsr.json"));
    if (jsr.version !== core.version) problems.push(`jsr.json kept ${jsr.version}, package.json has ${core.version}`);
    const left = readdirSync(join(work, ".changeset")).filter((f) => f.endsWith(".md") && f !== "README.md");
    if (left.length > 0) {
      // A changeset that names only private packages (apps/*: `privatePackages.version` is false) is never consumed.
      problems.push(`changeset version left changesets behind (only private packages named?): ${left.join(", ")}`);
    }
    if (problems.length > 0) throw new Error(problems.join("\n"));

    // No upload; the copy is not a git repository, so pnpm's branch/clean checks do not apply.
    // pnpm 11 reads its settings from pnpm_config_* variables (npm's own npm_config_* for npm).
    const env = {
      pnpm_config_dry_run: "true",
      pnpm_config_git_checks: "false",
      npm_config_dry_run: "true",
      npm_config_git_checks: "false",
    };
    // changesets prints "published" either way: make sure pnpm publish really sees the dry-run setting.
    const dryRun = (await run("pnpm", ["config", "get", "dry-run"], { cwd: work, env })).trim();
    if (dryRun !== "true") throw new Error(`pnpm does not see pnpm_config_dry_run (dry-run=${dryRun}); not publishing`);
    const output = await run(rootBin("changeset"), ["publish", "--no-git-tag"], { cwd: work, timeoutMs: 180_000, env });
    const published = [...output.matchAll(/(@transmit-edge\/[\w-]+)@(\d+\.\d+\.\d+\S*)/g)].map((m) => m[1]);
    // Versions just made by `changeset version` are new on npm by construction; packages without pending
    // changesets may already be published at their version, and then are skipped.
    for (const name of bumped) {
      if (!published.includes(name)) problems.push(`changeset publish did not publish the new ${name}`);
    }
    for (const name of new Set(published)) {
      if (!PACKAGES.some((p) => p.name === name)) problems.push(`changeset publish would publish ${name}`);
    }
    if (problems.length > 0) throw new Error(`${problems.join("\n")}\n--- changeset publish output ---\n${output}`);
    log(`changeset publish (dry run) would publish: ${[...new Set(published)].join(", ")}`);

    // Core's own version line: a core-only patch after the release bumps core and nothing else.
    const versions = () =>
      Object.fromEntries(
        PACKAGES.map((p) => [p.name, readJson(join(work, p.dir.slice(repo.length + 1), "package.json")).version]),
      );
    const released = versions();
    writeFileSync(
      join(work, ".changeset/release-check-core-only.md"),
      '---\n"@transmit-edge/core": patch\n---\n\nA fix.\n',
    );
    await run(rootBin("changeset"), ["version"], { cwd: work });
    const next = versions();
    for (const pkg of PACKAGES) {
      const moved = next[pkg.name] !== released[pkg.name];
      if (moved !== (pkg.name === "@transmit-edge/core"))
        problems.push(`core-only patch: ${pkg.name} ${released[pkg.name]} -> ${next[pkg.name]}`);
    }
    if (problems.length > 0) throw new Error(problems.join("\n"));
    log(
      `a core-only patch releases core alone: ${released["@transmit-edge/core"]} -> ${next["@transmit-edge/core"]}, hono and emulator unchanged`,
    );
  } finally {
    removeDir(work);
  }
});
