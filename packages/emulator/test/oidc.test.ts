import { afterEach, describe, expect, it } from "vitest";
import { api, claimsOf, clientToken, json, makeEmulator, ORIGIN, tokenRequest } from "./helpers.js";

const emulator = makeEmulator();
afterEach(() => emulator.reset());

describe("client credentials token endpoint", () => {
  it("issues a 1-hour RS256 client access token with the documented response fields", async () => {
    const res = await emulator.fetch(tokenRequest("eu"));
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: expect.any(String) });
    const claims = claimsOf(body.access_token as string);
    expect(claims).toMatchObject({
      sub: "demo-client-eu",
      client_id: "demo-client-eu",
      aud: "userid-api",
      iss: "https://eu.userid.security",
      tid: "demo-tenant-eu",
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
  });

  it("serves the same operation under /cis/oidc/token", async () => {
    const res = await emulator.fetch(tokenRequest("us", {}, "/cis/oidc/token"));
    expect(res.status).toBe(200);
    expect(claimsOf((await json(res)).access_token as string).iss).toBe("https://userid.security");
  });

  it("puts a configured resource in aud", async () => {
    const res = await emulator.fetch(tokenRequest("eu", { resource: "https://api.example.com" }));
    expect(claimsOf((await json(res)).access_token as string).aud).toBe("https://api.example.com");
  });

  it("rejects a resource the client is not configured for with 400 Bad request", async () => {
    const res = await emulator.fetch(tokenRequest("eu", { resource: "https://other.example" }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: "Bad request", error_code: 400 });
  });

  it("accepts client credentials in HTTP Basic", async () => {
    const res = await emulator.fetch(
      new Request(`${ORIGIN}/eu/oidc/token`, {
        method: "POST",
        headers: { authorization: `Basic ${btoa("demo-client-eu:demo-secret-eu")}` },
        body: new URLSearchParams({ grant_type: "client_credentials" }),
      }),
    );
    expect(res.status).toBe(200);
  });

  it("answers a wrong secret and an unknown client alike with 401 invalid_client", async () => {
    const wrong = await emulator.fetch(tokenRequest("eu", { client_secret: "nope" }));
    const unknown = await emulator.fetch(tokenRequest("eu", { client_id: "ghost" }));
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: "invalid_client", error_description: "Client authentication failed" });
    }
  });

  it("does not accept one region's client in another region", async () => {
    const res = await emulator.fetch(
      tokenRequest("us", { client_id: "demo-client-eu", client_secret: "demo-secret-eu" }),
    );
    expect(res.status).toBe(401);
  });

  it("rejects other grant types and non-form bodies with 400", async () => {
    expect((await emulator.fetch(tokenRequest("eu", { grant_type: "password" }))).status).toBe(400);
    const jsonBody = await emulator.fetch(
      new Request(`${ORIGIN}/eu/oidc/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ grant_type: "client_credentials", client_id: "demo-client-eu", client_secret: "x" }),
      }),
    );
    expect(jsonBody.status).toBe(400);
  });

  it("lets failure statuses and bodies be configured", async () => {
    const custom = makeEmulator({
      regions: ["eu"],
      failures: { invalid_client: { status: 400, body: { message: "Bad request", error_code: 400 } } },
    });
    const res = await custom.fetch(tokenRequest("eu", { client_secret: "nope" }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: "Bad request", error_code: 400 });
  });
});

describe("JWKS and discovery", () => {
  it("publishes the region's RSA signing key with kid, alg, use", async () => {
    const res = await emulator.fetch(new Request(`${ORIGIN}/eu/cis/oidc/jwks`));
    expect(res.status).toBe(200);
    const { keys } = (await res.json()) as { keys: Record<string, string>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "RSA", use: "sig", alg: "RS256", kid: expect.any(String) });
    expect(keys[0]).not.toHaveProperty("d");
  });

  it("uses a different key per region", async () => {
    const eu = (await (await emulator.fetch(new Request(`${ORIGIN}/eu/cis/oidc/jwks`))).json()) as {
      keys: { kid: string }[];
    };
    const us = (await (await emulator.fetch(new Request(`${ORIGIN}/us/cis/oidc/jwks`))).json()) as {
      keys: { kid: string }[];
    };
    expect(eu.keys[0]?.kid).not.toBe(us.keys[0]?.kid);
  });

  it("serves discovery with the region issuer and URLs under the caller's origin", async () => {
    const res = await emulator.fetch(new Request(`${ORIGIN}/eu/cis/oidc/.well-known/openid-configuration`));
    expect(await res.json()).toMatchObject({
      issuer: "https://eu.userid.security",
      jwks_uri: `${ORIGIN}/eu/cis/oidc/jwks`,
      token_endpoint: `${ORIGIN}/eu/oidc/token`,
    });
  });

  it("uses a configured issuer", async () => {
    const custom = makeEmulator({ regions: ["sandbox"], issuers: { sandbox: "https://sandbox.example" } });
    const res = await custom.fetch(new Request(`${ORIGIN}/sandbox/cis/oidc/.well-known/openid-configuration`));
    expect(((await res.json()) as { issuer: string }).issuer).toBe("https://sandbox.example");
  });
});

describe("client access token check on backend calls", () => {
  const body = { username: "alice", password: "Correct-Horse-7!" };
  const invalid = { message: "Invalid token", error_code: 401 };

  it("answers 401 Invalid token without a bearer token", async () => {
    const res = await api(emulator, "eu", "/v1/auth/password/authenticate", body, undefined);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(invalid);
  });

  it("answers 401 for a garbage or tampered token", async () => {
    const token = await clientToken(emulator);
    for (const bad of ["garbage", `${token.slice(0, -4)}AAAA`]) {
      const res = await api(emulator, "eu", "/v1/auth/password/authenticate", body, bad);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(invalid);
    }
  });

  it("answers 401 once the client token has expired on the emulator clock", async () => {
    const token = await clientToken(emulator);
    expect((await api(emulator, "eu", "/v1/auth/password/authenticate", body, token)).status).toBe(200);
    emulator.advanceClock(3601);
    expect((await api(emulator, "eu", "/v1/auth/password/authenticate", body, token)).status).toBe(401);
  });

  it("rejects a token issued by another region", async () => {
    const usToken = await clientToken(emulator, "us");
    const res = await api(emulator, "eu", "/v1/auth/password/authenticate", body, usToken);
    expect(res.status).toBe(401);
  });

  it("rejects a user access token used as a client token", async () => {
    const token = await clientToken(emulator);
    const tokens = await json(await api(emulator, "eu", "/v1/auth/password/authenticate", body, token));
    const res = await api(emulator, "eu", "/v1/auth/password/authenticate", body, tokens.access_token as string);
    expect(res.status).toBe(401);
  });
});
