/**
 * Public types of the package: the subset of the core client the router calls, session records and stores,
 * limiters and auth events. Stores and limiters are interfaces so a deployment can bring its own (the Worker uses
 * Durable Objects).
 */
import type { Context } from "hono";

/**
 * Tokens as returned by the core client (`TokenSet` of `@transmit-edge/core`).
 *
 * @example
 * ```ts
 * const tokens: TokenSetLike = await client.passwords.authenticate({ username, password });
 * ```
 */
export interface TokenSetLike {
  accessToken: string;
  idToken?: string;
  refreshToken?: string;
  tokenType?: string;
  expiresIn: number;
  sessionId?: string;
}

/**
 * Claims of a verified JWT.
 *
 * @example
 * ```ts
 * const claims: Claims = await client.tokens.verifyIdToken(idToken);
 * ```
 */
export type Claims = Record<string, unknown>;

/** OIDC claims request sent to Transmit with the login, e.g. `{ id_token: { email: null, roles: null } }`. */
export type ClaimsRequest = Record<string, Record<string, unknown> | null>;

/**
 * Per-call options the core client accepts as the last argument.
 *
 * @example
 * ```ts
 * await client.tokens.refresh(refreshToken, { timeoutMs: 3000 } satisfies CallOptions);
 * ```
 */
export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * The part of `@transmit-edge/core`'s `TransmitClient` that the router and guard call. A client made by
 * `createTransmitClient` satisfies it; tests can pass a fake.
 *
 * @example
 * ```ts
 * import { createTransmitClient } from "@transmit-edge/core";
 * const client: LoginClient = createTransmitClient({ region: "eu", clientId, clientSecret });
 * ```
 */
export interface LoginClient {
  passwords: {
    authenticate(
      input: {
        username: string;
        password: string;
        clientAttributes?: { ipAddress?: string; userAgent?: string };
        claims?: ClaimsRequest;
      },
      options?: CallOptions,
    ): Promise<TokenSetLike>;
    reset(input: { resetToken: string; newPassword: string }, options?: CallOptions): Promise<unknown>;
  };
  sessions: {
    logout(sessionId: string, options?: CallOptions): Promise<unknown>;
  };
  tokens: {
    refresh(refreshToken: string, options?: CallOptions): Promise<TokenSetLike>;
    verifyIdToken(jwt: string, options?: CallOptions): Promise<Claims>;
    verifyAccessToken(jwt: string, options?: CallOptions & { audience?: string | string[] }): Promise<Claims>;
  };
}

/**
 * A client together with the region it talks to (stored in the session for later calls).
 *
 * @example
 * ```ts
 * passwordLogin({ client: (c, region) => ({ client: clients[region ?? "eu"], region: region ?? "eu" }), sessions });
 * ```
 */
export interface RegionalClient {
  client: LoginClient;
  region: string;
}

/**
 * Where the router gets its Transmit client: one client, or a function of the request (and, for calls on an
 * existing session, the region stored in that session). Return `{ client, region }` to record the region.
 *
 * @example
 * ```ts
 * const client: ClientSource = (c, region) => clients[region ?? pickRegion(c)];
 * ```
 */
export type ClientSource =
  | LoginClient
  | ((c: Context, region?: string) => LoginClient | RegionalClient | Promise<LoginClient | RegionalClient>);

/**
 * What a store keeps for one signed-in user, or for a pending forced password change (`kind: "pending"`).
 * Times are seconds since the epoch. Tokens stay server-side (or sealed inside an encrypted cookie).
 *
 * @example
 * ```ts
 * const record = await sessions.get(cookieValue);
 * if (record?.kind === "session") console.log(record.userId, record.region);
 * ```
 */
export interface SessionRecord {
  /** `"session"` for a signed-in user, `"pending"` for a password change waiting for the new password. */
  kind: "session" | "pending";
  /** Random id (128 bits or more), never shown to the browser in clear; keys single-flight refresh. */
  id: string;
  /** Transmit user id (`sub`). */
  userId?: string;
  /** Keyed hash of the normalised username (for events and throttling). */
  userKey?: string;
  /** Region of the Transmit client that issued the session. */
  region?: string;
  /** Selected claims of the verified ID token. */
  claims?: Claims;
  /** User access token, when kept. */
  accessToken?: string;
  /** Expiry of the access token. */
  accessTokenExpiresAt?: number;
  /** Refresh token (rotates). */
  refreshToken?: string;
  /** Transmit backend session id, for logout. */
  transmitSessionId?: string;
  /** Pending password change only: the reset token, never sent to the browser. */
  resetToken?: string;
  /** Pending password change only: the username, to sign in with the new password. */
  username?: string;
  /** Creation time. */
  createdAt: number;
  /** Last time the record was used (for the idle timeout). */
  lastSeenAt: number;
  /** Absolute expiry. */
  expiresAt: number;
  /** Idle timeout in seconds. */
  idleTimeout: number;
}

/**
 * Storage for session records. The value a store returns is the cookie value: an opaque handle (server-side
 * stores) or the sealed record itself (stateless stores). Implementations must return `undefined` for unknown,
 * malformed or tampered values and never throw for them.
 *
 * @example
 * ```ts
 * const sessions: SessionStore = {
 *   async create(record) { const id = newId(); await db.put(id, record); return id; },
 *   async get(value) { return db.get(value); },
 *   async set(value, record) { await db.put(value, record); return value; },
 *   async delete(value) { await db.delete(value); },
 * };
 * ```
 */
