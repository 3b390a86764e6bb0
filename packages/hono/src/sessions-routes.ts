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

/** Event tags of a record. */
const tagsOf = (record: SessionRecord | undefined) => ({
  ...(record?.userKey !== undefined ? { userKey: record.userKey } : {}),
  ...(record?.region !== undefined ? { region: record.region } : {}),
});

/**
 * The user's sessions with their handles: the current one first (fresh, and listed even by a store that cannot
 * list), then the most recently seen. `complete`: whether the store listed them.
 */
async function entries({ store, record }: Current) {
  const listed = store.listUser ? await store.listUser(record.userId ?? "", record.region) : undefined;
  const others = (listed ?? []).filter((s) => s.id !== record.id).sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  const list = await Promise.all([summaryOf(record), ...others].map(async (s) => [s, await handleOf(s.id)] as const));
  return { list, complete: listed !== undefined };
}

/** The list a page or `GET /sessions` shows. */
export async function listOf(current: Current): Promise<SessionList> {
  const { list, complete } = await entries(current);
  const sessions = list.map(([{ id, transmitSessionId, ...s }, handle], i) => ({ ...s, handle, current: i === 0 }));
  return { sessions, complete };
}

/** What ending sessions did: the sessions ended, how many the store could not end, how many Transmit refused. */
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
  const done = store.endUser
    ? await store.endUser(userId, { ...select, at: t, until: t + r.absoluteTimeout })
    : { ended: [], failed: 0 };
  const { ended } = done;
  let { failed } = done;
  const own = current?.record;
  if (own && own.id !== select.except && (select.only ?? own.id) === own.id && !ended.some((s) => s.id === own.id)) {
    try {
      await store.delete(current.value);
      ended.push({ ...summaryOf(own), ...(own.transmitSessionId ? { transmitSessionId: own.transmitSessionId } : {}) });
    } catch {
      failed++;
    }
  }
  const options = r.timeoutMs === undefined ? undefined : { timeoutMs: r.timeoutMs };
  const outcomes = await Promise.allSettled(
    ended.map(async (s) => {
      r.access.forget(s.id);
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

/** The event of an ending: `reason`, or `<reason>_<what went wrong>`. */
function endEvent(c: Context, r: SessionsContext, reason: string, result: EndResult, record?: SessionRecord) {
  const problem = result.failed > 0 ? "store_delete_failed" : result.upstream > 0 ? "upstream_error" : "";
  return r.replies.events.emit(c, {
    type: "logout",
    outcome: problem ? "error" : "success",
    status: 200,
    reason: problem ? `${reason}_${problem}` : reason,
    ...tagsOf(record),
  });
}

/** The cookie line for a session value that changed while it was read (a sealed store re-seals on touch). */
const renewed = (r: SessionsContext, current: Current) =>
  current.changed ? [r.cookies.line("session", current.value, current.record.expiresAt - seconds(r.now))] : [];

/** `GET /sessions`: the signed-in user's sessions (slides the idle timeout like `GET /session`), or 401. */
export async function listSessions(c: Context, r: SessionsContext): Promise<Response> {
  const current = await r.access.current(c);
  if (!current.ok) return refused(c, r, "session", current);
  const tags = tagsOf(current.record);
  let list: SessionList;
  try {
    list = await listOf(current);
  } catch (e) {
    return r.replies.failWith(c, e, { type: "session", reason: "sessions_unavailable", ...tags });
  }
  await r.replies.events.emit(c, { type: "session", outcome: "success", status: 200, reason: "sessions", ...tags });
  return r.replies.ok(c, list, renewed(r, current));
}

/**
 * `POST /logout-all`: ends every session of the signed-in user, in the store and at Transmit, and clears this
 * browser's cookie. Without a session it answers like `POST /logout` (idempotent). A store that cannot end a
 * user's sessions (`endUser`) ends this one only and answers 500: "everywhere" is never claimed when it was not done.
 */
export async function logoutAll(c: Context, r: SessionsContext): Promise<Response> {
  const cookies = [r.cookies.clear("session")];
  const current = await r.access.current(c);
  if (!current.ok) {
    if ("error" in current) return r.replies.failWith(c, current.error, { type: "logout", ...current.tags, cookies });
    await r.replies.events.emit(c, { type: "logout", outcome: "success", status: 200, reason: "no_session" });
    return signedOut(c, r, cookies);
  }
  const { record, store } = current;
  const info = { type: "logout" as const, ...tagsOf(record), cookies };
  let result: EndResult;
  try {
    const select = record.region === undefined ? {} : { region: record.region };
    result = await endSessions(c, r, store, record.userId ?? "", select, current);
  } catch (e) {
    // The store could not even say which sessions exist: nothing is claimed; this browser still signs out.
    await store.delete(current.value).catch(() => {});
    return r.replies.failWith(c, e, { ...info, reason: "logout_all_failed" });
  }
  if (!store.endUser || result.failed > 0) {
    const reason = store.endUser ? "all_store_delete_failed" : "logout_all_unsupported";
    return r.replies.fail(c, "server_error", { ...info, reason });
  }
  await endEvent(c, r, "all", result, record);
  return signedOut(c, r, cookies);
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
  const info = { type: "logout" as const, ...tagsOf(record) };
  let result: EndResult;
  let target: SessionSummary | undefined;
  try {
    target = (await entries(current)).list.find(([, h]) => h === handle)?.[0];
    if (!target) {
      await r.replies.events.emit(c, { ...info, outcome: "failure", status: 400, reason: "unknown_handle" });
      return form ? r.replies.seeOther(c, r.redirectTo) : r.replies.problem(c, "invalid_request", { field: "handle" });
    }
    const only = target.id;
    const select = record.region === undefined ? { only } : { only, region: record.region };
    result = await endSessions(c, r, store, record.userId ?? "", select, current);
    if (result.failed > 0 || !result.ended.some((s) => s.id === only)) throw new Error("session not ended");
  } catch (e) {
    return r.replies.failWith(c, e, { ...info, reason: "session_end_failed" });
  }
  await endEvent(c, r, "other_session", result, record);
  if (target.id === record.id) return signedOut(c, r, [r.cookies.clear("session")]);
  const cookies = renewed(r, current);
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
      await endEvent(c, r, store.endUser ? "credential_changed" : "credential_changed_unsupported", result);
    } catch {
      await endEvent(c, r, "credential_changed", { ended: [], failed: 1, upstream: 0 });
    }
  };
}
