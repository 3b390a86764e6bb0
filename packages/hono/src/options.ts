/**
 * Options of {@link passwordLogin} and their resolution (validated once, when the factory is called).
 */
import type { Context } from "hono";
import { defaultIpSource, type GetIp, type IpSource, onWorkers } from "./client-ip.ts";
import { checkClientSource } from "./client-source.ts";
import { secretLength, UserKeyHasher } from "./crypto.ts";
import { originAllowlist, PAGE_CSP } from "./http-policy.ts";
import type { ProblemKind } from "./problem.ts";
import { type CookieConfig, type CookieOptions, cookieConfig } from "./session-cookie.ts";
import { DEFAULT_CLAIMS } from "./session-logic.ts";
import type { ClaimsRequest, ClientSource, EventSink, Limiter, SessionStore } from "./types.ts";

/**
 * What a page renderer is asked to show for a form post.
 *
 * @example
 * ```ts
 * import type { ContentfulStatusCode } from "hono/utils/http-status";
 * const render: PageRenderer = (c, state) => c.html(loginPage(state), state.status as ContentfulStatusCode);
 * ```
 */
export interface PageState {
  /** `login` (the sign-in form) or `password` (the forced password change form). */
  step: "login" | "password";
  /** The problem to show, when there is one. */
  error?: ProblemKind;
  /** HTTP status the page should be sent with. */
  status: number;
  /** The validated same-origin return path, to keep in the form. */
  returnTo?: string;
  /** Seconds to wait, for `too_many_requests`. */
  retryAfter?: number;
}

/**
 * Renders the HTML login page (or its password-change step) for form posts that did not succeed.
 *
 * @example
 * ```ts
 * import type { ContentfulStatusCode } from "hono/utils/http-status";
 * passwordLogin({ client, sessions, render: (c, state) => c.html(loginPage(state), state.status as ContentfulStatusCode) });
 * ```
 */
export type PageRenderer = (c: Context, state: PageState) => Response | Promise<Response>;

/**
 * Options of {@link passwordLogin}.
 *
 * @example
 * ```ts
 * const options: PasswordLoginOptions = { client, sessions: memorySessionStore(), limiter: memoryLimiter() };
 * app.route("/auth", passwordLogin(options));
 * ```
 */
export interface PasswordLoginOptions {
  /** A core Transmit client, or `(c, region?) => client` (`{ client, region }` to record the region). */
  client: ClientSource;
  /** Where sessions live: a store, or `(c) => store` (a throw becomes a generic 500). */
  sessions: SessionStore | ((c: Context) => SessionStore);
  /** Throttling per IP and per account. No throttling when omitted (not recommended). */
  limiter?: Limiter;
  /** Cookie name and `SameSite`. */
  cookie?: CookieOptions;
  /** Other origins allowed to call the routes with credentials (CORS + CSRF). Never `*`. */
  allowedOrigins?: readonly string[];
  /** Where the end user's IP comes from. Default: `conninfo` when `getIp` is given, `CF-Connecting-IP` on Workers. */
  ip?: IpSource;
  /** Socket peer address for `ip: "conninfo"` or a trusted-proxy setup. */
  getIp?: GetIp;
  /** Secret (>= 32 bytes) keying the username hash in events and limiter keys. Default: random per instance. */
  userKeySecret?: string;
  /** Idle timeout in seconds. Default 1800 (30 minutes). */
  idleTimeout?: number;
  /** Absolute session lifetime in seconds. Default 43200 (12 hours). */
  absoluteTimeout?: number;
  /** Lifetime of a pending forced password change in seconds. Default 300 (Transmit's reset-token default). */
  pendingTimeout?: number;
  /** Largest request body in bytes. Default 8192. */
  maxBodyBytes?: number;
  /** Keep the user access token in the session (for `c.var.session.accessToken`). Default true. */
  keepAccessToken?: boolean;
  /** ID-token claims kept in the session. Default: identity claims such as `sub`, `email`, `name`, `roles`. */
  claims?: readonly string[];
  /**
   * OIDC claims request sent with every login (Transmit puts only `sub`, `amr` and `auth_time` in ID tokens unless
   * asked). Default: {@link DEFAULT_CLAIMS_REQUEST} (email, phone number, username, roles). `null` sends none.
   */
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
   * Let concurrent refreshes of one session share a pending upstream call. Default true, except on Workers, where
   * a request must not await another request's promise (finished results are still shared there).
   */
  singleFlight?: boolean;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/** Options after validation and defaults. */
export interface ResolvedOptions {
  client: ClientSource;
  sessions: (c: Context) => SessionStore;
  limiter?: Limiter;
  cookies: CookieConfig;
  allowed: Set<string>;
  ip?: IpSource;
  getIp?: GetIp;
  hasher: UserKeyHasher;
  idleTimeout: number;
  absoluteTimeout: number;
  pendingTimeout: number;
  maxBodyBytes: number;
  keepAccessToken: boolean;
  claims: readonly string[];
  requestClaims?: ClaimsRequest;
  redirectTo: string;
  logoutRedirectTo: string;
  render?: PageRenderer;
  pageCsp: string;
  onEvent?: EventSink;
  timeoutMs?: number;
  challenge: string;
  singleFlight: boolean;
  now: () => number;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`passwordLogin: \`${name}\` must be a positive number`);
  return value;
}

