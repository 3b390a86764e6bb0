/**
 * Independent clients against the emulator over a real loopback socket: oauth4webapi for the client-credentials
 * grant, jose for ID-token verification against each region's JWKS and issuer.
 */
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_REGIONS, DEFAULT_ISSUERS, type RegionName } from "../src/index.js";
import { type EmulatorServer, startEmulatorServer } from "../src/node.js";

let server: EmulatorServer;
beforeAll(async () => {
  server = await startEmulatorServer({ port: 0 });
});
afterAll(() => server?.close());

const rootOf = (region: RegionName) => `${server.url}/${region}`;

async function clientCredentials(region: RegionName, auth: "post" | "basic", resource?: string) {
  const as: oauth.AuthorizationServer = {
    issuer: DEFAULT_ISSUERS[region],
    token_endpoint: `${rootOf(region)}/oidc/token`,
  };
  const client: oauth.Client = { client_id: `demo-client-${region}` };
  const secret = `demo-secret-${region}`;
  const clientAuth = auth === "post" ? oauth.ClientSecretPost(secret) : oauth.ClientSecretBasic(secret);
  const params = new URLSearchParams(resource ? { resource } : {});
  const response = await oauth.clientCredentialsGrantRequest(as, client, clientAuth, params, {
    [oauth.allowInsecureRequests]: true,
  });
  return oauth.processClientCredentialsResponse(as, client, response);
}

async function idTokenFor(region: RegionName): Promise<string> {
  const { access_token } = await clientCredentials(region, "post");
  const res = await fetch(`${rootOf(region)}/cis/v1/auth/password/authenticate`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${access_token}` },
    body: JSON.stringify({ username: "alice", password: "Correct-Horse-7!" }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id_token: string }).id_token;
}

describe("independent clients", () => {
  it("oauth4webapi gets a client-credentials token (client_secret_post and client_secret_basic)", async () => {
    for (const auth of ["post", "basic"] as const) {
      const result = await clientCredentials("eu", auth);
      expect(result.token_type.toLowerCase()).toBe("bearer");
      expect(result.expires_in).toBe(3600);
      expect(result.access_token.split(".")).toHaveLength(3);
    }
  });

  it("oauth4webapi surfaces a bad client secret as an OAuth error", async () => {
    const as: oauth.AuthorizationServer = { issuer: DEFAULT_ISSUERS.eu, token_endpoint: `${rootOf("eu")}/oidc/token` };
    const client: oauth.Client = { client_id: "demo-client-eu" };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretPost("wrong"),
      new URLSearchParams(),
      {
        [oauth.allowInsecureRequests]: true,
      },
    );
    await expect(oauth.processClientCredentialsResponse(as, client, response)).rejects.toMatchObject({
      error: "invalid_client",
      status: 401,
    });
  });

  it.each(ALL_REGIONS)("jose verifies %s ID tokens against the region's JWKS and issuer", async (region) => {
    const idToken = await idTokenFor(region);
    const jwks = createRemoteJWKSet(new URL(`${rootOf(region)}/cis/oidc/jwks`));
    const { payload, protectedHeader } = await jwtVerify(idToken, jwks, {
      issuer: DEFAULT_ISSUERS[region],
      audience: `demo-client-${region}`,
      algorithms: ["RS256"],
    });
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(payload.sub).toBe(`demo-${region}-alice`);
    expect(payload.amr).toContain("pwd");
  });

  it("jose rejects an EU ID token checked against the US JWKS", async () => {
    const idToken = await idTokenFor("eu");
    const usJwks = createRemoteJWKSet(new URL(`${rootOf("us")}/cis/oidc/jwks`));
    await expect(jwtVerify(idToken, usJwks, { audience: "demo-client-eu" })).rejects.toThrow();
  });
});
