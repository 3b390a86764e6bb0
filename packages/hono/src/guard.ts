/**
 * `requireSession`: guard middleware for routes of any Hono app. Accepts the session cookie set by
 * `passwordLogin` (and optionally a Bearer access token), refreshes expiring tokens transparently, and sets
 * `c.var.session`. Anything else gets one generic 401.
 */
import type { Context, MiddlewareHandler } from "hono";
import { onWorkers } from "./client-ip.ts";
import { checkClientSource, resolveClient } from "./client-source.ts";
import { emit } from "./events.ts";
import { challengeFor } from "./options.ts";
import { problemForError } from "./problem.ts";
import { fail, failWithError, type ReplyOptions } from "./reply.ts";
import { type CookieOptions, cookieConfig, cookieLine, readCookie } from "./session-cookie.ts";
import { DEFAULT_CLAIMS, keepClaims, refreshSession, seconds, sessionOf, usable } from "./session-logic.ts";
import type { ClientSource, EventSink, Session, SessionRecord, SessionStore } from "./types.ts";

/**
 * Options of {@link requireSession}.
 *
 * @example
 * ```ts
 * app.use("/api/*", requireSession({ sessions, client, bearer: { audience: "https://api.example.com" } }));
 * ```
 */
export interface RequireSessionOptions {
  /** The same store (or store resolver) given to `passwordLogin`. */
  sessions: SessionStore | ((c: Context) => SessionStore);
  /** Transmit client (or resolver) for transparent refresh and Bearer tokens. Without it, no refresh happens. */
  client?: ClientSource;
  /** Must match `passwordLogin`'s `cookie` option. */
  cookie?: CookieOptions;
  /** Also accept `Authorization: Bearer <access token>`, verified against the client's JWKS. Default false. */
  bearer?: boolean | { audience?: string | string[] };
  /** Refresh when the access token expires within this many seconds. Default 60. */
  refreshBefore?: number;
  /** Write `lastSeenAt` (idle timeout) at most this often, in seconds. Default 60. */
  touchInterval?: number;
  /** Keep the access token after a refresh. Default true (must match `passwordLogin`). */
  keepAccessToken?: boolean;
  /** Claims copied from a Bearer token into `c.var.session.claims`. */
  claims?: readonly string[];
  /** Receives guard events (401s, refreshes). */
  onEvent?: EventSink;
  /** Deadline of upstream calls in milliseconds. */
  timeoutMs?: number;
  /** Realm in `WWW-Authenticate`. */
  realm?: string;
  /** Share a pending refresh between concurrent requests. Default true, except on Workers (see `passwordLogin`). */
  singleFlight?: boolean;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/**
 * Guards routes: `c.var.session` is the signed-in user afterwards; requests without a valid session get a generic
 * `401` problem with `WWW-Authenticate`, without any upstream call.
 *
 * @example
 * ```ts
 * const sessions = cookieSessionStore({ secrets: [env.SESSION_SECRET] });
 * app.route("/auth", passwordLogin({ client, sessions }));
 * app.use("/api/*", requireSession({ sessions, client }));
 * app.get("/api/me", (c) => c.json({ user: c.var.session.userId }));
 * ```
 */
export function requireSession(options: RequireSessionOptions): MiddlewareHandler {
  if (!options || typeof options !== "object") throw new TypeError("requireSession: options are required");
  const source = options.sessions;
  if (!source || (typeof source !== "function" && typeof source.get !== "function")) {
    throw new TypeError("requireSession: option `sessions` must be a SessionStore");
  }
  const sessions = typeof source === "function" ? source : () => source;
  const client = options.client === undefined ? undefined : checkClientSource(options.client, "requireSession");
  const bearer = options.bearer ? (options.bearer === true ? {} : options.bearer) : undefined;
  if (bearer && !client) throw new TypeError("requireSession: option `bearer` needs option `client`");
  const cookies = cookieConfig(options.cookie);
  const now = options.now ?? Date.now;
  const refreshBefore = options.refreshBefore ?? 60;
  const touchInterval = options.touchInterval ?? 60;
  const keepAccessToken = options.keepAccessToken ?? true;
  const sharePromise = options.singleFlight ?? !onWorkers();
  const reply: ReplyOptions = {
    onEvent: options.onEvent,
    now,
    challenge: challengeFor(options.realm, !!bearer),
    render: undefined,
  };
  const callOpts = options.timeoutMs === undefined ? undefined : { timeoutMs: options.timeoutMs };
  const denied = (c: Context, reason: string, extra: { userKey?: string; region?: string } = {}) =>
    fail(c, reply, "unauthorized", { type: "guard", reason, ...extra });

  async function viaBearer(c: Context, token: string): Promise<Session | Response> {
    try {
      const rc = await resolveClient(client as ClientSource, c);
      const claims = await rc.client.tokens.verifyAccessToken(token, { ...callOpts, audience: bearer?.audience });
      if (typeof claims?.sub !== "string" || !claims.sub) return denied(c, "bearer_invalid");
      return {
        userId: claims.sub,
        claims: keepClaims(claims, options.claims ?? DEFAULT_CLAIMS),
        region: rc.region,
        expiresAt: typeof claims.exp === "number" ? claims.exp : undefined,
        accessToken: token,
        source: "bearer",
      };
    } catch (e) {
      if (problemForError(e) === "unauthorized") return denied(c, "bearer_invalid");
      return failWithError(c, reply, e, { type: "guard" });
    }
  }

  return async function requireSession(c, next) {
    const auth = c.req.header("authorization");
    if (bearer && auth && /^Bearer\s+/i.test(auth)) {
      const token = auth.replace(/^Bearer\s+/i, "").trim();
      if (!token || token.length > 8192) return denied(c, "bearer_invalid");
      const result = await viaBearer(c, token);
      if (result instanceof Response) return result;
      c.set("session", result);
      return next();
    }
    let store: SessionStore;
    try {
      store = sessions(c);
    } catch (e) {
      return failWithError(c, reply, e, { type: "guard" });
    }
    let value = readCookie(c, cookies.session);
    if (!value) return denied(c, "no_cookie");
    let record: SessionRecord | undefined = await store.get(value).catch(() => undefined);
    const t = seconds(now);
    if (!record || !usable(record, "session", t)) return denied(c, "no_session");
    const before = value;
    const tags = { userKey: record.userKey, region: record.region };
    const expiresAt = record.accessTokenExpiresAt ?? Number.POSITIVE_INFINITY;
    if (client && record.refreshToken && expiresAt - t <= refreshBefore) {
      try {
        const deps = { store, client, now, keepAccessToken, timeoutMs: options.timeoutMs, sharePromise };
        const done = await refreshSession(c, deps, value, {
          ...record,
          lastSeenAt: t,
        });
        value = done.value;
        record = done.record;
        await emit(options.onEvent, c, now, { type: "refresh", outcome: "success", status: 200, ...tags });
      } catch (e) {
        // While the current access token is valid, keep going: a concurrent request elsewhere may have rotated the
        // refresh token (cookie store), or Transmit is briefly unavailable.
        if (expiresAt <= t) {
          if (problemForError(e) === "unauthorized" || problemForError(e) === "invalid_credentials") {
            await store.delete(value).catch(() => {});
            return denied(c, "refresh_rejected", tags);
          }
          return failWithError(c, reply, e, { type: "guard", ...tags });
        }
      }
    } else if (t - record.lastSeenAt >= touchInterval) {
      record = { ...record, lastSeenAt: t };
      value = await store.set(value, record);
    }
    c.set("session", sessionOf(record));
    await next();
    if (value !== before) {
      c.res.headers.append("Set-Cookie", cookieLine(cookies, cookies.session, value, record.expiresAt - t));
    }
  };
}
