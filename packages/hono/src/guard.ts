/**
 * The guard: middleware that lets a request through only with a session (the instance's cookie, or a bearer access
 * token issued to this application), sets `c.var.session`, and answers everything else with one generic 401.
 */
import type { Context, MiddlewareHandler } from "hono";
import { type ClientSource, resolveClient } from "./client-source.ts";
import { type SessionCookies, withCookies } from "./cookies.ts";
import type { SecondFactor } from "./mfa-routes.ts";
import { OptionError, stringList } from "./option-error.ts";
import { isRefusal } from "./problem.ts";
import type { Replies } from "./reply.ts";
import type { SessionAccess } from "./session-access.ts";
import { amrOf, keepClaims, type Session, seconds, sessionOf } from "./session-record.ts";

/**
 * Which bearer access tokens are sessions: user access tokens that Transmit issued to this application
 * (`client_id`), in this tenant (`tid`), for this audience (`aud`), naming a user (`sub`). Client-credentials
 * tokens (whose `sub` is a client), reset tokens and tokens of other applications are refused. List more client ids,
 * tenants or audiences only when they must be accepted too. The claims are described in docs/transmit-contract.md.
 *
 * @example
 * ```ts
 * const bearer: BearerOptions = { clientId: env.TRANSMIT_CLIENT_ID, tenantId: env.TRANSMIT_TENANT_ID, audience: "https://api.example.com" };
 * ```
 */
export interface BearerOptions {
  /** Your application's client id (and any other client whose users' tokens you accept). */
  clientId: string | readonly string[];
  /** Your Transmit tenant id (`tid`), or several (one per regional tenant). */
  tenantId: string | readonly string[];
  /** Accepted `aud` values. Default `"userid-api"`, Transmit's audience for tokens requested without a resource. */
  audience?: string | readonly string[];
}

/** Options of `auth.guard()`. */
export interface GuardOptions {
  /** Also accept `Authorization: Bearer <user access token>`, verified with Transmit's keys and the rules above. */
  bearer?: BearerOptions;
  /**
   * `"mfa"`: only sessions whose `amr` holds `mfa` (a second factor at sign-in, or a step-up at `/verify`); others get
   * 403 `mfa_required` naming the methods and the verify page. Bearer tokens are checked the same way (their `amr`).
   */
  require?: "mfa";
}

/** Transmit's audience of access tokens requested without a resource. */
const DEFAULT_AUDIENCE = "userid-api";
/** Longest bearer token read. */
const MAX_TOKEN = 8192;

interface BearerRules {
  clientIds: Set<string>;
  tenantIds: Set<string>;
  audience: string[];
}

/** Checks the bearer options when the guard is created. */
function bearerRules(factory: string, bearer: unknown, client: ClientSource | undefined): BearerRules | undefined {
  if (bearer === undefined || bearer === false) return undefined;
  if (typeof bearer !== "object" || bearer === null) {
    throw new OptionError(factory, "bearer", "must be { clientId, tenantId, audience? } (which tokens are sessions)");
  }
  if (!client) throw new OptionError(factory, "client", "is required to verify bearer tokens");
  const b = bearer as BearerOptions;
  return {
    clientIds: new Set(stringList(factory, "bearer.clientId", b.clientId)),
    tenantIds: new Set(stringList(factory, "bearer.tenantId", b.tenantId)),
    audience: stringList(factory, "bearer.audience", b.audience ?? DEFAULT_AUDIENCE),
  };
}

/** Whether verified claims are those of a user access token issued to this application. */
function issuedToUs(
  claims: Record<string, unknown>,
  rules: BearerRules,
): claims is Record<string, unknown> & { sub: string } {
  const { sub, client_id: clientId, tid } = claims;
  return (
    typeof clientId === "string" &&
    rules.clientIds.has(clientId) &&
    typeof tid === "string" &&
    rules.tenantIds.has(tid) &&
    typeof sub === "string" &&
    sub !== "" &&
    // A client-credentials token names its client as the subject: not a user.
    sub !== clientId &&
    !rules.clientIds.has(sub)
  );
}

