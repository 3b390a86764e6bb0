/**
 * `passwordLogin` and `requireSession`: the shorthands of earlier versions, each building its own
 * {@link transmitAuth} instance. New code builds one instance and takes `routes()` and `guard()` from it, so both
 * share one configuration.
 */
import type { Hono, MiddlewareHandler } from "hono";
import { type TransmitAuthOptions, transmitAuth } from "./auth.ts";
import type { BearerOptions } from "./guard.ts";

/** Options of {@link passwordLogin}: those of {@link transmitAuth}. */
export type PasswordLoginOptions = TransmitAuthOptions;

/** Options of {@link requireSession}: those of {@link transmitAuth}, plus `bearer`. */
export interface RequireSessionOptions extends TransmitAuthOptions {
  /** Also accept bearer user access tokens issued to this application (see {@link BearerOptions}). */
  bearer?: BearerOptions;
}

/**
 * The login router of a new instance: `transmitAuth(options).routes()`.
 *
 * @example
 * ```ts
 * app.route("/auth", passwordLogin({ client, sessions, limiter: memoryLimiter(), userKeySecret: env.USER_KEY_SECRET, getIp }));
 * ```
 */
export function passwordLogin(options: PasswordLoginOptions): Hono {
  return transmitAuth(options).routes();
}

/**
 * The guard of a new instance: `transmitAuth(options).guard({ bearer })`. Give it the same `sessions` and `cookie`
 * as the router.
 *
 * @example
 * ```ts
 * app.use("/api/*", requireSession({ sessions, client }));
 * ```
 */
export function requireSession(options: RequireSessionOptions): MiddlewareHandler {
  const { bearer, ...rest } = options ?? ({} as RequireSessionOptions);
  return transmitAuth(rest).guard(bearer === undefined ? {} : { bearer });
}
