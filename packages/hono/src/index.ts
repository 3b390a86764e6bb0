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

export type { GetIp, IpSource } from "./client-ip.ts";
export type { CookieSessionStoreOptions, RevocationList } from "./cookie-store.ts";
export { cookieSessionStore } from "./cookie-store.ts";
export { jsonLines } from "./events.ts";
export type { RequireSessionOptions } from "./guard.ts";
export { requireSession } from "./guard.ts";
export { securityHeaders } from "./http-policy.ts";
export type { LimitRule, MemoryLimiterOptions } from "./limiter.ts";
export { memoryLimiter } from "./limiter.ts";
export type { MemorySessionStoreOptions } from "./memory-store.ts";
export { memorySessionStore } from "./memory-store.ts";
export { DEFAULT_CLAIMS_REQUEST, type PageRenderer, type PageState, type PasswordLoginOptions } from "./options.ts";
export type { ProblemKind } from "./problem.ts";
export { problemType } from "./problem.ts";
export { passwordLogin } from "./router.ts";
export type { CookieOptions } from "./session-cookie.ts";
export type {
  AuthEvent,
  AuthEventType,
  CallOptions,
  Claims,
  ClaimsRequest,
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
} from "./types.ts";
