/**
 * Turning decisions into responses: a problem (or the renderer's page for form posts), with its auth event.
 */
import type { Context } from "hono";
import { emit } from "./events.ts";
import { bodyKind } from "./input.ts";
import type { PageState, ResolvedOptions } from "./options.ts";
import {
  isTransmitError,
  type ProblemExtras,
  type ProblemKind,
  problemForError,
  problemResponse,
  problemStatus,
} from "./problem.ts";
import { withCookies } from "./session-cookie.ts";
import type { AuthEvent, AuthEventType } from "./types.ts";

/** Longest upstream `Retry-After` passed on, in seconds. */
const MAX_UPSTREAM_RETRY_AFTER = 60;

/** What a failure reports besides its kind. */
export interface FailureInfo {
  type: AuthEventType;
  reason?: string;
  userKey?: string;
  region?: string;
  detail?: string;
  retryAfter?: number;
  field?: string;
  cookies?: string[];
  step?: PageState["step"];
  returnTo?: string;
}

/** The options a reply needs. */
export type ReplyOptions = Pick<ResolvedOptions, "onEvent" | "now" | "challenge" | "render">;

function outcomeOf(status: number): AuthEvent["outcome"] {
  if (status === 429) return "throttled";
  return status >= 500 ? "error" : "failure";
}

/** Emits the event and answers with the problem, or with the page when this is a form post and a renderer exists. */
export async function fail(c: Context, o: ReplyOptions, kind: ProblemKind, info: FailureInfo): Promise<Response> {
  const status = problemStatus(kind);
  await emit(o.onEvent, c, o.now, {
    type: info.type,
    outcome: outcomeOf(status),
    status,
    reason: info.reason ?? kind,
    userKey: info.userKey,
    region: info.region,
    detail: info.detail,
  });
  const headers: Record<string, string> = {};
  if (status === 401) headers["WWW-Authenticate"] = o.challenge;
  const extras: ProblemExtras = { headers };
  if (info.retryAfter !== undefined) extras.retryAfter = info.retryAfter;
  if (info.field !== undefined) extras.field = info.field;
  let res: Response;
  // Cross-site and malformed requests never get the page: it is for the site's own form posts.
  if (o.render && bodyKind(c) === "form" && kind !== "forbidden_origin" && kind !== "credentials_in_query") {
    const state: PageState = { step: info.step ?? "login", error: kind, status };
    if (info.returnTo !== undefined) state.returnTo = info.returnTo;
    if (extras.retryAfter !== undefined) state.retryAfter = extras.retryAfter;
    res = await o.render(c, state);
    if (extras.retryAfter !== undefined) res.headers.set("Retry-After", String(Math.ceil(extras.retryAfter)));
  } else {
    res = problemResponse(kind, extras);
  }
  return withCookies(res, info.cookies ?? []);
}

/** A failure for a thrown error (upstream or configuration). */
export function failWithError(c: Context, o: ReplyOptions, e: unknown, info: FailureInfo): Promise<Response> {
  const kind = problemForError(e);
  const code = isTransmitError(e) ? e.code : "unexpected";
  const full: FailureInfo = { ...info, reason: info.reason ?? code };
  if (kind === "upstream_unavailable" && isTransmitError(e) && e.retryAfter !== undefined) {
    full.retryAfter = Math.min(MAX_UPSTREAM_RETRY_AFTER, e.retryAfter);
  }
  if (code === "configuration" && isTransmitError(e) && typeof e.message === "string") {
    full.detail = e.message.slice(0, 200);
  } else if (
    e instanceof TypeError &&
    /^(cookieSessionStore|memorySessionStore|passwordLogin|requireSession|memoryLimiter)/.test(e.message)
  ) {
    // Our own option checks name the setting, never a value.
    full.detail = e.message.slice(0, 200);
  }
  return fail(c, o, kind, full);
}

/** JSON success with a charset and optional cookies. */
export function ok(body: unknown, cookies: readonly string[] = [], status = 200): Response {
  const res = new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8" },
  });
  return withCookies(res, cookies);
}

/** A 303 See Other to a same-origin path. */
export function seeOther(location: string, cookies: readonly string[] = []): Response {
  const res = new Response(null, {
    status: 303,
    headers: { Location: location, "Content-Type": "text/plain; charset=utf-8" },
  });
  return withCookies(res, cookies);
}
