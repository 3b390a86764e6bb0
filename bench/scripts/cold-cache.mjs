// Prints one JSON line: the token requests of 1,000 concurrent cold-cache logins in this runtime
// (`node`, `deno run`, `bun`). Used by `pnpm bench` to compare runtimes.
import { concurrentColdLogins } from "../lib/cold-cache.mjs";

const result = await concurrentColdLogins({ logins: 1000 });
console.log(JSON.stringify(result));
