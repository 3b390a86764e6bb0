/**
 * `transmitAuth`: one auth instance, validated once, that owns the cookie settings, the event sink, the replies and
 * the refresh sharing, and gives the login routes, the guard and an optional-session read for pages.
 * `passwordLogin` and `requireSession` are shorthands that build an instance.
 */
import type { ClaimsRequest } from "@transmit-edge/core";
import type { Context, Hono, MiddlewareHandler } from "hono";
import { type AccountOptions, accountSetup } from "./account-routes.ts";
import { type GetIp, type IpSource, ipPolicy, isCloudflareWorkers } from "./client-ip.ts";
import { type ClientSource, checkClientSource } from "./client-source.ts";
import { type CookieOptions, SessionCookies } from "./cookies.ts";
import { secretLength, UserKeyHasher } from "./crypto.ts";
import { type DeviceCookieOptions, DeviceCookies } from "./device-cookie.ts";
import { type EventSink, Events } from "./events.ts";
import { challengeFor, createGuard, type GuardOptions } from "./guard.ts";
import { originAllowlist, PAGE_CSP } from "./http-policy.ts";
import type { Limiter } from "./limiter.ts";
import type { HandOff } from "./login-routes.ts";
import { SecondFactor, type SecondFactorOptions } from "./mfa-routes.ts";
import { integerIn, OptionError, positive } from "./option-error.ts";
import { problemForError, problemStatus } from "./problem.ts";
import { type PageRenderer, Replies } from "./reply.ts";
import { localPath } from "./return-to.ts";
import { createRoutes } from "./routes.ts";
import { SessionAccess } from "./session-access.ts";
import { DEFAULT_CLAIMS, type Session, type SessionStore, seconds, sessionOf } from "./session-record.ts";
import { listOf, type SessionList } from "./sessions-routes.ts";
import { Throttle } from "./throttle.ts";

/**
 * Claims requested from Transmit by default: the ones Transmit documents as requestable that identify the user in a
 * UI (`username` is present only for users with a password). See docs/transmit-contract.md.
 */
export const DEFAULT_CLAIMS_REQUEST: ClaimsRequest = Object.freeze({
  id_token: Object.freeze({ email: null, email_verified: null, phone_number: null, username: null, roles: null }),
});

