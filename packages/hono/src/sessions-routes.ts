/**
 * A user's sessions: `GET /sessions` (the list, ASVS 7.5.2), `POST /sessions/end` (one of them), `POST /logout-all`
 * (every one), and the hook that ends the other sessions after a credential change (ASVS 7.4.3). Each session ended
 * is deleted from the store and logged out at Transmit in its own region (docs/transmit-contract.md, "Sessions of a
 * user"): one Transmit failure never stops the others, and core retries these idempotent logouts itself
 * (docs/core-reliability.md). The browser sees an opaque handle per session, a hash of the record id: never a
 * cookie value or a store key.
 */
import { TransmitError } from "@transmit-edge/core";
import type { Context } from "hono";
import { resolveClient } from "./client-source.ts";
import { toBase64Url } from "./crypto.ts";
import { bodyKind, type Schema, validInput } from "./input.ts";
import type { Current } from "./session-access.ts";
import { type SessionRecord, type SessionStore, type SessionSummary, seconds, summaryOf } from "./session-record.ts";
import { refused, type SessionRoutesContext, signedOut } from "./session-routes.ts";

/** What these routes need from their instance. */
export interface SessionsContext extends SessionRoutesContext {
  redirectTo: string;
  absoluteTimeout: number;
}

/** Body of `POST /sessions/end`. */
export const endSessionSchema: Schema = [["handle", 1, 64]];

/**
 * One of the user's sessions as the browser sees it.
 *
 * @example
 * ```ts
 * const { sessions } = await (await fetch("/auth/sessions")).json();
 * ```
 */
export interface SessionView {
  /** Opaque handle for `POST /sessions/end` (a hash of the record id; useless without this user's own session). */
  handle: string;
  /** Short summary of the browser and system ("Firefox on Windows"), when recognised at sign-in. */
  device?: string;
  /** Transmit region of the session. */
  region?: string;
  /** Sign-in time (seconds since the epoch). */
  createdAt: number;
  /** Last use (seconds since the epoch; approximate, to the touch interval). */
  lastSeenAt: number;
  /** Whether this is the session of the request. */
  current: boolean;
}

/** The signed-in user's sessions. `complete`: false when the store cannot list (a sealed cookie): only this one. */
export interface SessionList {
  sessions: SessionView[];
  complete: boolean;
}

const encoder = new TextEncoder();

/** The handle of a record id: 128 bits of its SHA-256 (one-way: the id, which keys revocation, stays server-side). */
export async function handleOf(recordId: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    encoder.encode(`transmit-edge session handle v1\u0000${recordId}`),
  );
  return toBase64Url(new Uint8Array(digest).subarray(0, 16));
}

/** The user's sessions as the store lists them, the current one always included (and fresh). */
async function summaries(store: SessionStore, record: SessionRecord): Promise<[SessionSummary[], boolean]> {
  const own = summaryOf(record);
  if (!store.listUser) return [[own], false];
  const listed = await store.listUser(record.userId ?? "", record.region);
  return [[own, ...listed.filter((s) => s.id !== record.id)], true];
}

/** The list a page or `GET /sessions` shows: the current session first, then the most recently seen. */
export async function listOf(current: Current): Promise<SessionList> {
  const [list, complete] = await summaries(current.store, current.record);
  const views = await Promise.all(
    list.map(async (s, i) => {
      const view: SessionView = {
        handle: await handleOf(s.id),
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        current: i === 0,
      };
      if (s.device !== undefined) view.device = s.device;
      if (s.region !== undefined) view.region = s.region;
      return view;
    }),
  );
  const [own, ...others] = views;
  others.sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  return { sessions: own ? [own, ...others] : others, complete };
}

/** What ending sessions did: how many ended, how many the store could not end, how many Transmit did not confirm. */
interface EndResult {
  ended: SessionSummary[];
  failed: number;
  upstream: number;
}

/**
 * Ends the user's sessions selected by `only` / `except`: in the store (`endUser`), the request's own session when
 * it is selected and the store did not end it (a store that cannot list), then at Transmit, each in its region.
 */
