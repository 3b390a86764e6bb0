/**
 * Session records and their stores, the signed-in user as handlers see it, and the pure rules on records: expiry,
 * the public view, the kept claims and putting fresh tokens in.
 */
import type { TokenSet } from "@transmit-edge/core";

/**
 * What a store keeps for one signed-in user, or for a pending forced password change (`kind: "pending"`).
 * Times are seconds since the epoch. Tokens stay server-side (or sealed inside an encrypted cookie).
 */
export interface SessionRecord {
  /**
   * `"session"` for a signed-in user, `"pending"` for a password change waiting for the new password, `"mfa"` for a
   * correct password (or a session stepping up) waiting for the second factor: never a session.
   */
  kind: "session" | "pending" | "mfa";
  /** Random id (128 bits or more), never shown to the browser in clear; keys refresh sharing and revocation. */
  id: string;
  /** Transmit user id (`sub`). */
  userId?: string;
  /** Keyed hash of the normalised username (for events and throttling). */
  userKey?: string;
  /**
   * Keyed hash of the username exactly as typed: the account the browser's device cookie entries are for (a session
   * and a pending second factor; none with device cookies off).
   */
  deviceKey?: string;
  /** Region of the Transmit client that issued the session. */
  region?: string;
  /** Selected claims of the verified ID token. */
  claims?: Record<string, unknown>;
  /** User access token, when kept. */
  accessToken?: string;
  /** Expiry of the access token. */
  accessTokenExpiresAt?: number;
  /** Refresh token (rotates). */
  refreshToken?: string;
  /** Transmit backend session id, for logout. */
  transmitSessionId?: string;
  /** Last time Transmit confirmed the session (the login, or a refresh). */
  checkedAt?: number;
  /** Pending password change only: the reset token, never sent to the browser. */
  resetToken?: string;
  /** Pending password change only: the username, to sign in with the new password. */
  username?: string;
  /** Authentication methods of the verified ID token (`amr`: `pwd`, `eotp`, `sms`, `mfa`, ...). */
  amr?: string[];
  /** Pending second factor only: the methods offered, wrong codes so far, codes sent and when the last one was. */
  methods?: string[];
  attempts?: number;
  sends?: number;
  sentAt?: number;
  /** Pending second factor only: where to go afterwards (a validated local path). */
  returnTo?: string;
  /**
   * Pending second factor only: the password just changed (a forced change), so the session it starts ends the
   * user's other sessions again, keeping itself (the change already ended them, keeping this pending record).
   */
  afterChange?: boolean;
  /** `"reset"`: a pending record of a reset email's link (account-routes.ts), never a forced change's. */
  purpose?: "reset";
  /** Short summary of the browser and system that signed in ("Firefox on Windows"), for the list of sessions. */
  device?: string;
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
 * A store whose `delete` does not hold everywhere at once (a sealed cookie without a shared revocation store) says
 * so with `recheckAfter`: the instance then confirms each session with Transmit (a token refresh, which fails once
 * Transmit's session is logged out) whenever that many seconds have passed since the last confirmation, and ends
 * the session when Transmit refuses.
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
  /** Replaces the record; returns the cookie value to send from now on (may be unchanged). Never recreates a deleted record. */
  set(value: string, record: SessionRecord): Promise<string>;
  /** Deletes the record; afterwards `get(value)` returns `undefined`, everywhere unless `recheckAfter` is set. */
  delete(value: string): Promise<void>;
  /** Seconds after which a record must be confirmed with Transmit again; unset for stores whose delete is global. */
  readonly recheckAfter?: number;
  /**
   * Optional: one refresh per session across every instance. `rotate` spends `record.refreshToken` with Transmit and
   * returns the record with the new tokens. The store runs it for one caller at a time per refresh token, and keeps
   * its result only while the record still exists; callers that come while it runs, or with a refresh token already
   * spent, get the stored record instead of spending the token again. Resolves to `undefined` when the record is
   * gone (logged out meanwhile); rejects with what `rotate` threw, or (for a caller that waited) with an error when
   * the rotation it waited for failed. Without it, refreshes are shared within one instance only, and parallel
   * requests on several instances (Workers isolates) each spend the same refresh token.
   */
  refresh?(
    value: string,
    record: SessionRecord,
    rotate: () => Promise<SessionRecord>,
  ): Promise<SessionRecord | undefined>;
  /**
   * Optional: the user's live sessions (`kind: "session"`), for `GET /sessions`. `region`: the user's Transmit region
   * when known (a store may keep one index per region). Without it the list shows the current session only.
   */
  listUser?(userId: string, region?: string): Promise<SessionSummary[]>;
  /**
   * Optional: ends the user's sessions (all, `only` one, or all `except` one), for `POST /logout-all`,
   * `POST /sessions/end` and after a credential change. Resolves with the sessions it ended (their Transmit session
   * ids, for Transmit's logout) and how many it could not end. Without it only the current session can be ended.
   */
  endUser?(userId: string, options: EndUserOptions): Promise<EndedSessions>;
}

/** One of a user's sessions as a store lists it: no tokens, nothing a browser could present. */
export interface SessionSummary {
  /** The record id: server-side only (the routes show a hash of it). */
  id: string;
  region?: string;
  device?: string;
  createdAt: number;
  /** Last use, as precise as the store keeps it (at least every touch interval). */
  lastSeenAt: number;
  /** The Transmit session id, on sessions `endUser` ended (for Transmit's logout). */
  transmitSessionId?: string;
}

/** Which of a user's sessions {@link SessionStore.endUser} ends. */
export interface EndUserOptions {
  /** Only the session with this record id. */
  only?: string;
  /** Every session but the one with this record id (the session started with a new password). */
  except?: string;
  /** The user's Transmit region, when known. */
  region?: string;
  /** Now, in seconds: a store that revokes by time revokes every session created up to then. */
  at: number;
  /** Seconds since the epoch after which every session that exists now has expired (how long a mark must last). */
  until: number;
}

/** What {@link SessionStore.endUser} did. */
export interface EndedSessions {
  ended: SessionSummary[];
  /** Sessions that could not be ended (a store failure): they stay listed, so a retry finds them. */
  failed: number;
}

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
  claims: Record<string, unknown>;
  /** Region of the Transmit tenant that issued the session. */
  region?: string;
  /** Absolute expiry of the session (seconds since the epoch). */
  expiresAt?: number;
  /** The user access token, for calls to your own APIs (server-side only). */
  accessToken?: string;
  /** How the request was authenticated. */
  source: "cookie" | "bearer";
  /**
   * Authentication methods (`amr`) of the verified ID token (or bearer token): `mfa` after a second factor. Check it
   * with `auth.guard({ require: "mfa" })`.
   */
  amr?: string[];
}

