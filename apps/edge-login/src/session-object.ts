import { DurableObject } from "cloudflare:workers";
import { TransmitError } from "@transmit-edge/core";
import type { SessionRecord, SessionStore, SessionSummary } from "@transmit-edge/hono";
import { jurisdictionOf, jurisdictionOfId, placed, withJurisdiction } from "./residency.ts";
import type { IndexEntry, SessionIndex } from "./session-index.ts";

const RECORD = "record";
const LINK = "index";

/**
 * Where a session is listed: its user's {@link SessionIndex} and the session object's own id, both as
 * `DurableObjectId` strings (an id carries its jurisdiction; the top-level namespace accepts it: docs/regions.md).
 */
export interface IndexLink {
  index: string;
  object: string;
}

/** What a caller of {@link SessionObject.beginRefresh} is to do. */
export type RefreshTurn =
  /** Spend the refresh token now, then call `endRefresh`. */
  | { turn: "yours" }
  /** Already rotated (by another request): use this record. */
  | { turn: "done"; record: SessionRecord }
  /** The session is gone (logged out, expired). */
  | { turn: "gone" }
  /** The rotation this caller waited for failed: do not spend the token again. */
  | { turn: "failed" };

interface Rotation {
  token: string;
  until: number;
  done: Promise<void>;
  finish: () => void;
}

/**
 * One Durable Object per session: strongly consistent reads of its own writes (checklist C07), revocable at once,
 * and cleaned up by an alarm at the record's idle or absolute expiry, whichever comes first.
 *
 * Writes are conditional, inside the object (one call at a time): `create` only into an empty object, `update` and
 * `endRefresh` only while the record exists. A request that read the record before a logout can therefore never
 * write it back afterwards (checklist C06). Refreshes are coordinated here too (checklist C11): one caller at a time
 * spends a refresh token; the others wait for its result instead of spending the same token again.
 */
export class SessionObject extends DurableObject {
  // The refresh in progress (memory only: an evicted object forgets it, and the conditional write still holds).
  #rotation: Rotation | undefined;
  // Set by remove(): a create still waiting for its index entry must not store its record afterwards.
  #ended = false;
  // The last `lastSeenAt` reported to the index.
  #reported = 0;

