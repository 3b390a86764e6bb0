// `pnpm docs` as CI runs it: TypeDoc over core and hono (typedoc.json) with validation warnings as errors
// (broken {@link}s, exported types that reference unexported ones), into a temp folder.
import { join } from "node:path";
import { log, main, removeDir, repo, rootBin, run, tempDir } from "./lib.mjs";

await main("docs", async () => {
  const out = tempDir("docs");
  try {
    await run(rootBin("typedoc"), ["--out", join(out, "html"), "--logLevel", "Warn"], {
      cwd: repo,
      timeoutMs: 120_000,
    });
    log("typedoc: API reference of core and hono generated without warnings");
  } finally {
    removeDir(out);
  }
});
