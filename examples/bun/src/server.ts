/**
 * Serves the example app with `Bun.serve`, against the local emulator by default:
 *   pnpm --filter @transmit-edge/emulator start      # in another terminal (port 4010)
 *   bun src/server.ts
 * Real tenant: set TRANSMIT_REGION, TRANSMIT_CLIENT_ID, TRANSMIT_CLIENT_SECRET and leave TRANSMIT_BASE_URL unset.
 * Always: USER_KEY_SECRET, >= 32 random bytes (e.g. `openssl rand -hex 32`).
 */
import { createTransmitClient, type RegionName } from "@transmit-edge/core";
import { getConnInfo } from "hono/bun";
import { createExampleApp } from "./app.ts";

type Env = Record<string, string | undefined>;

/** Starts the server; `PORT=0` picks a free port. */
export function startServer(env: Env = process.env) {
  const baseUrl = env.TRANSMIT_BASE_URL ?? (env.TRANSMIT_CLIENT_ID ? undefined : "http://127.0.0.1:4010/eu");
  const client = createTransmitClient({
    region: (env.TRANSMIT_REGION ?? "eu") as RegionName,
    baseUrl,
    allowInsecureLoopback: baseUrl?.startsWith("http://127.0.0.1") ?? false,
    clientId: env.TRANSMIT_CLIENT_ID ?? "demo-client-eu",
    clientSecret: env.TRANSMIT_CLIENT_SECRET ?? "demo-secret-eu",
  });
  const userKeySecret = env.USER_KEY_SECRET;
  if (!userKeySecret) throw new Error("Set USER_KEY_SECRET: >= 32 random bytes, e.g. `openssl rand -hex 32`");
  // The socket peer from Bun's server: per-IP throttling and the IP Transmit sees. Behind a proxy, configure
  // `ip: { trustedProxies }` instead.
  const app = createExampleApp({ client, userKeySecret, getIp: (c) => getConnInfo(c).remote.address });
  return Bun.serve({ port: Number(env.PORT ?? 3001), hostname: env.HOST ?? "127.0.0.1", fetch: app.fetch });
}

if (import.meta.main) {
  const server = startServer();
  console.log(`example listening on ${server.url}`);
}
