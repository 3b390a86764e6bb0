/** @jsxImportSource hono/jsx */
import { waitUntil } from "cloudflare:workers";
import { createTransmitClient, type TransmitClient } from "@transmit-edge/core";
import { createSignupClient } from "@transmit-edge/core/account";
import { jsonLines, type Session, securityHeaders, transmitAuth } from "@transmit-edge/hono";
import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { handOffLogin, seamFor } from "./account-login.ts";
import { accountPages } from "./account-pages.ts";
import { edgeLimiter } from "./account-throttle.ts";
import { TOKEN_CACHE_HINTS, tieredTokenCache } from "./client-token-cache.ts";
import { ConfigurationError, chooseRegion, type RoutableRegion, readConfig, type WorkerConfig } from "./config.ts";
import { configuredRegion, guessRegion, loginRegion, rememberRegionLine, type WorkerEnv } from "./home-region.ts";
import { pickMessages } from "./i18n/index.ts";
import { page, pageRenderer, pageRoutes, passwordPrecheck } from "./page-flow.ts";
import { homePage } from "./pages.ts";
import type { RegionFieldProps } from "./region-field.ts";
import { durableSessionStore } from "./session-object.ts";
import { sessionsSection } from "./sessions-pages.ts";
import { verifyRoutes } from "./verify-page.ts";

type AppEnv = WorkerEnv;

/** The router's touch interval (s); the session store slides the idle deadline on reads at the same age. */
const TOUCH_INTERVAL = 60;

/** Test seams; production uses the defaults. */
export interface AppOptions {
  /** Clock in ms for sessions and throttles (tests move it to prove idle/absolute expiry and window resets). */
  now?: () => number;
  /** Upstream fetch for the Transmit clients. Default: the global fetch. */
  fetch?: typeof fetch;
  /** Where auth events go. Default: one JSON line per event on `console.log` (no secrets in events). */
  log?: (line: string) => void;
  /** Runs work after the response. Default: `waitUntil(task())` (the current request's). */
  defer?: (task: () => Promise<unknown>) => void;
  /** The env a handed-over login runs with in the account's object (tests instrument its bindings). */
  objectEnv?: (env: Env) => Env;
}

/**
 * The login form's region select: none with one region. After wrong credentials in a region the person did not
 * choose, it names the region tried (whatever rule chose it, so the page never tells whether the account has a
 * home region). `flash`: what the failed post left for the page (page-flow.ts), validated here.
 */
function regionField(
  c: Context<AppEnv>,
  config: WorkerConfig,
  flash: { tried?: unknown; chosen?: unknown } = {},
): RegionFieldProps | undefined {
  if (config.candidates.length < 2) return undefined;
  return {
    regions: config.candidates,
    guess: guessRegion(c, config).region,
    selected: configuredRegion(config, flash.chosen),
    tried: configuredRegion(config, flash.tried),
  };
}

/** What a failed form post tells the next page about regions: the region chosen, or the region tried. */
export function regionFlash(c: Context<AppEnv>): { tried?: string; chosen?: string } {
  const region = c.get("transmitRegion");
  if (!region) return {};
  return c.get("regionSource") === "form" ? { chosen: region } : { tried: region };
}

/** The part of a Worker module that serves requests. */
export interface EdgeLoginWorker {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response>;
}

/**
 * The edge-login Worker: pages, the `/auth` login router on the nearest Transmit region, sessions and throttles in
 * Durable Objects. The Hono app is built once per isolate from `env` (secrets live there), then reused.
 */
export function createWorker(options: AppOptions = {}): EdgeLoginWorker {
  const apps = new WeakMap<object, Hono<AppEnv>>();
  return {
    async fetch(request, env, ctx) {
      let app = apps.get(env);
      if (!app) {
        try {
          app = buildApp(readConfig(env as unknown as Record<string, unknown>), env, options);
        } catch (error) {
          if (!(error instanceof ConfigurationError)) throw error;
          // Fail closed (checklist G01): a generic 500 for the caller, the missing key names (never values) in the
          // log. Not cached, so fixing the secrets takes effect without a redeploy of code.
          console.error(
            JSON.stringify({ type: "configuration", outcome: "error", missing: error.keys, message: error.message }),
          );
          return misconfigured.fetch(request);
        }
        apps.set(env, app);
      }
      return app.fetch(request, env, ctx);
    },
  };
}

/**
 * The generic 500 of a Worker without a usable configuration, with the same security headers as every other answer
 * (securityHeaders: HSTS, nosniff, `X-Frame-Options: DENY`, a deny-all CSP, `Cache-Control: no-store`, ...).
 */
const misconfigured = new Hono().use(securityHeaders()).all("*", (c) =>
  c.body(JSON.stringify({ type: "urn:transmit-edge:problem:server_error", title: "Server error", status: 500 }), 500, {
    "Content-Type": "application/problem+json",
  }),
);

/** Whether a login answer started a session (it sets a non-empty session cookie). */
function signedIn(res: Response): boolean {
  return res.status < 400 && res.headers.getSetCookie().some((l) => /^__Host-session=[^;]/.test(l));
}

