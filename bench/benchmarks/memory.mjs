// (7) Heap growth after 100,000 authenticate calls, after GC (child process with --expose-gc), and the peak RSS
// growth of one call whose upstream answers with a 100 MB body, plain and as a gzip bomb (one child process each).
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const title = "memory: 100,000 authenticate calls";
const script = join(dirname(fileURLToPath(import.meta.url)), "..", "scripts", "memory.mjs");
const bigBody = join(dirname(fileURLToPath(import.meta.url)), "..", "scripts", "big-body.mjs");
const LIMIT = 5 * 1024 * 1024;
/** One call may grow memory by its body limit (512 KiB for token sets) plus the runtime's buffers, not by the body. */
const BIG_BODY_LIMIT = 16 * 1024 * 1024;

export async function run({ progress }) {
  progress("100,000 calls in a child process (node --expose-gc)");
  const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", script, "100000"]);
  const result = JSON.parse(stdout.trim().split("\n").pop());
  const mb = (b) => `${(b / 1024 / 1024).toFixed(2)} MB`;
  const big = [];
  for (const mode of ["plain", "gzip"]) {
    progress(`one call against a 100 MB upstream body (${mode})`);
    const { stdout: out } = await promisify(execFile)(process.execPath, ["--expose-gc", bigBody, mode]);
    big.push(JSON.parse(out.trim().split("\n").pop()));
  }
  const bigRows = big.map((r) => ({
    what:
      r.mode === "gzip"
        ? `peak RSS growth of one passwords.authenticate against a gzip bomb (${mb(r.sentBytes)} inflating to 100 MB)`
        : "peak RSS growth of one passwords.authenticate against a 100 MB upstream body",
    ours: `${mb(r.growth)} (${r.outcome})`,
    reference: "-",
    ratio: null,
    ratioText: "-",
    target: `< ${mb(BIG_BODY_LIMIT)}, invalid_response`,
    pass: r.growth < BIG_BODY_LIMIT && r.outcome === "invalid_response",
    data: r,
  }));
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
    ...bigRows,
  ];
}
