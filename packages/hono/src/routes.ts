/**
 * The login routes of an instance, as a Hono sub-app. Policy runs in a fixed order on every unsafe request:
 * credentials in the URL (400), CSRF origin check (403), content type (415), body size (413), validation (400),
 * then the route. Every failure, thrown ones included, goes through the instance's replies: one event each, and
 * the page for form posts.
 */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { Hono } from "hono/tiny";
import { type AccountContext, forgotPassword, landReset, resetPassword, signup } from "./account-routes.ts";
import type { AuthEventType } from "./events.ts";
import { corsFor, credentialsInQuery, sameOriginOk, securityHeaders } from "./http-policy.ts";
import { bodyKind, forgotSchema, loginSchema, passwordSchema, signupSchema, validateBody } from "./input.ts";
import { changePassword, type LoginContext, login, startSession } from "./login-routes.ts";
import { secondFactorRoutes } from "./mfa-routes.ts";
import type { PageState } from "./reply.ts";
import { currentSession, logout, refresh, type SessionRoutesContext } from "./session-routes.ts";
import { credentialChangedHook, endSession, endSessionSchema, listSessions, logoutAll } from "./sessions-routes.ts";

/** What the router needs from its instance. */
export interface RoutesContext extends LoginContext, SessionRoutesContext {
  /** Sign-up and forgot password (account-routes.ts); their routes are mounted only when set. */
  account?: AccountContext["account"] | undefined;
  /** Ends a user's other sessions after a credential change (connected to the per-user session index). */
  credentialChanged?: (c: Context, userId: string, keepRecordId?: string) => Promise<void>;
  allowedOrigins: Set<string>;
  maxBodyBytes: number;
  pageCsp: string;
}

/** The event type of a route path (for failures thrown out of a handler). */
function typeOfPath(path: string): AuthEventType {
  if (path.endsWith("/signup")) return "signup";
  if (path.endsWith("-password")) return "password_reset";
  if (path.endsWith("/logout-all") || path.endsWith("/sessions/end")) return "logout";
  if (path.endsWith("/sessions")) return "session";
  if (path.endsWith("/password")) return "password_change";
  if (path.endsWith("/logout")) return "logout";
  if (path.endsWith("/refresh")) return "refresh";
  if (path.endsWith("/session")) return "session";
  if (/\/verify(\/send)?$/.test(path)) return "second_factor";
  return "login";
}

/** The page a failure thrown out of a handler belongs to. */
function stepOfPath(path: string): PageState["step"] {
  if (path.endsWith("/password")) return "password";
  if (path.endsWith("/signup")) return "signup";
  if (path.endsWith("/forgot-password")) return "forgot";
  if (/\/verify(\/send)?$/.test(path)) return "verify";
  return path.endsWith("/reset-password") ? "reset" : "login";
}

