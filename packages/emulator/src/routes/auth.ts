/** Backend authentication: password authenticate, session authenticate, refresh, logout, reset, user sessions. */
import { jsonResponse } from "../failures.js";
import { optString } from "../input.js";
import { complexityErrors, passwordChangeReason } from "../policy.js";
import type { SessionRecord, UsernameType } from "../state.js";
import { issueResetToken, issueUserTokens, readResetToken, SESSION_TTL_MS } from "../tokens.js";
import { type Call, readBody } from "./call.js";
import { addAuthMethod, liveSession, resourceError } from "./factors.js";

const USERNAME_TYPES: readonly UsernameType[] = ["username", "email", "phone_number"];

/** `POST /cis/v1/auth/password/authenticate`. */
export async function passwordAuthenticate(call: Call): Promise<Response> {
  const read = readBody(call, {
    username: ["string", true],
    password: ["string", true],
    username_type: ["string", false],
    resource: ["string", false],
    claims: ["object", false],
    org_id: ["string", false],
    client_attributes: ["object", false],
    session_id: ["string", false],
    device_id: ["string", false],
  });
  if ("error" in read) return read.error;
  const { body } = read;
  const { engine, region, now } = call;
  const type = (optString(body, "username_type") ?? "username") as UsernameType;
  if (!USERNAME_TYPES.includes(type)) {
    return engine.failures.respond("validation", {
      messages: [`username_type must be one of the following values: ${USERNAME_TYPES.join(", ")}`],
    });
  }
  const resource = optString(body, "resource");
  const resourceFailure = resourceError(call, resource);
  if (resourceFailure) return resourceFailure;
  const identifier = body.username as string;
  const user = region.state.findUser(identifier, type);
  // Lockout is tracked per user, or per identifier when no user matches, so unknown users lock out the same way.
  const lockKey = user ? `user:${user.userId}` : `id:${type}:${identifier.toLowerCase()}`;
  const matches = await engine.checkPassword(user, body.password as string);
  if (region.lockout.isLocked(lockKey, now)) return engine.failures.respond("locked");
  if (!user?.password || !matches || user.status !== "Active") {
    region.lockout.fail(lockKey, now);
    return engine.failures.respond("invalid_credentials");
  }
  region.lockout.succeed(lockKey);
  const reason = passwordChangeReason(user.password, engine.policy, now);
  if (reason) {
    const resetToken = await issueResetToken(region, user, now, engine.policy.resetValidityMinutes);
    return engine.failures.respond(reason, { resetToken });
  }
  let session: SessionRecord;
  const sessionId = optString(body, "session_id");
  if (sessionId !== undefined) {
    const existing = liveSession(call, sessionId);
    if (!existing || existing.userId !== user.userId) return engine.failures.respond("session_not_found");
    session = existing;
    session.authTime = now;
    addAuthMethod(session, "pwd");
  } else {
    session = {
      sessionId: crypto.randomUUID(),
      userId: user.userId,
      clientId: call.client!.clientId,
      createdAt: now,
      expiresAt: now + SESSION_TTL_MS,
      authTime: now,
      amr: ["pwd"],
    };
    region.state.sessions.set(session.sessionId, session);
  }
  session.expiresAt = now + SESSION_TTL_MS;
  const tokens = await issueUserTokens(region, {
    user,
    client: call.client!,
    session,
    ...(resource !== undefined ? { resource } : {}),
    claims: body.claims,
    nowMs: now,
  });
  return jsonResponse({ ...tokens, session_id: session.sessionId });
}

/** `POST /cis/v1/auth/session/authenticate`: silent authentication into an existing session. */
export async function sessionAuthenticate(call: Call): Promise<Response> {
  const read = readBody(call, {
    session_id: ["string", true],
    resource: ["string", false],
    claims: ["object", false],
    org_id: ["string", false],
    client_attributes: ["object", false],
  });
  if ("error" in read) return read.error;
  const { body } = read;
  const resource = optString(body, "resource");
  const resourceFailure = resourceError(call, resource);
  if (resourceFailure) return resourceFailure;
  const session = liveSession(call, body.session_id as string);
  const user = session ? call.region.state.users.get(session.userId) : undefined;
  if (!session || !user) return call.engine.failures.respond("session_not_found");
  session.expiresAt = call.now + SESSION_TTL_MS;
  const tokens = await issueUserTokens(call.region, {
    user,
    client: call.client!,
    session,
    ...(resource !== undefined ? { resource } : {}),
    claims: body.claims,
    nowMs: call.now,
  });
  return jsonResponse({ ...tokens, session_id: session.sessionId });
}

