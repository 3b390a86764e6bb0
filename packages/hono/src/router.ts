/**
 * `passwordLogin`: the Hono sub-app with the login routes. Policy runs in a fixed order on every unsafe request:
 * credentials in the URL (400), CSRF origin check (403), content type (415), body size (413), validation (400),
 * then the route.
 */

import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { cors, credentialsInQuery, limitBody, methodNotAllowed, sameOriginOk, securityHeaders } from "./http-policy.ts";
import { bodyKind, loginSchema, passwordSchema, validateBody } from "./input.ts";
import { changePassword, login } from "./login-routes.ts";
import { type PasswordLoginOptions, type ResolvedOptions, resolveOptions } from "./options.ts";
import { problemResponse } from "./problem.ts";
import { fail, failWithError } from "./reply.ts";
import { currentSession, logout, refresh } from "./session-routes.ts";
import type { AuthEventType } from "./types.ts";

/** Checks every unsafe request before its handler runs. `needsBody`: only JSON or a urlencoded form. */
function unsafeRequest(o: ResolvedOptions, type: AuthEventType, needsBody: boolean): MiddlewareHandler {
  return async function unsafeRequest(c, next) {
    if (credentialsInQuery(c)) return fail(c, o, "credentials_in_query", { type });
    if (!sameOriginOk(c, o.allowed)) return fail(c, o, "forbidden_origin", { type, reason: "csrf" });
    if (needsBody && !bodyKind(c)) return fail(c, o, "unsupported_media_type", { type });
    const tooLarge = await limitBody(c, o.maxBodyBytes);
    if (tooLarge) return fail(c, o, "payload_too_large", { type });
    await next();
  };
}

function onError(o: ResolvedOptions) {
  return (err: Error, c: Context) => {
    // The validators throw 400 for a body that does not parse; never echo it.
    if (err instanceof HTTPException && err.status === 400)
      return problemResponse("invalid_request", { field: "body" });
    return failWithError(c, o, err, { type: "login" });
  };
}

/**
 * The login router: mount it with `app.route(prefix, passwordLogin(options))`.
 *
 * Routes: `POST /login` (JSON, or a same-origin form answered with a 303 to `returnTo`), `POST /logout`,
 * `GET /session`, `POST /refresh`, `POST /password` (finish a forced password change). Every answer carries
 * `Cache-Control: no-store` and security headers; errors are `application/problem+json`.
 * Throws `TypeError` naming the option when the options are invalid.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { createTransmitClient } from "@transmit-edge/core";
 * import { cookieSessionStore, memoryLimiter, passwordLogin, requireSession } from "@transmit-edge/hono";
 *
 * const client = createTransmitClient({ region: "eu", clientId: env.CLIENT_ID, clientSecret: env.CLIENT_SECRET });
 * const sessions = cookieSessionStore({ secrets: [env.SESSION_SECRET] });
 * const app = new Hono();
 * app.route("/auth", passwordLogin({ client, sessions, limiter: memoryLimiter() }));
 * app.use("/api/*", requireSession({ sessions, client }));
 * ```
 */
export function passwordLogin(options: PasswordLoginOptions): Hono {
  const o = resolveOptions(options);
  const app = new Hono();
  app.use("*", securityHeaders(o.pageCsp));
  app.use("*", cors(o.allowed));

  const invalid = (type: AuthEventType, step: "login" | "password") => (c: Context, field: string) =>
    fail(c, o, "invalid_request", { type, field, step });
  app.post("/login", unsafeRequest(o, "login", true), validateBody(loginSchema, invalid("login", "login")), (c) =>
    login(c, o),
  );
  app.post(
    "/password",
    unsafeRequest(o, "password_change", true),
    validateBody(passwordSchema, invalid("password_change", "password")),
    (c) => changePassword(c, o),
  );
  app.post("/logout", unsafeRequest(o, "logout", false), (c) => logout(c, o));
  app.post("/refresh", unsafeRequest(o, "refresh", false), (c) => refresh(c, o));
  app.get("/session", (c) => currentSession(c, o));

  for (const path of ["/login", "/password", "/logout", "/refresh"]) app.all(path, methodNotAllowed("POST"));
  app.all("/session", methodNotAllowed("GET, HEAD"));
  app.onError(onError(o));
  return app;
}
