// Shared test doubles: a counting fake Transmit client with scripted answers, and an app wired with one auth instance.
import { type TokenSet, TransmitError, type TransmitErrorCode, type VerifiedClaims } from "@transmit-edge/core";
import { Hono } from "hono";
import {
  type AuthEvent,
  cookieSessionStore,
  type GuardOptions,
  type Limiter,
  type LoginClient,
  memoryLimiter,
  memorySessionStore,
  type RevocationStore,
  type SessionStore,
  type TransmitAuth,
  type TransmitAuthOptions,
  transmitAuth,
} from "../src/index.ts";

export const ORIGIN = "https://app.example";
export const SECRET = "test-secret-0123456789-abcdefghijklmnop";
export const START = Date.UTC(2026, 0, 1, 12, 0, 0);
export const CLIENT_IP = "203.0.113.7";
/** The fake application's client id and tenant, as its user access tokens name them. */
export const CLIENT_ID = "app-client";
export const TENANT_ID = "app-tenant";

export interface Call {
  method: string;
  args: unknown[];
}

/** Per-call options as the fake receives them. */
type CallOptions = { timeoutMs?: number; signal?: AbortSignal; audience?: string | string[] };

/** Makes a core `TransmitError`. */
export function upstream(code: TransmitErrorCode, extra: { retryAfter?: number; resetToken?: string } = {}) {
  return new TransmitError(code, `fake ${code}`, { status: 0, ...extra });
}

/**
 * A fake Transmit client that records every call. Users are `alice`/`bob` with password `pw-<name>`. Like Transmit,
 * it rotates refresh tokens (a spent one is refused) and a logout revokes the session's refresh tokens.
 */
export class FakeClient implements LoginClient {
  readonly calls: Call[] = [];
  readonly region: string;
  users: Record<string, string> = { alice: "pw-alice", bob: "pw-bob" };
  /** Errors thrown by the next calls of a method, in order. */
  failNext: Partial<Record<string, unknown[]>> = {};
  expiresIn = 3600;
  refreshDelayMs = 0;
  authenticateDelayMs = 0;
  /** Transmit session of each live refresh token. */
  private readonly refreshTokens = new Map<string, string>();
  private readonly loggedOut = new Set<string>();
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

  private makeTokens(sub: string, session: string | undefined): TokenSet {
    const n = ++this.n;
    const out: TokenSet = {
      accessToken: `at.${sub}.${n}`,
      idToken: `id.${sub}.${n}`,
      refreshToken: `rt.${sub}.${n}`,
      tokenType: "Bearer",
      expiresIn: this.expiresIn,
    };
    const transmitSession = session ?? `ts.${sub}.${n}`;
    this.refreshTokens.set(out.refreshToken as string, transmitSession);
    if (!session) out.sessionId = transmitSession;
    return out;
  }

  readonly passwords: LoginClient["passwords"] = {
    authenticate: async (input, options) => {
      this.record("authenticate", [input, options]);
      if (this.authenticateDelayMs) await new Promise((r) => setTimeout(r, this.authenticateDelayMs));
      if (this.users[input.username] !== input.password) throw upstream("invalid_credentials");
      return this.makeTokens(input.username, undefined);
    },
    reset: async (input, options) => {
      this.record("reset", [input, options]);
      const user = input.resetToken.replace(/^reset-/, "");
      this.users[user] = input.newPassword;
      return { message: "Password changed successfully" };
    },
  };

  readonly sessions: LoginClient["sessions"] = {
    logout: async (sessionId, options) => {
      this.record("logout", [sessionId, options]);
      this.loggedOut.add(sessionId);
    },
  };

