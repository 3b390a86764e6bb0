import { nodeSuite } from "../../tools/vitest.ts";

// The core client, the router and the Worker against the emulator, in-process and over loopback sockets. Packages
// are imported from their built dist/ (turbo's `test` task depends on `^build`); socket tests spawn processes.
export default nodeSuite({ include: ["test/**/*.test.ts"], testTimeout: 30_000 });
