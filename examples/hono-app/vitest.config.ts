import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { createEmulator } from "@transmit-edge/emulator";
import { defineConfig } from "vitest/config";

// The Worker runs inside workerd (miniflare) exactly as configured in wrangler.jsonc. Its outbound fetches, meant
// for the emulator on 127.0.0.1:4010, are answered by an in-process emulator here instead: no port, no socket.
const emulator = createEmulator({ regions: ["eu"], origin: "http://127.0.0.1:4010" });

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        // Test-only values; real deployments set these with `wrangler secret put`.
        bindings: {
          TRANSMIT_CLIENT_SECRET: "demo-secret-eu",
          SESSION_SECRET: "example-session-secret-0123456789abcdef",
        },
        outboundService: (request: Request) => emulator.fetch(request),
      },
    }),
  ],
  // The first request starts the Worker (about 0.6 s here, several seconds on a CI machine busy with the other
  // suites that `pnpm test` runs in parallel).
  test: { include: ["test/**/*.test.ts"], testTimeout: 30_000 },
});
