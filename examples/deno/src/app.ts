/**
 * A login endpoint on the core client alone: `POST /login` with `{ "username", "password" }` checks the password
 * at Transmit, verifies the ID token and answers with who signed in. No tokens leave the server.
 */
import { type TransmitClient, TransmitError } from "@transmit-edge/core";

/** HTTP status for each way a login can fail; anything else is Transmit (or the network) failing: 502. */
const STATUS: Record<string, number> = {
  invalid_credentials: 401,
  password_change_required: 403,
  locked: 403,
  rate_limited: 429,
  invalid_request: 400,
};

/** A fetch handler for `Deno.serve`. */
export function createHandler(transmit: TransmitClient): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname !== "/login") return new Response('POST /login with {"username", "password"}\n');
    if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
    const body = await request.json().catch(() => undefined);
    if (typeof body?.username !== "string" || typeof body?.password !== "string") {
      return Response.json({ error: "invalid_request" }, { status: 400 });
    }
    try {
      const tokens = await transmit.passwords.authenticate({
        username: body.username,
        password: body.password,
        // Transmit puts only sub, amr and auth_time into ID tokens unless asked for more.
        claims: { id_token: { email: null } },
      });
      const claims = tokens.idToken ? await transmit.tokens.verifyIdToken(tokens.idToken) : undefined;
      // Here your app would start its own session (cookie) for claims.sub.
      return Response.json({ userId: claims?.sub ?? null, email: claims?.email ?? null });
    } catch (error) {
      if (!(error instanceof TransmitError)) throw error;
      const status = STATUS[error.code] ?? 502;
      const headers = error.retryAfter ? { "retry-after": String(error.retryAfter) } : undefined;
      return Response.json({ error: error.code }, { status, headers });
    }
  };
}
