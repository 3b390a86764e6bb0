/**
 * `POST /logout`, `GET /session`, `POST /refresh`: calls on an existing session, always in the region that issued
 * it.
 */
import type { Context } from "hono";
import { resolveClient } from "./client-source.ts";
import { emit } from "./events.ts";
import { bodyKind } from "./input.ts";
import type { ResolvedOptions } from "./options.ts";
import { problemForError } from "./problem.ts";
import { fail, failWithError, ok, seeOther } from "./reply.ts";
import { clearCookieLine, cookieLine, readCookie } from "./session-cookie.ts";
import { publicView, refreshSession, seconds, usable } from "./session-logic.ts";
import type { AuthEventType, SessionRecord, SessionStore } from "./types.ts";

interface Loaded {
  store: SessionStore;
  value: string;
  record: SessionRecord;
}

/** Reads the cookie's session; a response when there is none (generic 401) or the store is misconfigured. */
async function load(c: Context, o: ResolvedOptions, type: AuthEventType): Promise<Loaded | Response> {
  let store: SessionStore;
  try {
    store = o.sessions(c);
  } catch (e) {
    return failWithError(c, o, e, { type });
  }
  const value = readCookie(c, o.cookies.session);
  const record = value ? await store.get(value).catch(() => undefined) : undefined;
  if (!value || !record || !usable(record, "session", seconds(o.now))) {
    return fail(c, o, "unauthorized", { type, reason: "no_session" });
  }
  return { store, value, record };
}

/** Updates `lastSeenAt` (idle timeout) and returns the cookie lines to send when the value changed. */
async function touch(o: ResolvedOptions, loaded: Loaded): Promise<{ record: SessionRecord; cookies: string[] }> {
  const record = { ...loaded.record, lastSeenAt: seconds(o.now) };
  const value = await loaded.store.set(loaded.value, record);
  const cookies =
    value === loaded.value
      ? []
      : [cookieLine(o.cookies, o.cookies.session, value, record.expiresAt - record.lastSeenAt)];
  return { record, cookies };
}

/** `GET /session`: the signed-in user, or 401. */
export async function currentSession(c: Context, o: ResolvedOptions): Promise<Response> {
  const loaded = await load(c, o, "session");
  if (loaded instanceof Response) return loaded;
  const { record, cookies } = await touch(o, loaded);
  await emit(o.onEvent, c, o.now, {
    type: "session",
    outcome: "success",
    status: 200,
    userKey: record.userKey,
    region: record.region,
  });
  return ok(publicView(record), cookies);
}

/** `POST /refresh`: rotates the tokens in the session's region. */
export async function refresh(c: Context, o: ResolvedOptions): Promise<Response> {
  const loaded = await load(c, o, "refresh");
  if (loaded instanceof Response) return loaded;
  const { store, value, record } = loaded;
  const info = { type: "refresh" as const, userKey: record.userKey, region: record.region };
  try {
    const done = await refreshSession(
      c,
      {
        store,
        client: o.client,
        now: o.now,
        keepAccessToken: o.keepAccessToken,
        timeoutMs: o.timeoutMs,
        sharePromise: o.singleFlight,
      },
      value,
      { ...record, lastSeenAt: seconds(o.now) },
    );
    const cookies =
      done.value === value
        ? []
        : [cookieLine(o.cookies, o.cookies.session, done.value, done.record.expiresAt - seconds(o.now))];
    await emit(o.onEvent, c, o.now, { ...info, outcome: "success", status: 200 });
    return ok(publicView(done.record), cookies);
  } catch (e) {
    if (problemForError(e) === "unauthorized" || problemForError(e) === "invalid_credentials") {
      // The upstream session is gone: so is ours.
      await store.delete(value).catch(() => {});
      return fail(c, o, "unauthorized", {
        ...info,
        reason: "refresh_rejected",
        cookies: [clearCookieLine(o.cookies, o.cookies.session)],
      });
    }
    return failWithError(c, o, e, info);
  }
}

/** `POST /logout`: Transmit logout in the session's region, record deleted, cookie cleared. Idempotent. */
export async function logout(c: Context, o: ResolvedOptions): Promise<Response> {
  const cleared = [clearCookieLine(o.cookies, o.cookies.session)];
  let store: SessionStore;
  try {
    store = o.sessions(c);
  } catch (e) {
    return failWithError(c, o, e, { type: "logout", cookies: cleared });
  }
  const value = readCookie(c, o.cookies.session);
  const record = value ? await store.get(value).catch(() => undefined) : undefined;
  if (!value || !record || record.kind !== "session") {
    await emit(o.onEvent, c, o.now, { type: "logout", outcome: "success", status: 200, reason: "no_session" });
    return signedOut(c, o, cleared);
  }
  await store.delete(value);
  const info = { type: "logout" as const, userKey: record.userKey, region: record.region };
  let reason: string | undefined;
  if (record.transmitSessionId) {
    try {
      const { client } = await resolveClient(o.client, c, record.region);
      const opts = o.timeoutMs === undefined ? undefined : { timeoutMs: o.timeoutMs };
      await client.sessions.logout(record.transmitSessionId, opts);
    } catch (e) {
      // Locally the user is signed out either way; the event records that Transmit did not confirm it.
      const code = (e as { code?: unknown })?.code;
      if (code !== "session_not_found") reason = typeof code === "string" ? `upstream_${code}` : "upstream_error";
    }
  }
  await emit(o.onEvent, c, o.now, { ...info, outcome: reason ? "error" : "success", status: 200, reason });
  return signedOut(c, o, cleared);
}

/** A form logout (a sign-out button) goes back to a page; a JSON logout gets `{ signedOut: true }`. */
function signedOut(c: Context, o: ResolvedOptions, cookies: string[]): Response {
  return bodyKind(c) === "form" ? seeOther(o.logoutRedirectTo, cookies) : ok({ signedOut: true }, cookies);
}
