// Shared helpers of the release checks: the published packages, child processes with a deadline, packing.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, "../..");
/** Binaries of the workspace root (publint, attw, changeset, deno, bun, tsc). */
export const rootBin = (name) => join(repo, "node_modules", ".bin", name);

/** The published packages, in dependency order. */
export const PACKAGES = [
  { name: "@transmit-edge/core", dir: join(repo, "packages/core") },
  { name: "@transmit-edge/hono", dir: join(repo, "packages/hono") },
  { name: "@transmit-edge/emulator", dir: join(repo, "packages/emulator") },
];

export function readJson(file) {
  return JSON.parse(readFileSync(file, "utf8"));
}

const started = Date.now();
/** A progress line with the time since the script started. */
export function log(message) {
  const s = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  console.log(`[${s}s] ${message}`);
}

/**
 * Runs a command; resolves with its output, rejects with the output when it fails or outlives `timeoutMs`.
 * `quiet: false` streams the output as it comes.
 */
export function run(command, args, { cwd = repo, env = {}, timeoutMs = 120_000, quiet = true } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      // Own process group, so a timeout also ends the command's children.
      detached: true,
    });
    let output = "";
    const take = (chunk) => {
      output += chunk;
      if (!quiet) process.stdout.write(chunk);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const timer = setTimeout(() => {
      output += `\n(timed out after ${timeoutMs} ms)`;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(" ")}: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(output);
      else {
        const error = new Error(`${command} ${args.join(" ")} (in ${cwd}) exited with ${code ?? signal}\n${output}`);
        error.output = output;
        reject(error);
      }
    });
  });
}

/** A fresh directory outside the workspace (so no workspace config, lockfile or node_modules applies). */
export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `transmit-edge-${prefix}-`));
}

export function removeDir(dir) {
  if (process.env.KEEP_TEMP) log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

/** `pnpm pack` (turns `workspace:` ranges into versions); returns the tarball's path and size. */
export async function pack(pkg, destination) {
  const out = await run("pnpm", ["pack", "--pack-destination", destination], { cwd: pkg.dir });
  const file = out
    .trim()
    .split("\n")
    .map((line) => line.trim())
    .reverse()
    .find((line) => line.endsWith(".tgz"));
  if (!file) throw new Error(`pnpm pack printed no tarball for ${pkg.name}:\n${out}`);
  const path = resolve(pkg.dir, file);
  return { ...pkg, tarball: path, bytes: statSync(path).size };
}

export function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Runs the checks, prints FAIL lines and sets the exit code. */
export async function main(name, body, { deadlineMs = 300_000 } = {}) {
  // Bounded in CI whatever hangs: a child without output, a Worker that never answers.
  const watchdog = setTimeout(() => {
    console.error(`\n${name}: FAIL (still running after ${deadlineMs / 1000} s)`);
    process.exit(1);
  }, deadlineMs);
  watchdog.unref();
  try {
    await body();
    log(`${name}: ok`);
  } catch (error) {
    console.error(`\n${name}: FAIL\n${error instanceof Error ? error.message : error}`);
    process.exitCode = 1;
  }
}
