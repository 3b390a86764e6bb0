/**
 * Session record rules shared by the router and the guard: expiry, the public view, token rotation and the
 * single-flight refresh.
 */
import type { Context } from "hono";
import { resolveClient } from "./client-source.ts";
import type { Claims, ClientSource, Session, SessionRecord, SessionStore, TokenSetLike } from "./types.ts";

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
export function keepClaims(claims: Claims, allowed: readonly string[]): Claims {
  const out: Claims = {};
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
  return session;
}

/** Puts fresh tokens into a record (the refresh token rotates; keep the old one if none came back). */
export function withTokens(record: SessionRecord, tokens: TokenSetLike, t: number, keepAccess: boolean): SessionRecord {
  const next: SessionRecord = { ...record, accessTokenExpiresAt: t + Math.max(0, Number(tokens.expiresIn) || 0) };
  if (keepAccess) next.accessToken = tokens.accessToken;
  else delete next.accessToken;
  if (tokens.refreshToken) next.refreshToken = tokens.refreshToken;
  if (tokens.sessionId) next.transmitSessionId = tokens.sessionId;
  return next;
}

/** Dependencies of a refresh. */
export interface RefreshDeps {
  store: SessionStore;
  client: ClientSource;
  now: () => number;
  keepAccessToken: boolean;
  timeoutMs?: number;
  /** Share one in-flight refresh promise between concurrent requests (not on Workers: see below). */
  sharePromise: boolean;
}

/** Result of a refresh: the cookie value to send and the new record. */
export interface Refreshed {
  value: string;
  record: SessionRecord;
}

/** How long a finished refresh answers for the refresh token it replaced (requests sent with the old cookie). */
const RECENT_MS = 30_000;
const MAX_RECENT = 1000;

// Refreshes in flight, by record id. Workers must not await a promise created by another request, so there only
// finished results are shared (`recent`); a consistent store (Durable Object) catches the rest through the re-read
// in runRefresh.
const inflight = new Map<string, Promise<Refreshed>>();
const recent = new Map<string, { result: Refreshed; until: number }>();

const recentKey = (record: SessionRecord) => `${record.id}\u0000${record.refreshToken ?? ""}`;

function remember(key: string, result: Refreshed, now: number): void {
  if (recent.size >= MAX_RECENT) {
    for (const [k, v] of recent) if (v.until <= now) recent.delete(k);
    if (recent.size >= MAX_RECENT) recent.delete(recent.keys().next().value as string);
  }
  recent.set(key, { result, until: now + RECENT_MS });
}

/**
 * Rotates the session's tokens with `tokens.refresh` in the session's own region. Concurrent callers with the same
 * session share one upstream call; callers still holding the replaced refresh token get the fresh result.
 */
export function refreshSession(
  c: Context,
  deps: RefreshDeps,
  value: string,
  record: SessionRecord,
): Promise<Refreshed> {
  const key = recentKey(record);
  const t = deps.now();
  const done = recent.get(key);
  if (done && done.until > t) return Promise.resolve(done.result);
  if (deps.sharePromise) {
    const running = inflight.get(key);
    if (running) return running;
  }
  const started = runRefresh(c, deps, value, record).then((result) => {
    remember(key, result, deps.now());
    return result;
  });
  if (!deps.sharePromise) return started;
  const tracked = started.finally(() => inflight.delete(key));
  inflight.set(key, tracked);
  return tracked;
}

async function runRefresh(c: Context, deps: RefreshDeps, value: string, record: SessionRecord): Promise<Refreshed> {
  if (!record.refreshToken) {
    throw Object.assign(new Error("No refresh token"), { name: "TransmitError", code: "token_invalid" });
  }
  const { client } = await resolveClient(deps.client, c, record.region);
  try {
    const options = deps.timeoutMs === undefined ? undefined : { timeoutMs: deps.timeoutMs };
    const tokens = await client.tokens.refresh(record.refreshToken, options);
    const next = withTokens(record, tokens, seconds(deps.now), deps.keepAccessToken);
    return { value: await deps.store.set(value, next), record: next };
  } catch (e) {
    // Another instance may have rotated the token first: use its result when the store has it.
    const latest = await deps.store.get(value).catch(() => undefined);
    if (latest && latest.refreshToken !== record.refreshToken && usable(latest, "session", seconds(deps.now))) {
      return { value, record: latest };
    }
    throw e;
  }
}
