/**
 * `@transmit-edge/hono`: a Hono login router and session guard for Transmit Security (Mosaic) backend password
 * login, on Workers, Deno, Bun and Node.
 *
 * @example
 * ```ts
 * app.route("/auth", passwordLogin({ client, sessions }));
 * app.use("/api/*", requireSession({ sessions, client }));
 * ```
 *
 * @packageDocumentation
 */

export type { GetIp, IpSource } from "./client-ip.js";
export type { CookieSessionStoreOptions, RevocationList } from "./cookie-store.js";
export { cookieSessionStore } from "./cookie-store.js";
export { jsonLines } from "./events.js";
export type { RequireSessionOptions } from "./guard.js";
export { requireSession } from "./guard.js";
export type { LimitRule, MemoryLimiterOptions } from "./limiter.js";
export { memoryLimiter } from "./limiter.js";
export type { MemorySessionStoreOptions } from "./memory-store.js";
export { memorySessionStore } from "./memory-store.js";
export type { PageRenderer, PageState, PasswordLoginOptions } from "./options.js";
export type { ProblemKind } from "./problem.js";
export { problemType } from "./problem.js";
export { passwordLogin } from "./router.js";
export type { CookieOptions } from "./session-cookie.js";
export type {
  AuthEvent,
  AuthEventType,
  CallOptions,
  Claims,
  ClientSource,
  EventSink,
  Limiter,
  LimitKey,
  LimitResult,
  LoginClient,
  RegionalClient,
  Session,
  SessionRecord,
  SessionStore,
  TokenSetLike,
} from "./types.js";