/** Builds the login router. */
export function createRoutes(routes: RoutesContext): Hono {
  // The credential routes end the user's other sessions through this hook (sessions-routes.ts).
  const r: RoutesContext = { ...routes };
  r.credentialChanged ??= credentialChangedHook(r);
  const { replies } = r;

  /** Checks every unsafe request before its body is read. `needsBody`: only JSON or a urlencoded form. */
  const unsafe =
    (type: AuthEventType, needsBody: boolean): MiddlewareHandler =>
    async (c, next) => {
      if (credentialsInQuery(c)) return replies.fail(c, "credentials_in_query", { type });
      if (!sameOriginOk(c, r.allowedOrigins)) return replies.fail(c, "forbidden_origin", { type, reason: "csrf" });
      if (needsBody && !bodyKind(c)) return replies.fail(c, "unsupported_media_type", { type });
      await next();
    };
  /** Hono's body limit, counted while reading whatever Content-Length says (chunked bodies too). */
  const limit = (type: AuthEventType): MiddlewareHandler =>
    bodyLimit({ maxSize: r.maxBodyBytes, onError: (c) => replies.fail(c, "payload_too_large", { type }) });
  const invalid =
    (type: AuthEventType, step: PageState["step"]) => (c: Parameters<MiddlewareHandler>[0], field: string) =>
      replies.fail(c, "invalid_request", { type, field, step });
  const notAllowed = (allow: string) => (c: Parameters<MiddlewareHandler>[0]) =>
    replies.problem(c, "method_not_allowed", { headers: { Allow: allow } });

  // hono/tiny: the same Hono with PatternRouter only. The Worker builds its app the same way, so the default
  // SmartRouter (RegExpRouter + TrieRouter) is not bundled at all: about 2.5 KB gzip. A handful of routes, matched in
  // registration order like every Hono router; an app on the default router mounts this one unchanged.
  const app = new Hono();
  app.use("*", securityHeaders(r.pageCsp));
  app.use("*", corsFor(r.allowedOrigins));
  app.post("/login", unsafe("login", true), limit("login"), validateBody(loginSchema, invalid("login", "login")), (c) =>
    login(c, r),
  );
  app.post(
    "/password",
    unsafe("password_change", true),
    limit("password_change"),
    validateBody(passwordSchema, invalid("password_change", "password")),
    (c) => changePassword(c, r),
  );
  app.post("/logout", unsafe("logout", false), limit("logout"), (c) => logout(c, r));
  app.post("/refresh", unsafe("refresh", false), limit("refresh"), (c) => refresh(c, r));
  app.get("/session", (c) => currentSession(c, r));
  const paths = ["/login", "/password", "/logout", "/refresh"];
  // The second factor (mfa-routes.ts): `/verify/send` and `/verify`, checked like `/password`.
  if (r.secondFactor) {
    secondFactorRoutes((path, step, schema) => {
      paths.push(path);
      app.post(
        path,
        unsafe("second_factor", true),
        limit("second_factor"),
        validateBody(schema, invalid("second_factor", "verify")),
        (c) => step(c, r),
      );
    }, startSession);
  }
  const { account } = r;
  if (account) {
    const a = { ...r, account } as AccountContext;
    app.post(
      "/signup",
      unsafe("signup", true),
      limit("signup"),
      validateBody(signupSchema, invalid("signup", "signup")),
      (c) => signup(c, a),
    );
    paths.push("/signup");
    if (account.resetUrl) {
      app.post(
        "/forgot-password",
        unsafe("password_reset", true),
        limit("password_reset"),
        validateBody(forgotSchema, invalid("password_reset", "forgot")),
        (c) => forgotPassword(c, a),
      );
      app.get("/reset-password", (c) => landReset(c, a));
      app.post(
        "/reset-password",
        unsafe("password_reset", true),
        limit("password_reset"),
        validateBody(passwordSchema, invalid("password_reset", "reset")),
        (c) => resetPassword(c, a),
      );
      paths.push("/forgot-password");
      app.all("/reset-password", notAllowed("GET, HEAD, POST"));
    }
  }
  // A user's sessions: sign out everywhere, the list, ending one (sessions-routes.ts).
  app.post("/logout-all", unsafe("logout", false), limit("logout"), (c) => logoutAll(c, r));
  app.get("/sessions", (c) => listSessions(c, r));
  app.post(
    "/sessions/end",
    unsafe("logout", true),
    limit("logout"),
    validateBody(endSessionSchema, invalid("logout", "login")),
    (c) => endSession(c, r),
  );
  paths.push("/logout-all", "/sessions/end");
  for (const path of paths) app.all(path, notAllowed("POST"));
  for (const path of ["/session", "/sessions"]) app.all(path, notAllowed("GET, HEAD"));
  app.onError((err, c) => {
    const type = typeOfPath(c.req.path);
    // The validators throw 400 for a body that does not parse; never echo it.
    if (err instanceof HTTPException && err.status === 400) {
      return replies.fail(c, "invalid_request", {
        type,
        field: "body",
        step: stepOfPath(c.req.path),
      });
    }
    return replies.failWith(c, err, { type });
  });
  return app;
}