/** `WWW-Authenticate` value for a realm (quotes and backslashes removed). */
export function challengeFor(realm: string | undefined, bearer = false): string {
  const r = (realm ?? "transmit-edge").replace(/["\\\r\n]/g, "");
  return bearer ? `Session realm="${r}", Bearer realm="${r}"` : `Session realm="${r}"`;
}

/**
 * Claims requested from Transmit by default: the ones Transmit documents as requestable that identify the user in a
 * UI (`username` is present only for users with a password).
 */
export const DEFAULT_CLAIMS_REQUEST: ClaimsRequest = Object.freeze({
  id_token: Object.freeze({ email: null, email_verified: null, phone_number: null, username: null, roles: null }),
}) as ClaimsRequest;

function localPath(value: string, name: string): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//") || value.includes("\\")) {
    throw new TypeError(`passwordLogin: \`${name}\` must be an absolute path like /account`);
  }
  return value;
}

/** Validates {@link PasswordLoginOptions}; throws `TypeError` naming the bad option. */
export function resolveOptions(options: PasswordLoginOptions): ResolvedOptions {
  if (!options || typeof options !== "object") throw new TypeError("passwordLogin: options are required");
  const client = checkClientSource(options.client, "passwordLogin");
  const store = options.sessions;
  if (!store || (typeof store !== "function" && typeof store.create !== "function")) {
    throw new TypeError("passwordLogin: option `sessions` must be a SessionStore");
  }
  if (options.userKeySecret !== undefined && secretLength(options.userKeySecret) < 32) {
    throw new TypeError("passwordLogin: `userKeySecret` must be at least 32 bytes");
  }
  const redirectTo = localPath(options.redirectTo ?? "/", "redirectTo");
  const logoutRedirectTo = localPath(options.logoutRedirectTo ?? redirectTo, "logoutRedirectTo");
  return {
    client,
    sessions: typeof store === "function" ? store : () => store,
    limiter: options.limiter,
    cookies: cookieConfig(options.cookie),
    allowed: originAllowlist(options.allowedOrigins),
    ip: defaultIpSource(options.ip, options.getIp),
    getIp: options.getIp,
    hasher: new UserKeyHasher(options.userKeySecret),
    idleTimeout: positive(options.idleTimeout, 1800, "idleTimeout"),
    absoluteTimeout: positive(options.absoluteTimeout, 43_200, "absoluteTimeout"),
    pendingTimeout: positive(options.pendingTimeout, 300, "pendingTimeout"),
    maxBodyBytes: positive(options.maxBodyBytes, 8192, "maxBodyBytes"),
    keepAccessToken: options.keepAccessToken ?? true,
    claims: options.claims ?? DEFAULT_CLAIMS,
    requestClaims: options.requestClaims === null ? undefined : (options.requestClaims ?? DEFAULT_CLAIMS_REQUEST),
    redirectTo,
    logoutRedirectTo,
    render: options.render,
    pageCsp: options.contentSecurityPolicy ?? PAGE_CSP,
    onEvent: options.onEvent,
    timeoutMs: options.timeoutMs,
    challenge: challengeFor(options.realm),
    singleFlight: options.singleFlight ?? !onWorkers(),
    now: options.now ?? Date.now,
  };
}