async function endSessions(
  c: Context,
  r: SessionsContext,
  store: SessionStore,
  userId: string,
  select: { only?: string; except?: string; region?: string },
  current?: Current,
): Promise<EndResult> {
  const t = seconds(r.now);
  let ended: SessionSummary[] = [];
  let failed = 0;
  if (store.endUser)
    ({ ended, failed } = await store.endUser(userId, { ...select, at: t, until: t + r.absoluteTimeout }));
  const own = current?.record;
  if (
    own &&
    own.id !== select.except &&
    (select.only === undefined || select.only === own.id) &&
    !ended.some((s) => s.id === own.id)
  ) {
    try {
      await store.delete(current.value);
      ended = [
        ...ended,
        { ...summaryOf(own), ...(own.transmitSessionId ? { transmitSessionId: own.transmitSessionId } : {}) },
      ];
    } catch {
      failed++;
    }
  }
  for (const s of ended) r.access.forget(s.id);
  const options = r.timeoutMs === undefined ? undefined : { timeoutMs: r.timeoutMs };
  const outcomes = await Promise.allSettled(
    ended.map(async (s) => {
      if (!s.transmitSessionId) return;
      const { client } = await resolveClient(r.client, c, s.region);
      await client.sessions.logout(s.transmitSessionId, options);
    }),
  );
  // Already logged out at Transmit (ended there, or expired) is what we wanted.
  const upstream = outcomes.filter(
    (o) => o.status === "rejected" && !(TransmitError.is(o.reason) && o.reason.code === "session_not_found"),
  ).length;
  return { ended, failed, upstream };
}

/** The event of an ending: `reason` on success, or what went wrong. */
function endEvent(
  c: Context,
  r: SessionsContext,
  reason: string,
  result: EndResult,
  tags: Current["record"] | undefined,
) {
  const problem = result.failed > 0 ? "store_delete_failed" : result.upstream > 0 ? "upstream_error" : undefined;
  return r.replies.events.emit(c, {
    type: "logout",
    outcome: problem ? "error" : "success",
    status: 200,
    reason: problem ? `${reason}_${problem}` : reason,
    ...(tags?.userKey !== undefined ? { userKey: tags.userKey } : {}),
    ...(tags?.region !== undefined ? { region: tags.region } : {}),
  });
}

/** `GET /sessions`: the signed-in user's sessions (slides the idle timeout like `GET /session`), or 401. */
export async function listSessions(c: Context, r: SessionsContext): Promise<Response> {
  const current = await r.access.current(c);
  if (!current.ok) return refused(c, r, "session", current);
  const { record } = current;
  let list: SessionList;
  try {
    list = await listOf(current);
  } catch (e) {
    return r.replies.failWith(c, e, { type: "session", reason: "sessions_unavailable" });
  }
  await r.replies.events.emit(c, {
    type: "session",
    outcome: "success",
    status: 200,
    reason: "sessions",
    ...(record.userKey !== undefined ? { userKey: record.userKey } : {}),
    ...(record.region !== undefined ? { region: record.region } : {}),
  });
  const cookies = current.changed ? [r.cookies.line("session", current.value, record.expiresAt - seconds(r.now))] : [];
  return r.replies.ok(c, list, cookies);
}

/**
 * `POST /logout-all`: ends every session of the signed-in user, in the store and at Transmit, and clears this
 * browser's cookie. Without a session it answers like `POST /logout` (idempotent). A store that cannot end a
 * user's sessions (`endUser`) ends this one only and answers 500: "everywhere" is never claimed when it was not done.
 */
