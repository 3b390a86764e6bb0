/**
 * edge-login: a Cloudflare Worker that signs users in against the nearest Transmit Security region.
 * Configuration: see wrangler.jsonc and the README (secrets `TRANSMIT_<REGION>_CLIENT_ID` / `_CLIENT_SECRET`,
 * `SESSION_SECRET`).
 */
import { createWorker } from "./app.tsx";

export { AccountThrottle } from "./account-throttle.ts";
export { ClientTokenCache } from "./client-token-cache.ts";
export { SessionIndex } from "./session-index.ts";
export { SessionObject } from "./session-object.ts";

export default createWorker() satisfies ExportedHandler<Env>;