  /** Stores the record and sets the alarm at its end (every write of a record goes through here). */
  async #put(record: SessionRecord): Promise<void> {
    await this.ctx.storage.put(RECORD, record);
    await this.ctx.storage.setAlarm(endOf(record));
  }

  /** The stored record (undefined when absent). */
  #get(): Promise<SessionRecord | undefined> {
    return this.ctx.storage.get<SessionRecord>(RECORD);
  }

  #index(link: IndexLink): DurableObjectStub<SessionIndex> {
    const ns = (this.env as Env).USER_SESSIONS;
    return ns.get(ns.idFromString(link.index));
  }

  /** Tells the index when the session was last used (each touch: at most once per touch interval). */
  async #seen(record: SessionRecord): Promise<void> {
    if (record.lastSeenAt <= this.#reported) return;
    const link = await this.ctx.storage.get<IndexLink>(LINK);
    if (!link) return;
    this.#reported = record.lastSeenAt;
    await this.#index(link)
      .seen(record.id, record.lastSeenAt)
      .catch(() => {});
  }

  /** The record, or null when absent or expired at `nowMs` (an expired record is deleted on the spot). */
  async read(nowMs: number): Promise<SessionRecord | null> {
    const record = await this.#get();
    if (!record) return null;
    if (nowMs >= endOf(record)) {
      await this.remove();
      return null;
    }
    return record;
  }

  /**
   * {@link read}, sliding the idle deadline inside the same call when `lastSeenAt` is `touchAfter` seconds old or
   * older: a guarded request makes one round trip, never a read and then a write (the router's own touch then finds
   * the record fresh).
   */
  async readFresh(nowMs: number, touchAfter: number): Promise<SessionRecord | null> {
    const record = await this.read(nowMs);
    if (!record) return null;
    const t = Math.floor(nowMs / 1000);
    if (record.kind !== "session" || t - record.lastSeenAt < touchAfter) return record;
    const touched = { ...record, lastSeenAt: t };
    await this.#put(touched);
    await this.#seen(touched);
    return touched;
  }

  /**
   * Stores a new session; false (and nothing written) when this object ever held one. With `link`, the session is
   * added to its user's index first (object to object, before the Worker answers): a "sign out everywhere" that
   * lists the index after this login answered always finds it, and one that runs while this call waits finds it too,
   * and its `remove` makes this call store nothing (the login then fails rather than outlive the sign-out).
   */
  async create(record: SessionRecord, link?: IndexLink): Promise<boolean> {
    if ((await this.#get()) !== undefined) return false;
    if (link) {
      const index = this.#index(link);
      await index.add(entryOf(record, link.object));
      if (this.#ended) {
        await index.drop(record.id).catch(() => {});
        return false;
      }
      await this.ctx.storage.put(LINK, link);
    }
    await this.#put(record);
    return true;
  }

  /**
   * Replaces the record of a live session (the idle-timeout touch); false when it is gone: a late write never brings
   * a deleted session back. Tokens change only through `endRefresh`: when they differ from the stored ones (a
   * refresh won meanwhile), only the later `lastSeenAt` is taken.
   */
  async update(record: SessionRecord): Promise<boolean> {
    const current = await this.#get();
    if (!current || current.id !== record.id) return false;
    const next =
      current.refreshToken === record.refreshToken
        ? record
        : { ...current, lastSeenAt: Math.max(current.lastSeenAt, record.lastSeenAt) };
    await this.#put(next);
    await this.#seen(next);
    return true;
  }

  /** Ends the session (logout, expiry, sign out everywhere) and drops it from its user's index; returns the record. */
  async remove(): Promise<SessionRecord | null> {
    const record = await this.#get();
    const link = await this.ctx.storage.get<IndexLink>(LINK);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#ended = true;
    // Callers waiting for a refresh wake up to find the session gone.
    this.#rotation?.finish();
    this.#rotation = undefined;
    // After the record is gone: an index entry that outlives a failed drop points at nothing (the list skips it).
    if (record && link)
      await this.#index(link)
        .drop(record.id)
        .catch(() => {});
    return record ?? null;
  }

  /**
   * Asks to spend `token`. The first caller gets the turn for at most `leaseMs`; callers that come meanwhile wait
   * here for its result (or the lease's end) and get the stored record, never a turn of their own with that token.
   */
  async beginRefresh(nowMs: number, token: string, leaseMs: number): Promise<RefreshTurn> {
    const record = await this.read(nowMs);
    if (!record) return { turn: "gone" };
    if (record.refreshToken !== token) return { turn: "done", record };
    const running = this.#rotation;
    if (running && running.token === token && running.until > Date.now()) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, running.until - Date.now());
      });
      await Promise.race([running.done, expired]);
      clearTimeout(timer);
      const after = await this.read(nowMs);
      if (!after) return { turn: "gone" };
      return after.refreshToken !== token ? { turn: "done", record: after } : { turn: "failed" };
    }
    let finish = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    this.#rotation = { token, until: Date.now() + leaseMs, done, finish };
    return { turn: "yours" };
  }

  /**
   * Ends the turn on `token`: stores `next` only while the session still exists with that token (never after a
   * logout, never over another rotation), then wakes the callers waiting. `null`: the rotation failed.
   */
  async endRefresh(token: string, next: SessionRecord | null): Promise<boolean> {
    let stored = false;
    const current = await this.#get();
    if (next && current && current.id === next.id && current.refreshToken === token) {
      await this.#put(next);
      stored = true;
    }
    const running = this.#rotation;
    if (running?.token === token) {
      this.#rotation = undefined;
      running.finish();
    }
    return stored;
  }

  override async alarm(): Promise<void> {
    const record = await this.#get();
    if (!record) return;
    // The idle deadline may have moved since the alarm was set (a write touches lastSeenAt).
    const end = endOf(record);
    if (Date.now() >= end) await this.remove();
    else await this.ctx.storage.setAlarm(end);
  }
}