  readonly tokens: LoginClient["tokens"] = {
    refresh: async (refreshToken, options) => {
      this.record("refresh", [refreshToken, options]);
      if (this.refreshDelayMs) await new Promise((r) => setTimeout(r, this.refreshDelayMs));
      const session = this.refreshTokens.get(refreshToken);
      if (!session || this.loggedOut.has(session)) throw upstream("token_invalid");
      this.refreshTokens.delete(refreshToken); // rotated: single use
      return this.makeTokens(refreshToken.split(".")[1] ?? "x", session);
    },
    verifyIdToken: async (jwt, options): Promise<VerifiedClaims> => {
      this.record("verifyIdToken", [jwt, options]);
      const [kind, sub] = jwt.split(".");
      if (kind !== "id" || !sub) throw upstream("token_invalid");
      return { sub: `user-${sub}`, email: `${sub}@example.com`, iss: "https://eu.userid.security", nonce: "drop-me" };
    },
    verifyAccessToken: async (jwt, options?: CallOptions): Promise<VerifiedClaims> => {
      this.record("verifyAccessToken", [jwt, options]);
      const [kind, sub] = jwt.split(".");
      if (kind !== "at" || !sub) throw upstream("token_invalid");
      return {
        sub: `user-${sub}`,
        client_id: CLIENT_ID,
        tid: TENANT_ID,
        aud: "userid-api",
        exp: Math.floor(START / 1000) + 3600,
      };
    },
  };
}

/** A revocation store shared by every store object given it (what a database or a Durable Object would be). */
export function sharedRevocations(): RevocationStore & { ids: Set<string> } {
  const ids = new Set<string>();
  return { ids, has: (id) => ids.has(id), add: (id) => void ids.add(id) };
}

export interface Setup {
  app: Hono;
  auth: TransmitAuth;
  fake: FakeClient;
  clock: { t: number };
  now: () => number;
  events: AuthEvent[];
  sessions: SessionStore;
  limiter: Limiter;
}

export interface SetupOptions {
  store?: "memory" | "cookie";
  /** Options of the instance, over the test defaults. */
  auth?: Partial<TransmitAuthOptions>;
  guard?: GuardOptions;
  limits?: { ip?: number; account?: number };
}

/** An app with one instance: its routes at `/auth` and its guard on `/api/*` (`/api/me` answers the user). */
export function setup(options: SetupOptions = {}): Setup {
  const clock = { t: START };
  const now = () => clock.t;
  const fake = new FakeClient();
  const sessions =
    options.store === "cookie"
      ? cookieSessionStore({ secrets: [SECRET], revocations: sharedRevocations() })
      : memorySessionStore({ now });
  const limiter = memoryLimiter({
    now,
    ip: { limit: options.limits?.ip ?? 50, windowMs: 60_000 },
    account: { limit: options.limits?.account ?? 4, windowMs: 3_600_000 },
  });
  const events: AuthEvent[] = [];
  const auth = transmitAuth({
    client: fake,
    sessions,
    limiter,
    userKeySecret: SECRET,
    now,
    ip: "cf-connecting-ip",
    shareInFlight: true,
    onEvent: (e) => {
      events.push(e);
    },
    ...options.auth,
  });
  const app = new Hono();
  app.route("/auth", auth.routes());
  app.use("/api/*", auth.guard(options.guard));
  app.get("/api/me", (c) => c.json({ userId: c.var.session.userId, region: c.var.session.region }));
  return { app, auth, fake, clock, now, events, sessions, limiter };
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
export function optionsOf(call: Call | undefined): { timeoutMs?: number; audience?: string | string[] } | undefined {
  return call?.args[1] as { timeoutMs?: number; audience?: string | string[] } | undefined;
}

/** A browser's cookie jar: kept from each answer's `Set-Cookie` in order; `Max-Age=0` or an empty value deletes. */
export class Jar {
  readonly values = new Map<string, string>();
  take(res: Response): Response {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (/max-age=0(;|$)/i.test(line) || value === "") this.values.delete(name);
      else this.values.set(name, value);
    }
    return res;
  }
  get header(): string {
    return [...this.values].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  get(name: string): string | undefined {
    return this.values.get(name);
  }
  /** A jar with only the cookie `name` (when this one holds it). */
  only(name: string): Jar {
    const j = new Jar();
    const v = this.values.get(name);
    if (v !== undefined) j.values.set(name, v);
    return j;
  }
}
