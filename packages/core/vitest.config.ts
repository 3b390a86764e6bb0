import { nodeSuite } from "../../tools/vitest.ts";

export default nodeSuite();
