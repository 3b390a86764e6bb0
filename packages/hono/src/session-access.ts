/**
 * Reading the session a request carries, for the guard, `auth.session(c)` and the session routes alike: expiry,
 * the idle-timeout touch, the token refresh ahead of expiry, and the re-check with Transmit that bounds the life of
 * a value a store cannot revoke everywhere. Refreshes of one session share one upstream call within an instance.
 */
import type { TokenSet } from "@transmit-edge/core";
import type { Context } from "hono";
import { type ClientSource, resolveClient } from "./client-source.ts";
import type { SessionCookies } from "./cookies.ts";
import { isRefusal } from "./problem.ts";
import { type SessionRecord, type SessionStore, seconds, usable, withTokens } from "./session-record.ts";

/** Tags an event carries for a known session. */
export interface SessionTags {
  userKey?: string;
  region?: string;
}

/** The request's session, ready to use. */
export interface Current {
  ok: true;
  store: SessionStore;
  /** The cookie value to use from now on. */
  value: string;
  record: SessionRecord;
  /** Whether the cookie value changed (send the new one). */
  changed: boolean;
  /** Whether the tokens were refreshed for this request. */
  refreshed: boolean;
}

/** No usable session. `ended`: the instance ended it (Transmit refused it), so the cookie should be cleared. */
export interface Denied {
  ok: false;
  reason: "no_cookie" | "no_session" | "refresh_rejected" | "no_refresh_token";
  ended: boolean;
  tags: SessionTags;
}

/** The session could not be read or confirmed (store misconfigured, Transmit failing): `error` explains. */
export interface Failed {
  ok: false;
  error: unknown;
  tags: SessionTags;
}

/** Settings of the session reader. */
export interface AccessSettings {
  client: ClientSource | undefined;
  stores: (c: Context) => SessionStore;
  cookies: SessionCookies;
  now: () => number;
  /** Refresh when the access token expires within this many seconds. */
  refreshBefore: number;
  /** Write `lastSeenAt` at most this often, in seconds. */
  touchInterval: number;
  keepAccessToken: boolean;
  timeoutMs: number | undefined;
  /** Let concurrent refreshes of one session await one pending call (never on Workers). */
  shareInFlight: boolean;
}

interface Renewed {
  value: string;
  record: SessionRecord;
}

/** How long a finished refresh answers for the refresh token it replaced (requests sent with the old cookie). */
const RECENT_MS = 30_000;
const MAX_RECENT = 1000;

/** Reads and maintains the sessions of one instance. */
export class SessionAccess {
  readonly #s: AccessSettings;
  // Refreshes of this instance, by record id and refresh token. Workers must not await a promise created by another
  // request, so there only finished results are shared (`#recent`); a consistent store catches the rest through the
  // re-read in `#renew`.
  readonly #inflight = new Map<string, Promise<Renewed | undefined>>();
  readonly #recent = new Map<string, { result: Renewed; until: number }>();

  constructor(settings: AccessSettings) {
    this.#s = settings;
  }

  /** The store for this request (throws when the store resolver does, e.g. a missing secret). */
  store(c: Context): SessionStore {
    return this.#s.stores(c);
  }

