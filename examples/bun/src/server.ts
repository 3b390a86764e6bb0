/**
 * Serves the example with Bun or Deno against the local emulator by default:
 *   pnpm --filter @transmit-edge/emulator start      # in another terminal
 *   bun example/server.ts                            # or: deno serve -A example/server.ts
 * Real tenant: set TRANSMIT_REGION, TRANSMIT_CLIENT_ID, TRANSMIT_CLIENT_SECRET and unset TRANSMIT_BASE_URL.
 */
import { createTransmitClient } from "@transmit-edge/core";
import { createExampleApp } from "./app.ts";

declare const process: { env: Record<string, string | undefined> };

const env = process.env;
const baseUrl = env.TRANSMIT_BASE_URL ?? (env.TRANSMIT_CLIENT_ID ? undefined : "http://127.0.0.1:4010/eu");
const client = createTransmitClient({
  region: (env.TRANSMIT_REGION as "eu" | undefined) ?? "eu",
  baseUrl,
  allowInsecureLoopback: baseUrl?.startsWith("http://127.0.0.1") ?? false,
  clientId: env.TRANSMIT_CLIENT_ID ?? "demo-client-eu",
  clientSecret: env.TRANSMIT_CLIENT_SECRET ?? "demo-secret-eu",
});

// The example trusts no forwarding headers and reads no socket address; pass `getIp` from your runtime's
// `getConnInfo` to throttle per IP and forward the IP to Transmit.
const app = createExampleApp({ client });

export default { port: Number(env.PORT ?? 3000), fetch: app.fetch };