declare module "hono" {
  interface ContextVariableMap {
    /** Set by the guard (`auth.guard()`, `requireSession`). */
    session: Session;
  }
}

/** Claims kept from the ID token by default: identity and authentication facts, nothing bulky. */
export const DEFAULT_CLAIMS: readonly string[] = [
  "sub",
  "email",
  "email_verified",
  "phone_number",
  "phone_number_verified",
  "name",
  "given_name",
  "family_name",
  "preferred_username",
  "username",
  "locale",
  "roles",
  "groups",
  "amr",
  "auth_time",
];

/** Seconds since the epoch. */
export const seconds = (now: () => number): number => Math.floor(now() / 1000);

/** Whether a record of `kind` may be used at `t` (absolute and idle expiry). */
export function usable(record: SessionRecord | undefined, kind: SessionRecord["kind"], t: number): boolean {
  return (
    !!record &&
    record.kind === kind &&
    typeof record.expiresAt === "number" &&
    record.expiresAt > t &&
    record.lastSeenAt + record.idleTimeout > t
  );
}

/** Copies the allowed claims (own properties only). */
export function keepClaims(claims: Record<string, unknown>, allowed: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of allowed) {
    if (Object.hasOwn(claims, name) && claims[name] !== undefined) out[name] = claims[name];
  }
  return out;
}

/** The JSON a client sees for a session: no tokens, no session id. */
export function publicView(record: SessionRecord): Record<string, unknown> {
  return {
    userId: record.userId,
    claims: record.claims ?? {},
    region: record.region,
    expiresAt: record.expiresAt,
    idleExpiresAt: record.lastSeenAt + record.idleTimeout,
  };
}

/** The listed fields of a record (no tokens, no Transmit session id). */
export function summaryOf(r: SessionRecord): SessionSummary {
  const s: SessionSummary = { id: r.id, createdAt: r.createdAt, lastSeenAt: r.lastSeenAt };
  if (r.region !== undefined) s.region = r.region;
  if (r.device !== undefined) s.device = r.device;
  return s;
}

/** `c.var.session` for a cookie session. */
export function sessionOf(record: SessionRecord): Session {
  const session: Session = {
    userId: record.userId ?? "",
    claims: record.claims ?? {},
    expiresAt: record.expiresAt,
    source: "cookie",
  };
  if (record.region !== undefined) session.region = record.region;
  if (record.accessToken !== undefined) session.accessToken = record.accessToken;
  if (record.amr) session.amr = record.amr;
  return session;
}

/**
 * Puts fresh tokens into a record, confirmed by Transmit at `t` (the refresh token rotates; the old one stays when
 * none came back).
 */
export function withTokens(record: SessionRecord, tokens: TokenSet, t: number, keepAccess: boolean): SessionRecord {
  const next: SessionRecord = {
    ...record,
    accessTokenExpiresAt: t + Math.max(0, Number(tokens.expiresIn) || 0),
    checkedAt: t,
  };
  if (keepAccess) next.accessToken = tokens.accessToken;
  else delete next.accessToken;
  if (tokens.refreshToken) next.refreshToken = tokens.refreshToken;
  if (tokens.sessionId) next.transmitSessionId = tokens.sessionId;
  return next;
}

/** The `amr` claim as a list of strings (at most 16, each at most 32 characters); `undefined` without one. */
export function amrOf(claims: Record<string, unknown>): string[] | undefined {
  const amr = claims.amr;
  if (!Array.isArray(amr)) return undefined;
  return amr.filter((m): m is string => typeof m === "string" && m.length <= 32).slice(0, 16);
}
