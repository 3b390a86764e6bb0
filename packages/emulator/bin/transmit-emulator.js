#!/usr/bin/env node
// Entry point of the `transmit-emulator` command; the code lives in dist/cli.js (built by `pnpm build`).
let cli;
try {
  cli = await import("../dist/cli.js");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  process.stderr.write(
    "transmit-emulator: dist/ is missing; run `pnpm --filter @transmit-edge/emulator build` first.\n",
  );
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
