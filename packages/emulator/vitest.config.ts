import { nodeSuite } from "../../tools/vitest.ts";

export default nodeSuite({
  include: ["test/**/*.test.ts"],
  // CLI tests spawn bin/transmit-emulator.js, which runs dist/: build it first when the sources are newer.
  globalSetup: ["test/global-setup.ts"],
});