/** `POST /cis/v1/auth/token/refresh`: rotates the refresh token; the old one stops working. */
export async function tokenRefresh(call: Call): Promise<Response> {
  const read = readBody(call, { refresh_token: ["string", true] });
  if ("error" in read) return read.error;
  const { region, now, engine } = call;
  const token = read.body.refresh_token as string;
  const record = region.state.refreshTokens.get(token);
  const session = record ? region.state.sessions.get(record.sessionId) : undefined;
  const user = record ? region.state.users.get(record.userId) : undefined;
  if (!record || record.spent || now >= record.expiresAt || record.clientId !== call.client!.clientId || !user) {
    return engine.failures.respond("invalid_refresh_token");
  }
  record.spent = true;
  // Refreshing "doesn't affect the session": no session_id in the answer, the session is not extended.
  const tokens = await issueUserTokens(region, {
    user,
    client: call.client!,
    session: session ?? {
      sessionId: record.sessionId,
      userId: user.userId,
      clientId: record.clientId,
      createdAt: now,
      expiresAt: now,
      authTime: now,
      amr: ["pwd"],
    },
    ...(record.resource !== undefined ? { resource: record.resource } : {}),
    nowMs: now,
  });
  return jsonResponse(tokens);
}

/** `POST /cis/v1/auth/session/logout`: deletes the session and revokes its refresh tokens; 204. */
export async function sessionLogout(call: Call): Promise<Response> {
  const read = readBody(call, { session_id: ["string", true] });
  if ("error" in read) return read.error;
  const sessionId = read.body.session_id as string;
  if (!liveSession(call, sessionId)) return call.engine.failures.respond("session_not_found");
  call.region.state.sessions.delete(sessionId);
  call.region.state.revokeSessionTokens(sessionId);
  return new Response(null, { status: 204 });
}

/** `POST /cis/v1/auth/password/reset`: completes a reset with a reset token. */
export async function passwordReset(call: Call): Promise<Response> {
  const read = readBody(call, {
    reset_token: ["string", true],
    new_password: ["string", true],
    redirect_uri: ["string", false],
    resource: ["string", false],
    require_mfa: ["boolean", false],
  });
  if ("error" in read) return read.error;
  const { body } = read;
  const { engine, region, now } = call;
  // An opaque reset-link code (`resetLinkCode: "opaque"`) stands for the reset token it was issued with.
  const given = body.reset_token as string;
  const found = await readResetToken(region, region.state.resetLinkCodes.get(given) ?? given, now);
  if (!found) return engine.failures.respond("invalid_reset_token");
  const newPassword = body.new_password as string;
  const weak = complexityErrors(newPassword, engine.policy);
  if (weak.length > 0) return engine.failures.respond("weak_password", { messages: weak });
  found.entry.used = true;
  region.state.resetLinkCodes.delete(given);
  await engine.setPassword(found.user, newPassword, false);
  region.lockout.succeed(`user:${found.user.userId}`);
  const redirect = optString(body, "redirect_uri");
  return jsonResponse({
    message: "Password changed successfully",
    ...(redirect !== undefined ? { url: redirect } : {}),
    ...(found.user.email !== undefined ? { email: found.user.email } : {}),
  });
}

/** `GET /cis/v1/auth/users/{user_id}/sessions`. */
export async function userSessionsList(call: Call): Promise<Response> {
  const userId = call.params.user_id ?? "";
  const sessions = [...call.region.state.sessions.values()]
    .filter((s) => s.userId === userId && call.now < s.expiresAt)
    .map((s) => ({
      session_id: s.sessionId,
      start_time: new Date(s.createdAt).toISOString(),
      expiration_time: new Date(s.expiresAt).toISOString(),
    }));
  return jsonResponse(sessions);
}

/** `DELETE /cis/v1/auth/users/{user_id}/sessions`: revokes every session of the user; 204. */
export async function userSessionsRevoke(call: Call): Promise<Response> {
  const userId = call.params.user_id ?? "";
  for (const session of [...call.region.state.sessions.values()]) {
    if (session.userId !== userId) continue;
    call.region.state.sessions.delete(session.sessionId);
    call.region.state.revokeSessionTokens(session.sessionId);
  }
  return new Response(null, { status: 204 });
}