export async function logoutAll(c: Context, r: SessionsContext): Promise<Response> {
  const cleared = [r.cookies.clear("session")];
  const current = await r.access.current(c);
  if (!current.ok) {
    if ("error" in current)
      return r.replies.failWith(c, current.error, { type: "logout", ...current.tags, cookies: cleared });
    await r.replies.events.emit(c, { type: "logout", outcome: "success", status: 200, reason: "no_session" });
    return signedOut(c, r, cleared);
  }
  const { record, store } = current;
  const tags = {
    ...(record.userKey !== undefined ? { userKey: record.userKey } : {}),
    ...(record.region !== undefined ? { region: record.region } : {}),
  };
  let result: EndResult;
  try {
    const select = record.region === undefined ? {} : { region: record.region };
    result = await endSessions(c, r, store, record.userId ?? "", select, current);
  } catch (e) {
    // The store could not even say which sessions exist: nothing was claimed; this browser still signs out.
    await store.delete(current.value).catch(() => {});
    return r.replies.failWith(c, e, { type: "logout", reason: "logout_all_failed", ...tags, cookies: cleared });
  }
  if (!store.endUser) {
    return r.replies.fail(c, "server_error", {
      type: "logout",
      reason: "logout_all_unsupported",
      ...tags,
      cookies: cleared,
    });
  }
  if (result.failed > 0) {
    return r.replies.fail(c, "server_error", {
      type: "logout",
      reason: "all_store_delete_failed",
      ...tags,
      cookies: cleared,
    });
  }
  await endEvent(c, r, "all", result, record);
  return signedOut(c, r, cleared);
}

/**
 * `POST /sessions/end` with `handle`: ends that one session of the signed-in user. Handles are matched against this
 * user's own sessions only, so another user's handle, a forged one or one already ended is refused (400; a form post
 * goes back to the list, which shows what is left). Ending the current session signs this browser out.
 */
export async function endSession(c: Context, r: SessionsContext): Promise<Response> {
  const form = bodyKind(c) === "form";
  const current = await r.access.current(c);
  if (!current.ok) {
    if (form && !("error" in current)) return r.replies.seeOther(c, r.logoutRedirectTo, [r.cookies.clear("session")]);
    return refused(c, r, "logout", current);
  }
  const { record, store } = current;
  const { handle } = validInput<{ handle: string }>(c);
  let target: SessionSummary | undefined;
  let result: EndResult;
  try {
    const [list] = await summaries(store, record);
    for (const s of list) if ((await handleOf(s.id)) === handle) target = s;
    if (!target) {
      await r.replies.events.emit(c, { type: "logout", outcome: "failure", status: 400, reason: "unknown_handle" });
      if (form) return r.replies.seeOther(c, r.redirectTo);
      return r.replies.problem(c, "invalid_request", { field: "handle" });
    }
    const select = record.region === undefined ? { only: target.id } : { only: target.id, region: record.region };
    result = await endSessions(c, r, store, record.userId ?? "", select, current);
  } catch (e) {
    return r.replies.failWith(c, e, { type: "logout", reason: "session_end_failed" });
  }
  if (result.failed > 0 || !result.ended.some((s) => s.id === target.id)) {
    return r.replies.fail(c, "server_error", { type: "logout", reason: "store_delete_failed" });
  }
  await endEvent(c, r, "other_session", result, record);
  if (target.id === record.id) return signedOut(c, r, [r.cookies.clear("session")]);
  const cookies = current.changed ? [r.cookies.line("session", current.value, record.expiresAt - seconds(r.now))] : [];
  return form ? r.replies.seeOther(c, r.redirectTo, cookies) : r.replies.ok(c, { ended: true }, cookies);
}

/**
 * The hook the credential routes call after a password change or reset (ASVS 7.4.3): ends every session of
 * `userId` but `keepRecordId`, in the store and at Transmit. Never throws; the outcome is an event.
 */
export function credentialChangedHook(r: SessionsContext) {
  return async (c: Context, userId: string, keepRecordId?: string): Promise<void> => {
    try {
      const store = r.access.store(c);
      const result = await endSessions(c, r, store, userId, keepRecordId === undefined ? {} : { except: keepRecordId });
      await endEvent(c, r, store.endUser ? "credential_changed" : "credential_changed_unsupported", result, undefined);
    } catch {
      await r.replies.events.emit(c, {
        type: "logout",
        outcome: "error",
        status: 200,
        reason: "credential_changed_failed",
      });
    }
  };
}
