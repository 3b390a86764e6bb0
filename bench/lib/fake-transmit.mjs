// An in-process stand-in for Transmit's token and password endpoints: answers instantly with fixed bodies and
// counts requests per route. Used where the network must not be part of the measurement.

const TOKEN_BODY = JSON.stringify({ access_token: "client-token", token_type: "Bearer", expires_in: 3600, scope: "" });
const LOGIN_BODY = JSON.stringify({
  access_token: "user-access-token",
  id_token: "user-id-token",
  refresh_token: "user-refresh-token",
  token_type: "Bearer",
  expires_in: 3600,
  session_id: "session-1",
});
const JSON_HEADERS = { "content-type": "application/json" };

/** The API root the fake stands for. */
export const FAKE_ROOT = "https://api.eu.transmitsecurity.io";
export const FAKE_CLIENT = { clientId: "bench-client", clientSecret: "bench-secret" };

/**
 * Creates the fake. `tokenDelayMs` holds token answers back (a cold cache under load: every caller arrives before the
 * first token does).
 * @param {{ tokenDelayMs?: number }} [options]
 */
export function createFakeTransmit(options = {}) {
  const counts = { token: 0, login: 0, other: 0 };
  const tokenDelayMs = options.tokenDelayMs ?? 0;
  /** @type {(input: string, init?: RequestInit) => Promise<Response>} */
  const fetch = async (input) => {
    if (input.endsWith("/oidc/token")) {
      counts.token++;
      if (tokenDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, tokenDelayMs));
      return new Response(TOKEN_BODY, { status: 200, headers: JSON_HEADERS });
    }
    if (input.endsWith("/cis/v1/auth/password/authenticate")) {
      counts.login++;
      return new Response(LOGIN_BODY, { status: 200, headers: JSON_HEADERS });
    }
    counts.other++;
    return new Response("not found", { status: 404 });
  };
  return { fetch, counts };
}