/** Options of {@link transmitAuth}. */
export interface TransmitAuthOptions {
  /**
   * A core Transmit client, or `(c, region?) => client` (`{ client, region }` to record the region). Required by
   * the login routes and bearer tokens; without it the guard cannot refresh or re-check sessions.
   */
  client?: ClientSource;
  /** Where sessions live: a store, or `(c) => store` (a throw becomes a generic 500). */
  sessions: SessionStore | ((c: Context) => SessionStore);
  /**
   * Throttling per client network and per account, required by the login routes. `"none"` turns it off
   * explicitly (only for a router that something else throttles in front).
   */
  limiter?: Limiter | "none";
  /**
   * Secret (>= 32 bytes) keying the username hash in limiter keys and events; required with a limiter, so every
   * instance sharing that limiter counts an account under the same key.
   */
  userKeySecret?: string;
  /** Cookie name and `SameSite`. */
  cookie?: CookieOptions;
  /**
   * Device cookies (on by default with a limiter): a browser that signed in to an account gets a signed cookie
   * (`__Host-<name>-device`), and its later attempts on that account are counted apart from untrusted ones, so
   * strangers cannot lock the owner out (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"). `false`
   * turns them off: every attempt is then untrusted.
   */
  deviceCookie?: DeviceCookieOptions | false;
  /** Other origins allowed to call the routes with credentials (CORS + CSRF). Never `*`. */
  allowedOrigins?: readonly string[];
  /** Where the end user's IP comes from. Default: `conninfo` when `getIp` is given, `CF-Connecting-IP` on Workers. */
  ip?: IpSource;
  /** Socket peer address for `ip: "conninfo"` or a trusted-proxy setup. */
  getIp?: GetIp;
  /** IPv6 clients are throttled per network of this many bits. Default 64 (one subscriber's network). */
  ipv6Prefix?: number;
  /** Idle timeout in seconds. Default 1800 (30 minutes). */
  idleTimeout?: number;
  /** Absolute session lifetime in seconds. Default 43200 (12 hours). */
  absoluteTimeout?: number;
  /** Lifetime of a pending forced password change in seconds. Default 300 (Transmit's reset-token default). */
  pendingTimeout?: number;
  /** Refresh the tokens when the access token expires within this many seconds. Default 60. */
  refreshBefore?: number;
  /** Write `lastSeenAt` (idle timeout) at most this often, in seconds. Default 60. */
  touchInterval?: number;
  /** Largest request body in bytes. Default 8192. */
  maxBodyBytes?: number;
  /** Keep the user access token in the session (for `c.var.session.accessToken`). Default true. */
  keepAccessToken?: boolean;
  /** Claims kept in the session (from the ID token, or a bearer token). Default: identity claims (`sub`, `email`, ...). */
  claims?: readonly string[];
  /** OIDC claims request sent with every login. Default {@link DEFAULT_CLAIMS_REQUEST}; `null` sends none. */
  requestClaims?: ClaimsRequest | null;
  /** Default redirect after a successful form login. Default `"/"`. */
  redirectTo?: string;
  /** Redirect after a form logout (JSON logouts get `{ signedOut: true }`). Default: `redirectTo`. */
  logoutRedirectTo?: string;
  /** Renders the HTML page for failed form posts; JSON problems are sent when omitted. */
  render?: PageRenderer;
  /** CSP for HTML pages from `render`. */
  contentSecurityPolicy?: string;
  /** Receives one event per auth decision. */
  onEvent?: EventSink;
  /** Deadline for each upstream call in milliseconds (passed to the client). */
  timeoutMs?: number;
  /** Realm in `WWW-Authenticate`. Default `"transmit-edge"`. */
  realm?: string;
  /**
   * Let concurrent refreshes of one session await one pending upstream call. Default true, except on Workers, where
   * a request must not await another request's promise (finished results are still shared there).
   */
  shareInFlight?: boolean;
  /**
   * The second factor after a correct password (email or SMS code, TOTP) and step-up for routes guarded with
   * `require: "mfa"`. Default `{ require: "when-enrolled" }`: users `enrolled` names (no one unless you say), every
   * user can step up at `/verify`.
   */
  secondFactor?: SecondFactorOptions;
  /**
   * Sign-up (`POST /signup`) and, with `resetUrl`, forgot password (`POST /forgot-password`, `GET` and
   * `POST /reset-password`): pass core's `createAccountClient` as `client`. Without it those routes are not mounted.
   * They need the same `limiter` as the login routes.
   */
  account?: AccountOptions;
  /**
   * Runs `POST /login` elsewhere after the router's checks (origin, content type, body size, validation, per-IP
   * limit) and the username hash: e.g. edge-login hands it to the account's Durable Object, which runs these same
   * routes. Its answer is the login's answer; a throw is a server error, never retried.
   */
  handOff?: HandOff;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/** One auth setup: its login routes, its guard and an optional-session read. */
export interface TransmitAuth {
  /** The login router: mount it with `app.route("/auth", auth.routes())`. */
  routes(): Hono;
  /** Guard middleware: `c.var.session` afterwards, a generic 401 otherwise. */
  guard(options?: GuardOptions): MiddlewareHandler;
  /** The request's session for a page that works signed in or out; `undefined` when there is none. */
  session(c: Context): Promise<Session | undefined>;
  /**
   * {@link session} with the user's sessions, for a signed-in page that lists them (the `GET /sessions` list, with
   * the handles `POST /sessions/end` takes); `undefined` when signed out.
   */
  sessionList(c: Context): Promise<(SessionList & { session: Session }) | undefined>;
}

const FACTORY = "transmitAuth";

/** The path of a redirect option, checked like a return target: what the browser gets must stay on the origin. */
function redirectPath(option: string, value: string): string {
  const path = localPath(value, new URL("https://origin.invalid/"));
  if (path === undefined || path !== value)
    throw new OptionError(FACTORY, option, "must be a local path like /account");
  return path;
}

/**
 * Creates an auth instance. Options are checked at once: a bad option throws a `TypeError` naming it (never its
 * value). The login routes also need `client` and a `limiter` (or the explicit `limiter: "none"`); a limiter needs
 * `userKeySecret`.
 *
 * @example
 * ```ts
 * const auth = transmitAuth({
 *   client,
 *   sessions: memorySessionStore(),
 *   limiter: memoryLimiter(),
 *   userKeySecret: env.USER_KEY_SECRET,
 *   getIp,
 * });
 * app.route("/auth", auth.routes());
 * app.use("/api/*", auth.guard());
 * app.get("/", async (c) => c.text((await auth.session(c)) ? "signed in" : "signed out"));
 * ```
 */
export function transmitAuth(options: TransmitAuthOptions): TransmitAuth {
  if (!options || typeof options !== "object") throw new OptionError(FACTORY, "options", "are required");
  const client = checkClientSource(FACTORY, options.client);
  const source = options.sessions;
  if (!source || (typeof source !== "function" && typeof source.get !== "function")) {
    throw new OptionError(FACTORY, "sessions", "must be a SessionStore or a function returning one");
  }
  const stores = typeof source === "function" ? source : () => source;
  const limiter = options.limiter;
  if (
    limiter !== undefined &&
    limiter !== "none" &&
    (typeof limiter !== "object" || typeof limiter?.hit !== "function")
  ) {
    throw new OptionError(FACTORY, "limiter", 'must be a Limiter or "none"');
  }
  const secret = options.userKeySecret;
  if (secret !== undefined && (typeof secret !== "string" || secretLength(secret) < 32)) {
    throw new OptionError(FACTORY, "userKeySecret", "must be a string of at least 32 bytes");
  }
  if (typeof limiter === "object" && secret === undefined) {
    // A random key per instance would count one account once per instance of a shared limiter.
    throw new OptionError(
      FACTORY,
      "userKeySecret",
      "is required with a limiter (>= 32 bytes, the same on every instance)",
    );
  }
  const now = options.now ?? Date.now;
  if (typeof now !== "function") throw new OptionError(FACTORY, "now", "must be a function");
  const ip = ipPolicy(FACTORY, options);
  const cookies = new SessionCookies(FACTORY, options.cookie);
  const allowedOrigins = originAllowlist(FACTORY, options.allowedOrigins);
  const realm = options.realm ?? "transmit-edge";
  if (typeof realm !== "string") throw new OptionError(FACTORY, "realm", "must be a string");
  const timeoutMs = options.timeoutMs === undefined ? undefined : positive(FACTORY, "timeoutMs", options.timeoutMs, 0);
  const keepAccessToken = options.keepAccessToken ?? true;
  const claims = options.claims ?? DEFAULT_CLAIMS;
  if (!Array.isArray(claims) || claims.some((n) => typeof n !== "string")) {
    throw new OptionError(FACTORY, "claims", "must be a list of claim names");
  }
  if (options.render !== undefined && typeof options.render !== "function") {
    throw new OptionError(FACTORY, "render", "must be a function");
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== "function") {
    throw new OptionError(FACTORY, "onEvent", "must be a function");
  }
  const redirectTo = redirectPath("redirectTo", options.redirectTo ?? "/");
  const logoutRedirectTo = redirectPath("logoutRedirectTo", options.logoutRedirectTo ?? redirectTo);
  const settings = {
    idleTimeout: positive(FACTORY, "idleTimeout", options.idleTimeout, 1800),
    absoluteTimeout: positive(FACTORY, "absoluteTimeout", options.absoluteTimeout, 43_200),
    pendingTimeout: positive(FACTORY, "pendingTimeout", options.pendingTimeout, 300),
    refreshBefore: integerIn(FACTORY, "refreshBefore", options.refreshBefore, 60, 0, 86_400),
    touchInterval: integerIn(FACTORY, "touchInterval", options.touchInterval, 60, 0, 86_400),
    maxBodyBytes: integerIn(FACTORY, "maxBodyBytes", options.maxBodyBytes, 8192, 256, 1_048_576),
  };
  const account = accountSetup(options.account);
  const requestClaims = options.requestClaims === null ? undefined : (options.requestClaims ?? DEFAULT_CLAIMS_REQUEST);

  const events = new Events(options.onEvent, now);
  const replies = new Replies(events, challengeFor(realm, false), options.render);
  const access = new SessionAccess({
    client,
    stores,
    cookies,
    now,
    refreshBefore: settings.refreshBefore,
    touchInterval: settings.touchInterval,
    keepAccessToken,
    timeoutMs,
    shareInFlight: options.shareInFlight ?? !isCloudflareWorkers(),
  });
  const hasher = new UserKeyHasher(secret);
  const throttle = new Throttle(typeof limiter === "object" ? limiter : undefined, ip.ipv6Prefix);
  // Only with a limiter (whose required secret keys them): without counters there is nothing to count apart.
  const devices =
    options.deviceCookie === false || typeof limiter !== "object" || secret === undefined
      ? undefined
      : new DeviceCookies(FACTORY, secret, cookies, now, options.deviceCookie);
  const secondFactor = new SecondFactor(options.secondFactor, devices, (p) =>
    redirectPath("secondFactor.verifyPage", p),
  );

  return {
    routes() {
      if (!client) throw new OptionError(FACTORY, "client", "is required by the login routes");
      if (limiter === undefined) {
        throw new OptionError(
          FACTORY,
          "limiter",
          'is required by the login routes: a Limiter, or "none" to opt out explicitly',
        );
      }
      if (typeof limiter === "object" && ip.source === undefined) {
        // Without a client address the per-IP limit is off and Transmit sees no end-user IP: say so, or opt out.
        throw new OptionError(
          FACTORY,
          "ip",
          'has no source, so a limiter could not count per IP: give "getIp" (or "ip"), or ip: "none" to opt out explicitly',
        );
      }
      return createRoutes({
        client,
        access,
        cookies,
        replies,
        throttle,
        devices,
        hasher,
        ip,
        now,
        ...settings,
        keepAccessToken,
        claims,
        requestClaims,
        redirectTo,
        logoutRedirectTo,
        timeoutMs,
        secondFactor,
        handOff: options.handOff,
        allowedOrigins,
        pageCsp: options.contentSecurityPolicy ?? PAGE_CSP,
        account,
      });
    },
    guard(guardOptions) {
      return createGuard(
        { factory: FACTORY, client, access, cookies, replies, claims, timeoutMs, realm, now, secondFactor },
        guardOptions,
      );
    },
    async sessionList(c) {
      const current = await access.current(c);
      if (!current.ok) return undefined;
      const list = await listOf(current);
      if (current.changed) cookies.set(c, "session", current.value, current.record.expiresAt - seconds(now));
      return { ...list, session: sessionOf(current.record) };
    },
    async session(c) {
      const current = await access.current(c);
      if (!current.ok) {
        // A page reads "signed out" either way; a failure (store or Transmit) is still reported.
        if ("error" in current) {
          const status = problemStatus(problemForError(current.error));
          await events.emit(c, {
            type: "guard",
            outcome: "error",
            status,
            reason: "session_unavailable",
            ...current.tags,
          });
        }
        return undefined;
      }
      const { record } = current;
      if (current.refreshed) {
        await events.emit(c, {
          type: "refresh",
          outcome: "success",
          status: 200,
          ...(record.userKey !== undefined ? { userKey: record.userKey } : {}),
          ...(record.region !== undefined ? { region: record.region } : {}),
        });
      }
      // Through the context: the page built afterwards carries the new value.
      if (current.changed) cookies.set(c, "session", current.value, record.expiresAt - seconds(now));
      return sessionOf(record);
    },
  };
}