/** What the guard needs from its instance. */
export interface GuardContext {
  factory: string;
  client: ClientSource | undefined;
  access: SessionAccess;
  cookies: SessionCookies;
  replies: Replies;
  claims: readonly string[];
  timeoutMs: number | undefined;
  realm: string;
  now: () => number;
  secondFactor: SecondFactor;
}

/** `WWW-Authenticate` value for a realm (quotes and backslashes removed). */
export function challengeFor(realm: string, bearer: boolean): string {
  const r = realm.replace(/["\\\r\n]/g, "");
  return bearer ? `Session realm="${r}", Bearer realm="${r}"` : `Session realm="${r}"`;
}

/** Builds the guard middleware of an instance. */
export function createGuard(g: GuardContext, options: GuardOptions = {}): MiddlewareHandler {
  if (typeof options !== "object" || options === null)
    throw new OptionError(g.factory, "guard", "takes an options object");
  const rules = bearerRules(g.factory, options.bearer, g.client);
  if (options.require !== undefined && options.require !== "mfa") {
    throw new OptionError(g.factory, "guard.require", 'must be "mfa"');
  }
  const needsMfa = options.require === "mfa";
  /** Step-up: a session without `mfa` in `amr` is refused with where to get it. */
  const stepUp = (c: Context, session: Session) =>
    replies.fail(c, "mfa_required", {
      type: "guard",
      reason: "mfa_required",
      members: g.secondFactor.members(g.secondFactor.offered(session.claims)),
      step: "verify",
      ...(session.region !== undefined ? { region: session.region } : {}),
    });
  const replies = g.replies.withChallenge(challengeFor(g.realm, !!rules));
  const denied = (c: Context, reason: string, tags = {}) =>
    replies.fail(c, "unauthorized", { type: "guard", reason, ...tags });

  async function viaBearer(c: Context, token: string, r: BearerRules): Promise<Session | Response> {
    try {
      const rc = await resolveClient(g.client as ClientSource, c);
      const claims = await rc.client.tokens.verifyAccessToken(token, {
        ...(g.timeoutMs === undefined ? {} : { timeoutMs: g.timeoutMs }),
        audience: r.audience,
      });
      if (!issuedToUs(claims, r)) return denied(c, "bearer_not_issued_to_app");
      const session: Session = {
        userId: claims.sub,
        claims: keepClaims(claims, g.claims),
        region: rc.region,
        accessToken: token,
        source: "bearer",
      };
      const amr = amrOf(claims);
      if (amr) session.amr = amr;
      if (typeof claims.exp === "number") session.expiresAt = claims.exp;
      return session;
    } catch (e) {
      if (isRefusal(e)) return denied(c, "bearer_invalid");
      return replies.failWith(c, e, { type: "guard" });
    }
  }

  return async function guard(c, next) {
    const authorization = c.req.header("authorization");
    if (rules && authorization && /^Bearer\s+/i.test(authorization)) {
      const token = authorization.replace(/^Bearer\s+/i, "").trim();
      if (!token || token.length > MAX_TOKEN) return denied(c, "bearer_invalid");
      const result = await viaBearer(c, token, rules);
      if (result instanceof Response) return result;
      if (needsMfa && !result.amr?.includes("mfa")) return stepUp(c, result);
      c.set("session", result);
      return next();
    }
    const current = await g.access.current(c);
    if (!current.ok) {
      if ("error" in current) return replies.failWith(c, current.error, { type: "guard", ...current.tags });
      return denied(c, current.reason, current.tags);
    }
    const { record } = current;
    if (current.refreshed) {
      await replies.events.emit(c, {
        type: "refresh",
        outcome: "success",
        status: 200,
        ...(record.userKey !== undefined ? { userKey: record.userKey } : {}),
        ...(record.region !== undefined ? { region: record.region } : {}),
      });
    }
    const session = sessionOf(record);
    if (needsMfa && !session.amr?.includes("mfa")) {
      const res = await stepUp(c, session);
      // A touched or refreshed session keeps its new cookie value.
      return current.changed
        ? withCookies(res, [g.cookies.line("session", current.value, record.expiresAt - seconds(g.now))])
        : res;
    }
    c.set("session", session);
    await next();
    if (current.changed) {
      g.cookies.set(c, "session", current.value, record.expiresAt - seconds(g.now));
    }
  };
}
