// (7) Heap growth after 100,000 authenticate calls, after GC (child process with --expose-gc).
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const title = "memory: 100,000 authenticate calls";
const script = join(dirname(fileURLToPath(import.meta.url)), "..", "scripts", "memory.mjs");
const LIMIT = 5 * 1024 * 1024;

export async function run({ progress }) {
  progress("100,000 calls in a child process (node --expose-gc)");
  const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", script, "100000"]);
  const result = JSON.parse(stdout.trim().split("\n").pop());
  const mb = (b) => `${(b / 1024 / 1024).toFixed(2)} MB`;
  return [
    {
      what: "heap growth after 100,000 passwords.authenticate calls (in-process fake), after GC",
      ours: `${mb(result.growth)} (${mb(result.heapBefore)} -> ${mb(result.heapAfter)})`,
      reference: "-",
      ratio: null,
      ratioText: "-",
      target: "< 5 MB",
      pass: result.growth < LIMIT,
      data: result,
    },
  ];
}
