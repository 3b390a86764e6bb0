/**
 * `POST /logout`, `GET /session`, `POST /refresh`: calls on an existing session, always in the region that issued
 * it.
 */
import { TransmitError } from "@transmit-edge/core";
import type { Context } from "hono";
import { type ClientSource, resolveClient } from "./client-source.ts";
import type { SessionCookies } from "./cookies.ts";
import type { AuthEventType } from "./events.ts";
import { bodyKind } from "./input.ts";
import type { Replies } from "./reply.ts";
import type { Current, Denied, Failed, SessionAccess } from "./session-access.ts";
import { publicView, type SessionStore, seconds } from "./session-record.ts";

/** What the session routes need from their instance. */
export interface SessionRoutesContext {
  client: ClientSource;
  access: SessionAccess;
  cookies: SessionCookies;
  replies: Replies;
  now: () => number;
  logoutRedirectTo: string;
  timeoutMs: number | undefined;
}

/** The answer for a request whose session could not be used; the cookie is cleared when the session was ended. */
export function refused(
  c: Context,
  r: SessionRoutesContext,
  type: AuthEventType,
  result: Denied | Failed,
): Promise<Response> {
  if ("error" in result) return r.replies.failWith(c, result.error, { type, ...result.tags });
  return r.replies.fail(c, "unauthorized", {
    type,
    reason: result.reason,
    ...result.tags,
    cookies: result.ended ? [r.cookies.clear("session")] : [],
  });
}

/** The answer with the session's public view (and its new cookie value, when it changed). */
async function answer(c: Context, r: SessionRoutesContext, type: AuthEventType, current: Current): Promise<Response> {
  const { record } = current;
  await r.replies.events.emit(c, {
    type,
    outcome: "success",
    status: 200,
    ...(record.userKey !== undefined ? { userKey: record.userKey } : {}),
    ...(record.region !== undefined ? { region: record.region } : {}),
  });
  const cookies = current.changed ? [r.cookies.line("session", current.value, record.expiresAt - seconds(r.now))] : [];
  return r.replies.ok(c, publicView(record), cookies);
}

/** `GET /session`: the signed-in user (slides the idle timeout), or 401. */
export async function currentSession(c: Context, r: SessionRoutesContext): Promise<Response> {
  const current = await r.access.current(c);
  return current.ok ? answer(c, r, "session", current) : refused(c, r, "session", current);
}

/** `POST /refresh`: rotates the tokens in the session's region; 401 (cookie cleared) when Transmit refuses. */
export async function refresh(c: Context, r: SessionRoutesContext): Promise<Response> {
  const current = await r.access.current(c, true);
  return current.ok ? answer(c, r, "refresh", current) : refused(c, r, "refresh", current);
}

/** `POST /logout`: Transmit logout in the session's region, record deleted, cookie cleared. Idempotent. */
export async function logout(c: Context, r: SessionRoutesContext): Promise<Response> {
  const cleared = [r.cookies.clear("session")];
  let store: SessionStore;
  try {
    store = r.access.store(c);
  } catch (e) {
    return r.replies.failWith(c, e, { type: "logout", cookies: cleared });
  }
  const value = r.cookies.read(c, "session");
  const record = value ? await store.get(value).catch(() => undefined) : undefined;
  if (!value || !record || record.kind !== "session") {
    await r.replies.events.emit(c, { type: "logout", outcome: "success", status: 200, reason: "no_session" });
    return signedOut(c, r, cleared);
  }
  // A store that fails to delete must not also keep Transmit's session alive: end it there, clear the cookie, and
  // report the failure afterwards.
  let storeError: { error: unknown } | undefined;
  try {
    await store.delete(value);
  } catch (error) {
    storeError = { error };
  }
  r.access.forget(record.id);
  let reason: string | undefined;
  if (record.transmitSessionId) {
    try {
      const { client } = await resolveClient(r.client, c, record.region);
      await client.sessions.logout(
        record.transmitSessionId,
        r.timeoutMs === undefined ? undefined : { timeoutMs: r.timeoutMs },
      );
    } catch (e) {
      // Locally the user is signed out either way; the event records that Transmit did not confirm it (a store that
      // relies on re-checks then keeps accepting copies of the cookie until Transmit's session ends).
      const code = TransmitError.is(e) ? e.code : undefined;
      if (code !== "session_not_found") reason = code ? `upstream_${code}` : "upstream_error";
    }
  }
  if (storeError) {
    return r.replies.failWith(c, storeError.error, {
      type: "logout",
      reason: "store_delete_failed",
      ...(record.userKey !== undefined ? { userKey: record.userKey } : {}),
      ...(record.region !== undefined ? { region: record.region } : {}),
      cookies: cleared,
    });
  }
  await r.replies.events.emit(c, {
    type: "logout",
    outcome: reason ? "error" : "success",
    status: 200,
    ...(reason ? { reason } : {}),
    ...(record.userKey !== undefined ? { userKey: record.userKey } : {}),
    ...(record.region !== undefined ? { region: record.region } : {}),
  });
  return signedOut(c, r, cleared);
}

/** A form logout (a sign-out button) goes back to a page; a JSON logout gets `{ signedOut: true }`. */
export function signedOut(c: Context, r: SessionRoutesContext, cookies: string[]): Response {
  return bodyKind(c) === "form"
    ? r.replies.seeOther(c, r.logoutRedirectTo, cookies)
    : r.replies.ok(c, { signedOut: true }, cookies);
}
