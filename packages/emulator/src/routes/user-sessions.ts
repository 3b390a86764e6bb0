/**
 * `GET|DELETE /cis/v1/sessions/{user_id}`: the sessions API. Transmit documents that it does not apply to sessions
 * created by backend-to-backend authentication (every session the emulator has), so by default it lists and deletes
 * none; `sessionsApiScope: "all"` makes it act on every session of the user. See `docs/account-journey.md`.
 */
import { jsonResponse } from "../failures.js";
import type { SessionRecord } from "../state.js";
import type { Call } from "./call.js";

function sessionsOf(call: Call): SessionRecord[] {
  if (call.engine.sessionsApiScope !== "all") return [];
  const userId = call.params.user_id ?? "";
  return [...call.region.state.sessions.values()].filter((s) => s.userId === userId && call.now < s.expiresAt);
}

/** `GET /cis/v1/sessions/{user_id}`: 200 `[{user_id, session_id, client_id, start_time, expiration_time}]`. */
export async function sessionsList(call: Call): Promise<Response> {
  return jsonResponse(
    sessionsOf(call).map((s) => ({
      user_id: s.userId,
      session_id: s.sessionId,
      client_id: s.clientId,
      start_time: new Date(s.createdAt).toISOString(),
      expiration_time: new Date(s.expiresAt).toISOString(),
    })),
  );
}

/** `DELETE /cis/v1/sessions/{user_id}`: logs out the sessions and revokes their refresh tokens; 200 `{result}`. */
export async function sessionsDelete(call: Call): Promise<Response> {
  const sessions = sessionsOf(call);
  for (const session of sessions) {
    call.region.state.sessions.delete(session.sessionId);
    call.region.state.revokeSessionTokens(session.sessionId);
  }
  return jsonResponse({ result: { deleted_count: sessions.length } });
}