function displayName(session: Session): string {
  const claims = session.claims ?? {};
  for (const key of ["email", "username", "name", "sub"]) {
    const value = claims[key];
    if (typeof value === "string" && value) return value;
  }
  return session.userId ?? "signed-in user";
}

/**
 * What the Worker and the account objects build alike from the configuration (once per isolate each): the regional
 * Transmit clients (token in isolate memory first, one shared object per region), the session store, and the
 * options of `transmitAuth` that do not depend on where the login runs.
 */
export function sharedAuth(config: WorkerConfig, env: Env, options: AppOptions) {
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.log(line));
  const clients: Partial<Record<RoutableRegion, TransmitClient>> = {};
  const defer = options.defer ?? ((task: () => Promise<unknown>) => waitUntil(task()));

  function clientFor(region: RoutableRegion): TransmitClient {
    const existing = clients[region];
    if (existing) return existing;
    const cfg = config.regions[region];
    // A session from a region whose credentials were removed since: fail closed.
    if (!cfg) throw new ConfigurationError([`TRANSMIT_${region.toUpperCase()}_CLIENT_ID`]);
    // Isolate memory first, then one shared object near the region (read only on a miss).
    const tokenCache = tieredTokenCache(env.CLIENT_TOKENS, {
      name: `${region}:${cfg.clientId}`,
      locationHint: TOKEN_CACHE_HINTS[region],
      now,
      // Waiting for another request's token fetch must leave this request time for its own call.
      maxWaitMs: (config.timeoutMs ?? 10_000) / 2,
      // The token is fetched inside a request: its write to the shared object can wait for the answer.
      defer,
    });
    const upstream = options.fetch ?? fetch;
    const client = createTransmitClient({
      region,
      ...(cfg.baseUrl ? { baseUrl: cfg.baseUrl } : {}),
      clientId: cfg.clientId,
      clientSecret: cfg.clientSecret,
      allowInsecureLoopback: config.allowInsecureLoopback,
      tokenCache,
      // A failed token request ends its fetch lease at once (client-token-cache.ts), instead of at its expiry.
      fetch: async (input, init) => {
        const isToken = new URL(input).pathname.endsWith("/oidc/token");
        try {
          const res = await upstream(input, init);
          if (isToken && res.status !== 200) tokenCache.fetchFailed();
          return res;
        } catch (error) {
          if (isToken) tokenCache.fetchFailed();
          throw error;
        }
      },
    });
    clients[region] = client;
    return client;
  }

  // Session ids carry a MAC keyed by the session secret: forged cookies cost no Durable Object call (checklist C05).
  // EU users' sessions live in the eu jurisdiction (residency.ts); reads slide the idle deadline in the same call.
  const sessions = durableSessionStore(env.SESSIONS, {
    secret: config.sessionSecret,
    now,
    // A refresh holds its session's turn for at most its upstream deadline plus a margin.
    refreshLeaseMs: (config.timeoutMs ?? 10_000) + 5_000,
    touchAfter: TOUCH_INTERVAL,
    enforceJurisdictions: !config.allowNoJurisdiction,
    // Each user's sessions are indexed (sign out everywhere, the list on the signed-in page).
    index: env.USER_SESSIONS,
  });
  const timeout = config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {};
  return {
    now,
    defer,
    clientFor,
    options: {
      sessions,
      // On Workers only CF-Connecting-IP identifies the end user (checklist A08).
      ip: "cf-connecting-ip" as const,
      userKeySecret: config.sessionSecret,
      render: pageRenderer(now, (c) => regionFlash(c as Context<AppEnv>)),
      touchInterval: TOUCH_INTERVAL,
      logoutRedirectTo: "/login?signedOut",
      // SECOND_FACTOR / SECOND_FACTOR_TRUST_SECONDS (config.ts); the code page is /verify (verify-page.ts). Shared:
      // the password check runs in the account's object, the code check in the Worker.
      secondFactor: config.secondFactor,
      onEvent: jsonLines(log),
      now,
      ...timeout,
    },
  };
}

