// Shared test doubles: a counting fake Transmit client with scripted answers, and an app wired with it.
import { TransmitError, type TransmitErrorCode } from "@transmit-edge/core";
import { Hono } from "hono";
import {
  type AuthEvent,
  type CallOptions,
  type Claims,
  cookieSessionStore,
  type Limiter,
  type LoginClient,
  memoryLimiter,
  memorySessionStore,
  type PasswordLoginOptions,
  passwordLogin,
  type RequireSessionOptions,
  requireSession,
  type SessionStore,
  type TokenSetLike,
} from "../src/index.ts";

export const ORIGIN = "https://app.example";
export const SECRET = "test-secret-0123456789-abcdefghijklmnop";
export const START = Date.UTC(2026, 0, 1, 12, 0, 0);
export const CLIENT_IP = "203.0.113.7";

export interface Call {
  method: string;
  args: unknown[];
}

/** Makes a core `TransmitError`. */
export function upstream(code: TransmitErrorCode, extra: { retryAfter?: number; resetToken?: string } = {}) {
  return new TransmitError(code, `fake ${code}`, { status: 0, ...extra });
}

/** A fake Transmit client that records every call. Users are `alice`/`bob` with password `pw-<name>`. */
export class FakeClient implements LoginClient {
  readonly calls: Call[] = [];
  readonly region: string;
  users: Record<string, string> = { alice: "pw-alice", bob: "pw-bob" };
  /** Errors thrown by the next calls of a method, in order. */
  failNext: Partial<Record<string, unknown[]>> = {};
  expiresIn = 3600;
  refreshDelayMs = 0;
  authenticateDelayMs = 0;
  private n = 0;

  constructor(region = "eu") {
    this.region = region;
  }

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  private record(method: string, args: unknown[]) {
    this.calls.push({ method, args });
    const queue = this.failNext[method];
    if (queue && queue.length > 0) throw queue.shift();
  }

  private makeTokens(sub: string, withSession: boolean): TokenSetLike {
    const n = ++this.n;
    const out: TokenSetLike = {
      accessToken: `at.${sub}.${n}`,
      idToken: `id.${sub}.${n}`,
      refreshToken: `rt.${sub}.${n}`,
      tokenType: "Bearer",
      expiresIn: this.expiresIn,
    };
    if (withSession) out.sessionId = `ts.${sub}.${n}`;
    return out;
  }

  readonly passwords = {
    authenticate: async (
      input: { username: string; password: string; clientAttributes?: object },
      options?: CallOptions,
    ): Promise<TokenSetLike> => {
      this.record("authenticate", [input, options]);
      if (this.authenticateDelayMs) await new Promise((r) => setTimeout(r, this.authenticateDelayMs));
      if (this.users[input.username] !== input.password) throw upstream("invalid_credentials");
      return this.makeTokens(input.username, true);
    },
    reset: async (input: { resetToken: string; newPassword: string }, options?: CallOptions) => {
      this.record("reset", [input, options]);
      const user = input.resetToken.replace(/^reset-/, "");
      this.users[user] = input.newPassword;
      return { message: "Password changed successfully" };
    },
  };

  readonly sessions = {
    logout: async (sessionId: string, options?: CallOptions) => {
      this.record("logout", [sessionId, options]);
    },
  };

  readonly tokens = {
    refresh: async (refreshToken: string, options?: CallOptions): Promise<TokenSetLike> => {
      this.record("refresh", [refreshToken, options]);
      if (this.refreshDelayMs) await new Promise((r) => setTimeout(r, this.refreshDelayMs));
      const sub = refreshToken.split(".")[1] ?? "x";
      return this.makeTokens(sub, false);
    },
    verifyIdToken: async (jwt: string, options?: CallOptions): Promise<Claims> => {
      this.record("verifyIdToken", [jwt, options]);
      const [kind, sub] = jwt.split(".");
      if (kind !== "id" || !sub) throw upstream("token_invalid");
      return { sub: `user-${sub}`, email: `${sub}@example.com`, iss: "https://eu.userid.security", nonce: "drop-me" };
    },
    verifyAccessToken: async (jwt: string, options?: CallOptions & { audience?: string | string[] }) => {
      this.record("verifyAccessToken", [jwt, options]);
      const [kind, sub] = jwt.split(".");
      if (kind !== "at" || !sub) throw upstream("token_invalid");
      return { sub: `user-${sub}`, exp: Math.floor(START / 1000) + 3600 };
    },
  };
}

