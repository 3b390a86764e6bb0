/**
 * `@transmit-edge/hono`: Transmit Security (Mosaic) backend password login for Hono apps on Workers, Deno, Bun and
 * Node: one auth instance with its login routes, its guard and an optional-session read.
 *
 * @example
 * ```ts
 * const auth = transmitAuth({ client, sessions, limiter: memoryLimiter(), userKeySecret: env.USER_KEY_SECRET, getIp });
 * app.route("/auth", auth.routes());
 * app.use("/api/*", auth.guard());
 * ```
 *
 * @packageDocumentation
 */

export type { AccountClient, AccountOptions } from "./account-routes.ts";
export {
  DEFAULT_CLAIMS_REQUEST,
  type TransmitAuth,
  type TransmitAuthOptions,
  transmitAuth,
} from "./auth.ts";
export type { GetIp, IpSource } from "./client-ip.ts";
export type { ClientSource, LoginClient, RegionalClient } from "./client-source.ts";
export {
  type CookieSessionStoreOptions,
  cookieSessionStore,
  type RevocationStore,
  type UserRevocation,
} from "./cookie-store.ts";
export type { CookieOptions } from "./cookies.ts";
export { readCookie } from "./cookies.ts";
export type { DeviceCookieOptions } from "./device-cookie.ts";
export { type AuthEvent, type AuthEventType, type EventSink, jsonLines } from "./events.ts";
export type { BearerOptions, GuardOptions } from "./guard.ts";
export { securityHeaders } from "./http-policy.ts";
export {
  type AccountRules,
  type Limiter,
  type LimitKey,
  type LimitResult,
  type LimitRule,
  lockoutRules,
  type MemoryLimiterOptions,
  memoryLimiter,
  type TransmitLockout,
  windowVerdict,
} from "./limiter.ts";
export type { HandOff, HandOffLogin } from "./login-routes.ts";
export { type MemorySessionStoreOptions, memorySessionStore } from "./memory-store.ts";
export type { SecondFactorMethod, SecondFactorOptions } from "./mfa-routes.ts";
export { type ProblemKind, problemType } from "./problem.ts";
export type { PageRenderer, PageState } from "./reply.ts";
export { safeReturnTo } from "./return-to.ts";
export type {
  EndedSessions,
  EndUserOptions,
  Session,
  SessionRecord,
  SessionStore,
  SessionSummary,
} from "./session-record.ts";
export type { SessionList, SessionView } from "./sessions-routes.ts";
export {
  type PasswordLoginOptions,
  passwordLogin,
  type RequireSessionOptions,
  requireSession,
} from "./shorthands.ts";
