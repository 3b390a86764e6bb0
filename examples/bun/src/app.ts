/**
 * The example app: a Hono app that mounts the Transmit login router at /auth and guards /api. Runtime-agnostic;
 * `server.ts` serves it with `Bun.serve`.
 */
import { type GetIp, type LoginClient, memoryLimiter, memorySessionStore, transmitAuth } from "@transmit-edge/hono";
import { Hono } from "hono";

/** What the example needs from its host. */
export interface ExampleOptions {
  /** A core Transmit client (`createTransmitClient`). */
  client: LoginClient;
  /** The socket peer address, from the runtime's `getConnInfo` (per-IP throttling, and the IP Transmit sees). */
  getIp: GetIp;
  /** >= 32 random bytes keying the username hash of the limiter. */
  userKeySecret: string;
}

/**
 * The example app: `POST /auth/login`, `/auth/logout`, `GET /auth/session`, and a guarded `GET /api/me`.
 *
 * @example
 * ```ts
 * const app = createExampleApp({
 *   client: createTransmitClient({ region: "eu", clientId, clientSecret }),
 *   userKeySecret: env.USER_KEY_SECRET,
 * });
 * Bun.serve({ fetch: app.fetch });
 * ```
 */
export function createExampleApp(options: ExampleOptions): Hono {
  // One auth instance. In-memory sessions and limiter: one process; to scale out, use a shared store and limiter.
  const auth = transmitAuth({
    client: options.client,
    sessions: memorySessionStore(),
    limiter: memoryLimiter(),
    userKeySecret: options.userKeySecret,
    getIp: options.getIp,
  });
  const app = new Hono();
  app.route("/auth", auth.routes());
  app.use("/api/*", auth.guard());
  app.get("/api/me", (c) => c.json({ userId: c.var.session.userId, email: c.var.session.claims.email ?? null }));
  app.get("/", (c) => c.text('POST /auth/login with {"username", "password"}, then GET /api/me with the cookie.\n'));
  return app;
}
