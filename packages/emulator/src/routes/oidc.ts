/** Token endpoint (client credentials), JWKS and discovery. */
import { jsonResponse } from "../failures.js";
import { parseForm } from "../input.js";
import { ACCESS_TOKEN_TTL_S, issueClientToken } from "../tokens.js";
import type { Call } from "./call.js";

/** Client id and secret from HTTP Basic (RFC 6749 2.3.1) or from the form body. */
function clientCredentials(call: Call, form: Record<string, string>): { id?: string; secret?: string } {
  const basic = /^Basic\s+(\S+)$/i.exec(call.request.headers.get("authorization") ?? "");
  if (basic?.[1]) {
    try {
      const decoded = atob(basic[1]);
      const colon = decoded.indexOf(":");
      if (colon > 0) {
        return {
          id: decodeURIComponent(decoded.slice(0, colon)),
          secret: decodeURIComponent(decoded.slice(colon + 1)),
        };
      }
    } catch {
      return {};
    }
    return {};
  }
  const out: { id?: string; secret?: string } = {};
  if (form.client_id) out.id = form.client_id;
  if (form.client_secret) out.secret = form.client_secret;
  return out;
}

/** `POST /oidc/token` and `/cis/oidc/token`: `grant_type=client_credentials` only. */
export async function token(call: Call): Promise<Response> {
  const { engine, region } = call;
  const type = call.request.headers.get("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\b/i.test(type.trim())) return engine.failures.respond("token_bad_request");
  const form = parseForm(call.text);
  const { id, secret } = clientCredentials(call, form);
  if (form.grant_type !== "client_credentials" || !id || !secret) {
    return engine.failures.respond("token_bad_request");
  }
  const client = region.state.clients.get(id);
  if (!client || client.clientSecret !== secret) return engine.failures.respond("invalid_client");
  const resource = form.resource || undefined;
  if (resource !== undefined && !client.resources.includes(resource)) {
    return engine.failures.respond("token_bad_request");
  }
  const accessToken = await issueClientToken(region, client, resource, call.now);
  return jsonResponse({ access_token: accessToken, token_type: "Bearer", expires_in: ACCESS_TOKEN_TTL_S, scope: "" });
}

/** `GET /cis/oidc/jwks`: the region's public signing key. */
export async function jwks(call: Call): Promise<Response> {
  const key = await call.region.key();
  return jsonResponse({ keys: [key.jwk] }, 200, { "cache-control": "public, max-age=300" });
}

/** `GET /cis/oidc/.well-known/openid-configuration`. */
export async function discovery(call: Call): Promise<Response> {
  const { root, region } = call;
  return jsonResponse({
    issuer: region.issuer,
    jwks_uri: `${root}/cis/oidc/jwks`,
    token_endpoint: `${root}/oidc/token`,
    grant_types_supported: ["client_credentials"],
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code"],
    subject_types_supported: ["public"],
    claims_supported: [
      "sub",
      "iss",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "amr",
      "tid",
      "email",
      "phone_number",
      "username",
      "roles",
    ],
  });
}
