/**
 * The example app: a Hono app that mounts the Transmit login router at /auth and guards /api. Runtime-agnostic;
 * `server.ts` serves it with `Bun.serve`.
 */
import {
  type GetIp,
  type LoginClient,
  memoryLimiter,
  memorySessionStore,
  passwordLogin,
  requireSession,
} from "@transmit-edge/hono";
import { Hono } from "hono";

/** What the example needs from its host. */
export interface ExampleOptions {
  /** A core Transmit client (`createTransmitClient`). */
  client: LoginClient;
  /** The socket peer address, from the runtime's `getConnInfo`. */
  getIp?: GetIp;
}

/**
 * The example app: `POST /auth/login`, `/auth/logout`, `GET /auth/session`, and a guarded `GET /api/me`.
 *
 * @example
 * ```ts
 * const app = createExampleApp({ client: createTransmitClient({ region: "eu", clientId, clientSecret }) });
 * Bun.serve({ fetch: app.fetch });
 * ```
 */
export function createExampleApp(options: ExampleOptions): Hono {
  // In-memory sessions and limiter: one process. Use cookieSessionStore (or your own store) to scale out.
  const sessions = memorySessionStore();
  const app = new Hono();
  app.route(
    "/auth",
    passwordLogin({ client: options.client, sessions, limiter: memoryLimiter(), getIp: options.getIp }),
  );
  app.use("/api/*", requireSession({ sessions, client: options.client }));
  app.get("/api/me", (c) => c.json({ userId: c.var.session.userId, email: c.var.session.claims.email ?? null }));
  app.get("/", (c) => c.text('POST /auth/login with {"username", "password"}, then GET /api/me with the cookie.\n'));
  return app;
}