/** The index entry of a new session. */
const entryOf = (
  { kind, id, region, device, createdAt, lastSeenAt, expiresAt }: SessionRecord,
  object: string,
): IndexEntry => ({
  id,
  object,
  region,
  device,
  createdAt,
  lastSeenAt,
  expiresAt,
  ...(kind === "mfa" ? { kind } : {}),
});

/** When a record stops being valid, in ms: its absolute expiry or its idle deadline, whichever is first. */
function endOf(record: SessionRecord): number {
  return Math.min(record.expiresAt, record.lastSeenAt + record.idleTimeout) * 1000;
}

const encoder = new TextEncoder();
/** A cookie value: a 256-bit random id, a dot, and a 128-bit MAC of the id (base64url). */
const VALUE_PATTERN = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{22})$/;

function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Object name for a session id: a SHA-256 of it, so the id itself (the cookie value, a bearer secret) never shows
 * up in Durable Object names, dashboards or logs (checklist C10).
 */
async function objectName(sessionId: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(sessionId));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Settings of {@link durableSessionStore}. */
export interface DurableSessionStoreOptions {
  /** Secret (>= 32 bytes) keying the MAC over session ids; forged ids are refused before any Durable Object call. */
  secret: string;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Longest time one refresh may hold a session's turn, in ms (the upstream deadline plus a margin). Default 15 s. */
  refreshLeaseMs?: number;
  /** Slide the idle deadline on reads when `lastSeenAt` is this many seconds old (the router's `touchInterval`). */
  touchAfter?: number;
  /** False only for local development (workerd has no jurisdictions): `ALLOW_NO_JURISDICTION=true`. */
  enforceJurisdictions?: boolean;
  /**
   * The per-user session indexes ({@link SessionIndex}): with it the store lists and ends a user's sessions
   * (`listUser`, `endUser`: sign out everywhere, the sessions page, ending other sessions after a password change).
   */
  index?: DurableObjectNamespace<SessionIndex>;
}

/**
 * The router's {@link SessionStore} on {@link SessionObject}s. Cookie values are a 256-bit random id from the
 * platform CSPRNG (checklist C02) with a MAC over it: a value that is malformed or not ours is refused before any
 * Durable Object call (checklist C05), so a flood of forged cookies costs no object lookups. A session of a region
 * with a jurisdiction (EU) is created in that jurisdiction, and its id says so (first character, residency.ts), so
 * later requests find the object without a lookup.
 */
