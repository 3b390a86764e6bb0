/**
 * Signing in with a one-time code or TOTP, alone or as a second factor: a `session_id` from an earlier login adds
 * the method to that session (the ID token's `amr` then carries `mfa`), otherwise a new session is opened.
 */
import { jsonResponse } from "../failures.js";
import type { SessionRecord, UserRecord } from "../state.js";
import { issueUserTokens, SESSION_TTL_MS } from "../tokens.js";
import type { Call } from "./call.js";

/**
 * Records an authentication method in a session's `amr`. Once two different methods are recorded, `mfa` is added:
 * Transmit's MFA guide checks the ID token's `amr` for `mfa` after the second factor.
 */
export function addAuthMethod(session: SessionRecord, method: string): void {
  const methods = new Set(session.amr.filter((m) => m !== "mfa"));
  methods.add(method);
  session.amr = [...methods, ...(methods.size >= 2 ? ["mfa"] : [])];
}

/** A live session, or undefined (an expired one is deleted and its refresh tokens revoked). */
export function liveSession(call: Call, sessionId: string): SessionRecord | undefined {
  const session = call.region.state.sessions.get(sessionId);
  if (!session) return undefined;
  if (call.now >= session.expiresAt) {
    call.region.state.sessions.delete(sessionId);
    call.region.state.revokeSessionTokens(sessionId);
    return undefined;
  }
  return session;
}

/** A resource must be configured for the client (documented); the error shape is inferred. */
export function resourceError(call: Call, resource: string | undefined): Response | undefined {
  if (resource === undefined || call.client?.resources.includes(resource)) return undefined;
  return call.engine.failures.respond("validation", { messages: ["resource is not configured for the application"] });
}

/**
 * The session a factor is added to: the live session named by `session_id`, which must belong to the user, or
 * undefined for a new one. Answers `Session not found` otherwise (the shape the docs give for magic links).
 */
export function joinSession(
  call: Call,
  sessionId: string | undefined,
  userId: string | undefined,
): { session?: SessionRecord } | { error: Response } {
  if (sessionId === undefined) return {};
  const session = liveSession(call, sessionId);
  if (!session || (userId !== undefined && session.userId !== userId)) {
    return { error: call.engine.failures.respond("session_not_found") };
  }
  return { session };
}

/** Issues the token set after a successful factor, into the given session or a new one; 200 with `session_id`. */
export async function completeSignIn(
  call: Call,
  input: { user: UserRecord; method: string; session?: SessionRecord; resource?: string; claims?: unknown },
): Promise<Response> {
  const { user, method } = input;
  const now = call.now;
  let session = input.session;
  if (session) {
    addAuthMethod(session, method);
    session.authTime = now;
  } else {
    session = {
      sessionId: crypto.randomUUID(),
      userId: user.userId,
      clientId: call.client!.clientId,
      createdAt: now,
      expiresAt: now + SESSION_TTL_MS,
      authTime: now,
      amr: [method],
    };
    call.region.state.sessions.set(session.sessionId, session);
  }
  session.expiresAt = now + SESSION_TTL_MS;
  const tokens = await issueUserTokens(call.region, {
    user,
    client: call.client!,
    session,
    ...(input.resource !== undefined ? { resource: input.resource } : {}),
    claims: input.claims,
    nowMs: now,
  });
  return jsonResponse({ ...tokens, session_id: session.sessionId });
}