export interface SessionStore {
  /** Stores a new record and returns a new cookie value (never one seen before). */
  create(record: SessionRecord): Promise<string>;
  /** Returns the record for a cookie value, or `undefined`. Expiry is checked by the caller as well. */
  get(value: string): Promise<SessionRecord | undefined>;
  /** Replaces the record; returns the cookie value to send from now on (may be unchanged). */
  set(value: string, record: SessionRecord): Promise<string>;
  /** Deletes the record; afterwards `get(value)` returns `undefined`. */
  delete(value: string): Promise<void>;
}

/**
 * Which counter a limiter call is about.
 *
 * @example
 * ```ts
 * await limiter.hit({ scope: "ip", key: "192.0.2.1" });
 * ```
 */
export interface LimitKey {
  /** `"ip"`: every attempt from one client IP; `"account"`: attempts since the last success for one keyed-hash username. */
  scope: "ip" | "account";
  /** The IP address or keyed hash. */
  key: string;
}

/**
 * Result of a limiter call.
 *
 * @example
 * ```ts
 * const { allowed, retryAfter } = await limiter.check({ scope: "account", key: userKey });
 * ```
 */
export interface LimitResult {
  /** Whether another attempt may go ahead. */
  allowed: boolean;
  /** Seconds until an attempt is allowed again (when not allowed). */
  retryAfter?: number;
}

/**
 * Attempt counters. The router calls `hit` for every attempt in scope `ip`, `hit` before every upstream password
 * check in scope `account` (counting and deciding in one step, so concurrent guesses cannot all slip past a check),
 * `release` when that check got no verdict (upstream fault) and `reset` after a successful login. `hit` must not
 * count an attempt it refuses. `check` only reads.
 *
 * @example
 * ```ts
 * const limiter: Limiter = { check: async () => ({ allowed: true }), hit: async () => ({ allowed: true }) };
 * ```
 */
export interface Limiter {
  /** Whether another attempt is allowed, without counting one. */
  check(key: LimitKey): Promise<LimitResult>;
  /** Counts one attempt and returns whether it (the attempt just counted) is allowed. */
  hit(key: LimitKey): Promise<LimitResult>;
  /** Forgets the key's attempts. */
  reset?(key: LimitKey): Promise<void>;
  /**
   * Takes back one attempt counted by `hit` that got no verdict (Transmit failed or timed out: the caller learnt
   * nothing). Without it such attempts stay counted.
   */
  release?(key: LimitKey): Promise<void>;
}

/**
 * Kind of auth decision an {@link AuthEvent} reports.
 *
 * @example
 * ```ts
 * passwordLogin({ client, sessions, onEvent: (e) => { if (e.type === "login") metrics.count(e.outcome); } });
 * ```
 */
export type AuthEventType = "login" | "logout" | "refresh" | "session" | "password_change" | "guard";

/**
 * One structured event per auth decision. Never holds a password, token, session id, reset token or username.
 *
 * @example
 * ```ts
 * passwordLogin({ client, sessions, onEvent: (e: AuthEvent) => console.log(JSON.stringify(e)) });
 * ```
 */
export interface AuthEvent {
  type: AuthEventType;
  /** `success`, `failure` (rejected by policy or credentials), `throttled` or `error` (upstream or config). */
  outcome: "success" | "failure" | "throttled" | "error";
  /** Stable reason code, e.g. `invalid_credentials`, `csrf`, `timeout`. */
  reason?: string;
  /** HTTP status of the response. */
  status: number;
  /** Keyed hash of the normalised username, when known. */
  userKey?: string;
  /** Region of the Transmit client involved. */
  region?: string;
  /** Request id (Hono's `requestId` variable when set, else a random id). */
  requestId: string;
  /** ISO 8601 time of the decision. */
  time: string;
  /** For `configuration` errors: which setting is missing or invalid (never a value). */
  detail?: string;
}

/**
 * Receives auth events. Errors it throws are ignored.
 *
 * @example
 * ```ts
 * const sink: EventSink = (event) => { queue.push(event); };
 * ```
 */
export type EventSink = (event: AuthEvent) => void | Promise<void>;

/**
 * The signed-in user, as `c.var.session`.
 *
 * @example
 * ```ts
 * app.get("/api/me", (c) => c.json({ user: c.var.session.userId, region: c.var.session.region }));
 * ```
 */
export interface Session {
  /** Transmit user id (`sub`). */
  userId: string;
  /** Selected claims of the verified ID token (or of the access token for bearer requests). */
  claims: Claims;
  /** Region of the Transmit tenant that issued the session. */
  region?: string;
  /** Absolute expiry of the session (seconds since the epoch). */
  expiresAt?: number;
  /** The user access token, for calls to your own APIs (server-side only). */
  accessToken?: string;
  /** How the request was authenticated. */
  source: "cookie" | "bearer";
}

declare module "hono" {
  interface ContextVariableMap {
    /** Set by `requireSession`. */
    session: Session;
  }
}
