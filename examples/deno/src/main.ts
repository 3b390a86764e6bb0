/**
 * `deno task start` (or `deno run --allow-net --allow-env --allow-read src/main.ts`): serves the login endpoint on
 * port 8000, against the local emulator (`pnpm --filter @transmit-edge/emulator start`) unless TRANSMIT_CLIENT_ID
 * is set; then TRANSMIT_REGION, TRANSMIT_CLIENT_ID and TRANSMIT_CLIENT_SECRET name your tenant's application.
 */
import { createTransmitClient, isRegionName } from "@transmit-edge/core";
import { createHandler } from "./app.ts";

const env = Deno.env.toObject();
const region = env.TRANSMIT_REGION ?? "eu";
if (!isRegionName(region)) throw new Error(`TRANSMIT_REGION: unknown region ${region}`);
const baseUrl = env.TRANSMIT_BASE_URL ?? (env.TRANSMIT_CLIENT_ID ? undefined : "http://127.0.0.1:4010/eu");

const transmit = createTransmitClient({
  region,
  baseUrl,
  allowInsecureLoopback: baseUrl?.startsWith("http://127.0.0.1") ?? false,
  clientId: env.TRANSMIT_CLIENT_ID ?? "demo-client-eu",
  clientSecret: env.TRANSMIT_CLIENT_SECRET ?? "demo-secret-eu",
});

Deno.serve({ port: Number(env.PORT ?? 8000), hostname: "127.0.0.1" }, createHandler(transmit));