function buildApp(config: WorkerConfig, env: Env, options: AppOptions): Hono<AppEnv> {
  const { now, defer, clientFor, options: common } = sharedAuth(config, env, options);
  // Calls on an existing session go to the region stored in it; the end of a forced password change to the region
  // of its pending record. A login is handed to its account's object (account-login.ts), which picks its region.
  const client = async (c: Context<AppEnv>, stored?: string) => {
    // A stored region (a session's, or a reset link's) must be a configured one: nothing else picks a host.
    if (stored !== undefined && !configuredRegion(config, stored)) throw new ConfigurationError(["region"]);
    const region = stored
      ? (stored as RoutableRegion)
      : c.get("regionGuess")
        ? await loginRegion(c, config)
        : chooseRegion(c.req.raw, config);
    c.set("transmitRegion", region);
    return { client: clientFor(region), region };
  };
  // One auth instance for the routes, the guard and the pages: one configuration, validated once.
  const auth = transmitAuth({
    ...common,
    client,
    // Per IP here, before any account object is reached (checklist H12). Logins are counted per account inside
    // the account's object; this limiter's account side only records what a forced password change teaches.
    limiter: edgeLimiter({
      accounts: env.ACCOUNT_THROTTLE,
      ips: env.IP_RATE_LIMITER,
      transmit: config.lockout,
      now,
      defer,
      enforceJurisdictions: !config.allowNoJurisdiction,
      regions: config.candidates,
    }),
    // Sign-up and forgot password (src/account-pages.ts). The reset link is built from the request's own URL: on
    // Workers a request reaches this Worker only through its routes or custom domains, so its host is one of ours
    // (a forged Host header reaches another zone, not this Worker). The reset email is sent after the answer.
    account: {
      client: createSignupClient,
      resetUrl: (c) => new URL("/auth/reset-password", c.req.url).href,
      defer: (_c, task) => defer(task),
    },
    // The checked login runs in the account's object, near its home region (docs/regions.md, "The hand-over").
    handOff: handOffLogin(config, env.ACCOUNT_THROTTLE, seamFor(env, options)),
  });
  const guard = auth.guard();

  // hono/tiny (PatternRouter), like @transmit-edge/hono's router: one router in the bundle instead of the default
  // SmartRouter + RegExpRouter + TrieRouter (about 2.5 KB gzip). Same routing semantics for these few routes.
  const app = new Hono<AppEnv>();
  // The pages' CSP is the router's default (own styles and images, no scripts).
  app.use(securityHeaders());

  // The best guess is made from the original request: the router may rebuild the request (body limit), and a rebuilt
  // Request has no `cf`. A successful login remembers its region on this browser.
  app.use("/auth/login", async (c, next) => {
    if (c.req.method !== "POST") return next();
    c.set("regionGuess", guessRegion(c, config));
    await next();
    const region = c.get("transmitRegion");
    if (!region) return;
    c.res.headers.set("X-Transmit-Region", region);
    if (signedIn(c.res)) c.res.headers.append("Set-Cookie", rememberRegionLine(region));
  });
  // Finishing a forced password change or a second factor signs in too (in the pending record's region): remember
  // it the same way.
  const remember = async (c: Context<AppEnv>, next: () => Promise<void>) => {
    await next();
    const region = c.get("transmitRegion");
    if (c.req.method === "POST" && region && signedIn(c.res)) {
      c.res.headers.append("Set-Cookie", rememberRegionLine(region));
    }
  };
  app.use("/auth/password", remember);
  app.use("/auth/verify", remember);
  // The password change page's rules and confirmation, checked before the router (src/page-flow.ts).
  app.use("/auth/password", passwordPrecheck(config.passwordRules));
  // Sign-up: the new account goes to the nearest region (or, for a taken address whose account has signed in before,
  // its home region, where Transmit answers "taken"); the limiter records the region as the account's home.
  // Forgot password: the account's home region, else the browser's remembered one, else the nearest.
  app.use("/auth/signup", async (c, next) => {
    c.set("regionGuess", { region: chooseRegion(c.req.raw, config), source: "nearest" });
    await next();
  });
  app.use("/auth/forgot-password", async (c, next) => {
    c.set("regionGuess", guessRegion(c, config));
    await next();
  });
  app.use("/auth/signup", passwordPrecheck(config.passwordRules, "/signup", "password"));
  app.use("/auth/reset-password", passwordPrecheck(config.passwordRules, "/reset-password"));
  app.route("/auth", auth.routes());

  accountPages(app, { now, rules: config.passwordRules, resetCookie: "session-reset" });
  pageRoutes(app, {
    now,
    rules: config.passwordRules,
    region: (c, flash) => regionField(c as Context<AppEnv>, config, flash),
  });
  verifyRoutes(app, now);
  app.get("/", async (c) => {
    // The session with the user's sessions; when the index cannot be read, the page without the list.
    const listed = await auth.sessionList(c).catch(() => null);
    const session = listed ? listed.session : listed === null ? await auth.session(c) : undefined;
    if (!session) return c.redirect("/login", 303);
    const t = pickMessages(c.req.header("accept-language"));
    return page(
      c,
      t,
      homePage({
        t,
        user: displayName(session),
        region: session.region ?? "?",
        expiresAt: (session.expiresAt ?? 0) * 1000,
        sessions: listed ? sessionsSection(t, listed) : undefined,
      }),
    );
  });
  // A small guarded JSON API, as another app behind the guard would have.
  app.use("/api/*", guard);
  app.get("/api/me", (c) => {
    const s = c.var.session;
    return c.json({ userId: s.userId, region: s.region, claims: s.claims, expiresAt: s.expiresAt });
  });
  // Step-up: this one needs a second factor in the session (403 mfa_required naming /verify otherwise).
  app.get("/api/sensitive", auth.guard({ require: "mfa" }), (c) =>
    c.json({ userId: c.var.session.userId, amr: c.var.session.amr }),
  );
  app.notFound((c) => c.json({ type: "urn:transmit-edge:problem:not_found", title: "Not found", status: 404 }, 404));
  return app;
}
