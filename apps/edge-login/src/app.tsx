/** @jsxImportSource hono/jsx */
import { createTransmitClient, type TransmitClient } from "@transmit-edge/core";
import { jsonLines, type Session, securityHeaders, transmitAuth } from "@transmit-edge/hono";
import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { edgeLimiter } from "./account-throttle.ts";
import { durableTokenCache } from "./client-token-cache.ts";
import { ConfigurationError, chooseRegion, type RoutableRegion, readConfig, type WorkerConfig } from "./config.ts";
import { pickMessages } from "./i18n/index.ts";
import { page, pageRenderer, pageRoutes, passwordPrecheck } from "./page-flow.ts";
import { homePage } from "./pages.ts";
import { durableSessionStore } from "./session-object.ts";

type AppEnv = { Bindings: Env; Variables: { transmitRegion?: RoutableRegion } };

/** Test seams; production uses the defaults. */
export interface AppOptions {
  /** Clock in ms for sessions and throttles (tests move it to prove idle/absolute expiry and window resets). */
  now?: () => number;
  /** Upstream fetch for the Transmit clients. Default: the global fetch. */
  fetch?: typeof fetch;
  /** Where auth events go. Default: one JSON line per event on `console.log` (no secrets in events). */
  log?: (line: string) => void;
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
          return misconfigured();
        }
        apps.set(env, app);
      }
      return app.fetch(request, env, ctx);
    },
  };
}

function misconfigured(): Response {
  const body = JSON.stringify({ type: "urn:transmit-edge:problem:server_error", title: "Server error", status: 500 });
  return new Response(body, {
    status: 500,
    headers: {
      "Content-Type": "application/problem+json; charset=utf-8",
      "Cache-Control": "no-store",
      "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "same-origin",
      "X-Frame-Options": "DENY",
      "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    },
  });
}

function displayName(session: Session): string {
  const claims = session.claims ?? {};
  for (const key of ["email", "username", "name", "sub"]) {
    const value = claims[key];
    if (typeof value === "string" && value) return value;
  }
  return session.userId ?? "signed-in user";
}

function buildApp(config: WorkerConfig, env: Env, options: AppOptions): Hono<AppEnv> {
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.log(line));
  const onEvent = jsonLines(log);
  const clients: Partial<Record<RoutableRegion, TransmitClient>> = {};

  function clientFor(region: RoutableRegion): TransmitClient {
    const existing = clients[region];
    if (existing) return existing;
    const cfg = config.regions[region];
    // A session from a region whose credentials were removed since: fail closed.
    if (!cfg) throw new ConfigurationError([`TRANSMIT_${region.toUpperCase()}_CLIENT_ID`]);
    const client = createTransmitClient({
      region,
      ...(cfg.baseUrl ? { baseUrl: cfg.baseUrl } : {}),
      clientId: cfg.clientId,
      clientSecret: cfg.clientSecret,
      allowInsecureLoopback: config.allowInsecureLoopback,
      // Shared across isolates by value, never as a promise of another request.
      tokenCache: durableTokenCache(env.CLIENT_TOKENS, `${region}:${cfg.clientId}`),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    clients[region] = client;
    return client;
  }

  // Session ids carry a MAC keyed by the session secret: forged cookies cost no Durable Object call (checklist C05).
  const sessions = durableSessionStore(env.SESSIONS, {
    secret: config.sessionSecret,
    now,
    // A refresh holds its session's turn for at most its upstream deadline plus a margin.
    refreshLeaseMs: (config.timeoutMs ?? 10_000) + 5_000,
  });
  // New logins go to the nearest configured region; calls on an existing session go to the region stored in it.
  const client = (c: Context<AppEnv>, stored?: string) => {
    const region = (stored as RoutableRegion | undefined) ?? c.get("transmitRegion") ?? chooseRegion(c.req.raw, config);
    return { client: clientFor(region), region };
  };
  const timeout = config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {};
  // One auth instance for the routes, the guard and the pages: one configuration, validated once.
  const auth = transmitAuth({
    client,
    sessions,
    // Untrusted attempts per account stay below the tenant's lockout; browsers with the account's device cookie are
    // counted apart (hono's device cookies), so strangers cannot lock the owner out (checklist A04).
    limiter: edgeLimiter({
      accounts: env.ACCOUNT_THROTTLE,
      ips: env.IP_RATE_LIMITER,
      transmit: config.lockout,
      now,
    }),
    // On Workers only CF-Connecting-IP identifies the end user (checklist A08).
    ip: "cf-connecting-ip",
    userKeySecret: config.sessionSecret,
    render: pageRenderer(now),
    logoutRedirectTo: "/login?signedOut",
    onEvent,
    now,
    ...timeout,
  });
  const guard = auth.guard();

  // hono/tiny (PatternRouter), like @transmit-edge/hono's router: one router in the bundle instead of the default
  // SmartRouter + RegExpRouter + TrieRouter (about 2.5 KB gzip). Same routing semantics for these few routes.
  const app = new Hono<AppEnv>();
  // The pages' CSP is the router's default (own styles and images, no scripts).
  app.use(securityHeaders());

  // The region is chosen from the original request: the router may rebuild the request (body limit), and a rebuilt
  // Request has no `cf`.
  app.use("/auth/login", async (c, next) => {
    const region = c.req.method === "POST" ? chooseRegion(c.req.raw, config) : undefined;
    if (region) c.set("transmitRegion", region);
    await next();
    if (region) c.res.headers.set("X-Transmit-Region", region);
  });
  // The password change page's rules and confirmation, checked before the router (src/page-flow.ts).
  app.use("/auth/password", passwordPrecheck(config.passwordRules));
  app.route("/auth", auth.routes());

  pageRoutes(app, { now, rules: config.passwordRules });
  app.get("/", async (c) => {
    const session = await auth.session(c);
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
      }),
    );
  });
  // A small guarded JSON API, as another app behind the guard would have.
  app.use("/api/*", guard);
  app.get("/api/me", (c) => {
    const s = c.var.session;
    return c.json({ userId: s.userId, region: s.region, claims: s.claims, expiresAt: s.expiresAt });
  });
  app.notFound((c) => c.json({ type: "urn:transmit-edge:problem:not_found", title: "Not found", status: 404 }, 404));
  return app;
}
