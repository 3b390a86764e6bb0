import { workerdSuite } from "../../tools/vitest.ts";

// The runtime-agnostic behaviour suite (test/*.test.ts) inside workerd; Node-only tests live in test/node/.
export default workerdSuite();
