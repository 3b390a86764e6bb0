/**
 * Turning decisions into responses: a problem (or the renderer's page for form posts) with its auth event, a JSON
 * success or a 303. Every response is built through the context, so headers other middleware prepared survive.
 */
import { TransmitError } from "@transmit-edge/core";
import type { Context } from "hono";
import { withCookies } from "./cookies.ts";
import type { AuthEvent, AuthEventType, Events } from "./events.ts";
import { bodyKind } from "./input.ts";
import { OptionError } from "./option-error.ts";
import { type ProblemKind, problemBody, problemForError, problemStatus, retryAfterHeader } from "./problem.ts";

/**
 * What a page renderer is asked to show for a form post.
 *
 * @example
 * ```ts
 * import type { ContentfulStatusCode } from "hono/utils/http-status";
 * const render: PageRenderer = (c, state) => c.html(loginPage(state), state.status as ContentfulStatusCode);
 * ```
 */
export interface PageState {
  /**
   * `login` (the sign-in form), `password` (the forced password change form), `verify` (the second factor), or the
   * account pages: `signup`, `forgot` (forgot password), `reset` (the reset link's new-password form).
   */
  step: "login" | "password" | "verify" | "signup" | "forgot" | "reset";
  /** The problem to show, when there is one. */
  error?: ProblemKind;
  /** HTTP status the page should be sent with. */
  status: number;
  /** The validated same-origin return path, to keep in the form. */
  returnTo?: string;
  /** Seconds to wait, for `too_many_requests`. */
  retryAfter?: number;
}

/** Renders the HTML login page (or its password-change step) for form posts that did not succeed. */
export type PageRenderer = (c: Context, state: PageState) => Response | Promise<Response>;

/** What a failure reports besides its kind. */
export interface Failure {
  type: AuthEventType;
  reason?: string;
  userKey?: string;
  region?: string;
  detail?: string;
  retryAfter?: number;
  field?: string;
  cookies?: readonly string[];
  step?: PageState["step"];
  returnTo?: string;
  /** Fixed extra members of the problem body (see `ProblemExtras`). */
  members?: Record<string, string | readonly string[]>;
}

/** Longest upstream `Retry-After` passed on, in seconds: a long upstream wait is not relayed to the browser. */
const MAX_UPSTREAM_RETRY_AFTER = 60;

function outcomeOf(status: number): AuthEvent["outcome"] {
  if (status === 429) return "throttled";
  return status >= 500 ? "error" : "failure";
}

/** The replies of one instance: its events, its `WWW-Authenticate` challenge and its page renderer. */
export class Replies {
  readonly events: Events;
  readonly #challenge: string;
  readonly #render: PageRenderer | undefined;

  constructor(events: Events, challenge: string, render?: PageRenderer) {
    this.events = events;
    this.#challenge = challenge;
    this.#render = render;
  }

  /** The same replies with another challenge (a guard that also accepts bearer tokens). */
  withChallenge(challenge: string): Replies {
    return new Replies(this.events, challenge, this.#render);
  }

  /** An `application/problem+json` response, without an event. */
  problem(
    c: Context,
    kind: ProblemKind,
    extras: {
      field?: string;
      retryAfter?: number;
      headers?: Record<string, string>;
      members?: Record<string, string | readonly string[]>;
    } = {},
  ) {
    const status = problemStatus(kind);
    const headers: Record<string, string> = {
      ...extras.headers,
      "Content-Type": "application/problem+json; charset=utf-8",
      "Cache-Control": "no-store",
    };
    if (status === 401) headers["WWW-Authenticate"] = this.#challenge;
    if (extras.retryAfter !== undefined) headers["Retry-After"] = retryAfterHeader(extras.retryAfter);
    const body = problemBody(kind, {
      ...(extras.field === undefined ? {} : { field: extras.field }),
      ...(extras.members ? { members: extras.members } : {}),
    });
    return c.body(body, status as 400, headers);
  }

  /** Emits the event and answers with the problem, or with the page when this is a form post and a renderer exists. */
  async fail(c: Context, kind: ProblemKind, info: Failure): Promise<Response> {
    const status = problemStatus(kind);
    await this.events.emit(c, {
      type: info.type,
      outcome: outcomeOf(status),
      status,
      reason: info.reason ?? kind,
      ...(info.userKey !== undefined ? { userKey: info.userKey } : {}),
      ...(info.region !== undefined ? { region: info.region } : {}),
      ...(info.detail !== undefined ? { detail: info.detail } : {}),
    });
    let res: Response;
    // Cross-site and malformed requests never get the page: it is for the site's own form posts.
    if (this.#render && bodyKind(c) === "form" && kind !== "forbidden_origin" && kind !== "credentials_in_query") {
      const state: PageState = { step: info.step ?? "login", error: kind, status };
      if (info.returnTo !== undefined) state.returnTo = info.returnTo;
      if (info.retryAfter !== undefined) state.retryAfter = Number(retryAfterHeader(info.retryAfter));
      res = await this.#render(c, state);
      if (state.retryAfter !== undefined) res = withHeader(res, "Retry-After", String(state.retryAfter));
      if (status === 401) res = withHeader(res, "WWW-Authenticate", this.#challenge);
    } else {
      const extras: { field?: string; retryAfter?: number; members?: Record<string, string | readonly string[]> } = {};
      if (info.field !== undefined) extras.field = info.field;
      if (info.members !== undefined) extras.members = info.members;
      if (info.retryAfter !== undefined) extras.retryAfter = info.retryAfter;
      res = this.problem(c, kind, extras);
    }
    return withCookies(res, info.cookies ?? []);
  }

  /** A failure for a thrown error: an upstream failure, our own configuration, or a bug (a generic 500). */
  failWith(c: Context, e: unknown, info: Failure): Promise<Response> {
    const kind = problemForError(e);
    const full: Failure = { ...info };
    if (TransmitError.is(e)) {
      full.reason ??= e.code;
      if (kind === "upstream_unavailable" && e.retryAfter !== undefined) {
        full.retryAfter = Math.min(MAX_UPSTREAM_RETRY_AFTER, e.retryAfter);
      }
      // Core's configuration messages are fixed text naming the setting, never its value.
      if (e.code === "configuration") full.detail = e.message.slice(0, 200);
    } else if (e instanceof OptionError) {
      full.reason ??= "configuration";
      full.detail = e.message.slice(0, 200);
    } else {
      full.reason ??= "unexpected";
    }
    return this.fail(c, kind, full);
  }

  /** A JSON success. */
  ok(c: Context, body: unknown, cookies: readonly string[] = []): Response {
    const res = c.body(JSON.stringify(body), 200, { "Content-Type": "application/json; charset=utf-8" });
    return withCookies(res, cookies);
  }

  /** A 303 See Other to a same-origin path (already validated by the caller). */
  seeOther(c: Context, location: string, cookies: readonly string[] = []): Response {
    const res = c.body(null, 303, { Location: location, "Content-Type": "text/plain; charset=utf-8" });
    return withCookies(res, cookies);
  }
}

function withHeader(res: Response, name: string, value: string): Response {
  try {
    res.headers.set(name, value);
    return res;
  } catch {
    const copy = new Response(res.body, res);
    copy.headers.set(name, value);
    return copy;
  }
}