export interface Setup {
  app: Hono;
  fake: FakeClient;
  clock: { t: number };
  now: () => number;
  events: AuthEvent[];
  sessions: SessionStore;
  limiter: Limiter;
}

export interface SetupOptions {
  store?: "memory" | "cookie";
  login?: Partial<PasswordLoginOptions>;
  guard?: Partial<RequireSessionOptions>;
  limits?: { ip?: number; account?: number };
}

/** An app with the router at `/auth` and a guarded `/api/me`. */
export function setup(options: SetupOptions = {}): Setup {
  const clock = { t: START };
  const now = () => clock.t;
  const fake = new FakeClient();
  const sessions =
    options.store === "cookie" ? cookieSessionStore({ secrets: [SECRET], now }) : memorySessionStore({ now });
  const limiter = memoryLimiter({
    now,
    ip: { limit: options.limits?.ip ?? 50, windowMs: 60_000 },
    account: { limit: options.limits?.account ?? 5, windowMs: 3_600_000 },
  });
  const events: AuthEvent[] = [];
  const app = new Hono();
  app.route(
    "/auth",
    passwordLogin({
      client: fake,
      sessions,
      limiter,
      now,
      ip: "cf-connecting-ip",
      singleFlight: true,
      onEvent: (e) => {
        events.push(e);
      },
      ...options.login,
    }),
  );
  const onEvent = (e: AuthEvent) => {
    events.push(e);
  };
  app.use("/api/*", requireSession({ sessions, client: fake, now, onEvent, singleFlight: true, ...options.guard }));
  app.get("/api/me", (c) => c.json({ userId: c.var.session.userId, region: c.var.session.region }));
  return { app, fake, clock, now, events, sessions, limiter };
}

/** Headers of a same-origin browser request from the test client IP. */
export function browser(extra: Record<string, string> = {}): Record<string, string> {
  return {
    origin: ORIGIN,
    "sec-fetch-site": "same-origin",
    "cf-connecting-ip": CLIENT_IP,
    "user-agent": "TestAgent/1.0",
    ...extra,
  };
}

/** `POST /auth/login` with a JSON body. */
export function loginJson(app: Hono, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(
    app.request(`${ORIGIN}/auth/login`, {
      method: "POST",
      headers: browser({ "content-type": "application/json", ...headers }),
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
}

/** `POST /auth/login` with a urlencoded form. */
export function loginForm(app: Hono, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return Promise.resolve(
    app.request(`${ORIGIN}/auth/login`, {
      method: "POST",
      headers: browser({ "content-type": "application/x-www-form-urlencoded", ...headers }),
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

/** `Set-Cookie` lines of a response. */
export function setCookies(res: Response): string[] {
  const h = res.headers as Headers & { getSetCookie?: () => string[] };
  if (typeof h.getSetCookie === "function") return h.getSetCookie();
  const one = res.headers.get("set-cookie");
  return one ? one.split(/,(?=\s*__Host-)/) : [];
}

/** `name=value` of the session cookie set by a response. */
export function sessionCookie(res: Response, name = "__Host-session"): string | undefined {
  const line = setCookies(res).find((l) => l.startsWith(`${name}=`));
  return line?.split(";")[0];
}

/** Signs in `user` and returns the cookie pair. */
export async function signIn(s: Setup, user = "alice", headers: Record<string, string> = {}): Promise<string> {
  const res = await loginJson(s.app, { username: user, password: `pw-${user}` }, headers);
  if (res.status !== 200) throw new Error(`login failed with ${res.status}`);
  const cookie = sessionCookie(res);
  if (!cookie) throw new Error("no cookie");
  return cookie;
}

/** A request with the session cookie. */
export function withCookie(
  app: Hono,
  path: string,
  cookie: string,
  method = "GET",
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(app.request(`${ORIGIN}${path}`, { method, headers: browser({ cookie, ...headers }) }));
}

/** Header names of a response, sorted, lower case (for "generic" comparisons). */
export function headerNames(res: Response): string[] {
  return [...res.headers.keys()].sort();
}

/** The password a recorded authenticate call carried. */
export function passwordOf(call: Call | undefined): string | undefined {
  return (call?.args[0] as { password?: string } | undefined)?.password;
}

/** The per-call options a recorded call carried. */
export function optionsOf(call: Call | undefined): { timeoutMs?: number; audience?: string } | undefined {
  return call?.args[1] as { timeoutMs?: number; audience?: string } | undefined;
}