export function durableSessionStore(
  namespace: DurableObjectNamespace<SessionObject>,
  options: DurableSessionStoreOptions,
): SessionStore {
  const now = options.now ?? Date.now;
  const leaseMs = options.refreshLeaseMs ?? 15_000;
  const touchAfter = options.touchAfter ?? Number.POSITIVE_INFINITY;
  let key: Promise<CryptoKey> | undefined;
  // Created on first use: workerd refuses crypto work at module scope. The message's prefix keeps this MAC apart
  // from every other use of the secret.
  const mac = async (purpose: string, id: string) => {
    key ??= crypto.subtle.importKey("raw", encoder.encode(options.secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    const sig = await crypto.subtle.sign("HMAC", await key, encoder.encode(`edge-login ${purpose} v1\u0000${id}`));
    return base64url(new Uint8Array(sig).subarray(0, 16));
  };
  const enforce = options.enforceJurisdictions ?? true;
  /** The object of a cookie value we issued; undefined (no binding call at all) for anything else. */
  const stub = async (value: string) => {
    const m = VALUE_PATTERN.exec(value);
    if (!m) return undefined;
    const expected = await mac("session-id", m[1] as string);
    let diff = 0;
    for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ (m[2] as string).charCodeAt(i);
    if (diff !== 0) return undefined;
    const id = m[1] as string;
    const ns = placed(namespace, jurisdictionOfId(id), enforce);
    return ns.get(ns.idFromName(await objectName(id)));
  };
  const index = options.index;
  /**
   * The user's index objects: named by a keyed hash of the user id, in the jurisdiction of the user's region. A
   * caller that does not know the region (a password reset) looks in both placements.
   */
  const indexes = async (userId: string, region: string | undefined) => {
    const name = await mac("user-index", userId);
    const places = region !== undefined || !enforce ? [jurisdictionOf(region)] : [undefined, "eu" as const];
    return places.map((j) => {
      const ns = placed(index as DurableObjectNamespace<SessionIndex>, j, enforce);
      const id = ns.idFromName(name);
      return { id, stub: () => ns.get(id) };
    });
  };
  const listed = async (userId: string, region: string | undefined) => {
    const t = Math.floor(now() / 1000);
    const found = await Promise.all(
      (await indexes(userId, region)).map(async ({ stub }) => {
        const i = stub();
        return ((await i.list(t)) as IndexEntry[]).map((e) => ({ e, i }));
      }),
    );
    return found.flat();
  };
  const store: SessionStore = {
    async create(record) {
      const j = jurisdictionOf(record.region);
      const id = withJurisdiction(base64url(crypto.getRandomValues(new Uint8Array(32))), j);
      const value = `${id}.${await mac("session-id", id)}`;
      const ns = placed(namespace, j, enforce);
      const objectId = ns.idFromName(await objectName(id));
      let link: IndexLink | undefined;
      // Sessions, and logins waiting for their second factor (ended with the sessions, never listed: attack2 F2).
      if (index && (record.kind === "session" || record.kind === "mfa") && record.userId) {
        const [user] = await indexes(record.userId, record.region ?? "");
        link = { index: String(user?.id), object: objectId.toString() };
      }
      if (!(await ns.get(objectId).create(record, link))) throw new Error("session id collision");
      return value;
    },
    async get(value) {
      return (await (await stub(value))?.readFresh(now(), touchAfter)) ?? undefined;
    },
    async set(value, record) {
      // Refused by the object when the session is gone: nothing comes back to life.
      await (await stub(value))?.update(record);
      return value;
    },
    async delete(value) {
      await (await stub(value))?.remove();
    },
    async refresh(value, record, rotate) {
      const object = await stub(value);
      const token = record.refreshToken;
      if (!object || !token) return undefined;
      const turn = (await object.beginRefresh(now(), token, leaseMs)) as RefreshTurn;
      if (turn.turn === "gone") return undefined;
      if (turn.turn === "done") return turn.record;
      // No new tokens for this request either; its access token may still do (the router decides).
      if (turn.turn === "failed") {
        throw new TransmitError("upstream_unavailable", "the concurrent refresh of this session failed");
      }
      let next: SessionRecord;
      try {
        next = await rotate();
      } catch (error) {
        await object.endRefresh(token, null);
        throw error;
      }
      return (await object.endRefresh(token, next)) ? next : undefined;
    },
  };
  if (!index) return store;
  store.listUser = async (userId, region) =>
    (await listed(userId, region)).filter(({ e }) => e.kind !== "mfa").map(({ e }) => summaryOf(e));
  // Each selected session object removes its record and then its own index entry: an entry stays until its session
  // has really ended, so a retry after a failure finds what is left.
  store.endUser = async (userId, { only, except, region }) => {
    // A pending second factor ends with every session of the user, never by a handle (it has none).
    const chosen = (await listed(userId, region)).filter(({ e }) =>
      only === undefined ? e.id !== except : e.id === only && e.kind !== "mfa",
    );
    const results = await Promise.allSettled(
      chosen.map(({ e }) => {
        const ns = placed(namespace, jurisdictionOf(e.region), enforce);
        return ns.get(ns.idFromString(e.object)).remove() as Promise<SessionRecord | null>;
      }),
    );
    const ended: SessionSummary[] = [];
    let failed = 0;
    for (const [n, result] of results.entries()) {
      const { e, i } = chosen[n] as (typeof chosen)[number];
      if (result.status === "rejected") failed++;
      else if (result.value) {
        const sid = result.value.transmitSessionId;
        ended.push({ ...summaryOf(e), ...(sid ? { transmitSessionId: sid } : {}) });
        // An entry whose session had already ended (its drop failed) is dropped here.
      } else await i.drop(e.id).catch(() => {});
    }
    return { ended, failed };
  };
  return store;
}

/** The listed fields of an index entry. */
const summaryOf = ({ object, expiresAt, kind, ...listed }: IndexEntry): SessionSummary => listed;