  /**
   * The request's session. `force` refreshes the tokens now (`POST /refresh`), and a failure to do so is final;
   * otherwise a refresh that fails while the access token is still valid and no re-check is due leaves the session
   * as it was (a concurrent request elsewhere may have rotated the refresh token).
   */
  async current(c: Context, force = false): Promise<Current | Denied | Failed> {
    let store: SessionStore;
    try {
      store = this.#s.stores(c);
    } catch (error) {
      return { ok: false, error, tags: {} };
    }
    const value = this.#s.cookies.read(c, "session");
    if (!value) return { ok: false, reason: "no_cookie", ended: false, tags: {} };
    const found = await store.get(value).catch(() => undefined);
    const t = seconds(this.#s.now);
    if (!found || !usable(found, "session", t)) return { ok: false, reason: "no_session", ended: false, tags: {} };
    const record: SessionRecord = found;
    const tags: SessionTags = {};
    if (record.userKey !== undefined) tags.userKey = record.userKey;
    if (record.region !== undefined) tags.region = record.region;

    const recheckDue =
      store.recheckAfter !== undefined && t >= (record.checkedAt ?? record.createdAt) + store.recheckAfter;
    const accessEnds = record.accessTokenExpiresAt ?? Number.POSITIVE_INFINITY;
    const refreshDue = !!record.refreshToken && !!this.#s.client && accessEnds - t <= this.#s.refreshBefore;
    if (force || recheckDue || refreshDue) {
      if (!record.refreshToken || !this.#s.client) {
        // Nothing to confirm the session with: it ends here.
        await store.delete(value).catch(() => {});
        return { ok: false, reason: "no_refresh_token", ended: true, tags };
      }
      try {
        const done = await this.#shared(c, store, value, { ...record, lastSeenAt: t });
        // Logged out while the refresh ran: the store kept nothing, and neither do we.
        if (!done) return { ok: false, reason: "no_session", ended: true, tags };
        return {
          ok: true,
          store,
          value: done.value,
          record: done.record,
          changed: done.value !== value,
          refreshed: true,
        };
      } catch (error) {
        const final = force || recheckDue || accessEnds <= t;
        if (final && isRefusal(error)) {
          // Transmit refused the session (logged out, revoked, expired): so do we.
          await store.delete(value).catch(() => {});
          return { ok: false, reason: "refresh_rejected", ended: true, tags };
        }
        if (final) return { ok: false, error, tags };
      }
    }
    if (t - record.lastSeenAt < this.#s.touchInterval) {
      return { ok: true, store, value, record, changed: false, refreshed: false };
    }
    const touched = { ...record, lastSeenAt: t };
    const next = await store.set(value, touched);
    return { ok: true, store, value: next, record: touched, changed: next !== value, refreshed: false };
  }

  /** One refresh per session and refresh token at a time; callers with the replaced token get the fresh result. */
  #shared(c: Context, store: SessionStore, value: string, record: SessionRecord): Promise<Renewed | undefined> {
    const key = `${record.id}\u0000${record.refreshToken ?? ""}`;
    const t = this.#s.now();
    const done = this.#recent.get(key);
    if (done && done.until > t) return Promise.resolve(done.result);
    if (this.#s.shareInFlight) {
      const running = this.#inflight.get(key);
      if (running) return running;
    }
    const started = this.#renew(c, store, value, record).then((result) => {
      if (result) this.#remember(key, result);
      return result;
    });
    if (!this.#s.shareInFlight) return started;
    const tracked = started.finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, tracked);
    return tracked;
  }

  /** Forgets finished refreshes of a record (it was logged out: a replayed older cookie must not get them). */
  forget(recordId: string): void {
    for (const key of this.#recent.keys()) if (key.startsWith(`${recordId}\u0000`)) this.#recent.delete(key);
  }

  #remember(key: string, result: Renewed): void {
    const t = this.#s.now();
    if (this.#recent.size >= MAX_RECENT) {
      for (const [k, v] of this.#recent) if (v.until <= t) this.#recent.delete(k);
      if (this.#recent.size >= MAX_RECENT) this.#recent.delete(this.#recent.keys().next().value as string);
    }
    this.#recent.set(key, { result, until: t + RECENT_MS });
  }

  /**
   * Rotates the tokens with `tokens.refresh` in the session's own region; through the store's `refresh` when it
   * has one (one rotation per session across instances). `undefined`: the record was deleted meanwhile.
   */
  async #renew(c: Context, store: SessionStore, value: string, record: SessionRecord): Promise<Renewed | undefined> {
    const { client } = await resolveClient(this.#s.client as ClientSource, c, record.region);
    const options = this.#s.timeoutMs === undefined ? undefined : { timeoutMs: this.#s.timeoutMs };
    if (store.refresh) {
      const rotate = async () =>
        withTokens(
          record,
          await client.tokens.refresh(record.refreshToken as string, options),
          seconds(this.#s.now),
          this.#s.keepAccessToken,
        );
      const next = await store.refresh(value, record, rotate);
      return next ? { value, record: next } : undefined;
    }
    let tokens: TokenSet;
    try {
      tokens = await client.tokens.refresh(record.refreshToken as string, options);
    } catch (e) {
      // Another instance may have rotated the token first: use its result when a consistent store has it.
      const latest = await store.get(value).catch(() => undefined);
      if (latest && latest.refreshToken !== record.refreshToken && usable(latest, "session", seconds(this.#s.now))) {
        return { value, record: latest };
      }
      throw e;
    }
    const next = withTokens(record, tokens, seconds(this.#s.now), this.#s.keepAccessToken);
    return { value: await store.set(value, next), record: next };
  }
}
