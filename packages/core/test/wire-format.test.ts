import { describe, expect, it } from "vitest";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  clientToken,
  EU_ROOT,
  empty,
  FakeFetch,
  itEachEntry,
  json,
  makeClient,
  userTokens,
} from "./helpers.ts";

describe("wire format", () => {
  itEachEntry(
    "fetches the client token with a form-encoded client_credentials POST to {root}/oidc/token",
    (makeClient) => async () => {
      const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", userTokens());
      const { client } = makeClient(fake);
      await client.passwords.authenticate({ username: "alice", password: "pw" });
      const [token] = fake.to("/oidc/token");
      expect(token?.url).toBe(`${EU_ROOT}/oidc/token`);
      expect(token?.method).toBe("POST");
      expect(token?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
      const form = new URLSearchParams(token?.body);
      expect([...form.keys()].sort()).toEqual(["client_id", "client_secret", "grant_type"]);
      expect(form.get("grant_type")).toBe("client_credentials");
      expect(form.get("client_id")).toBe(CLIENT_ID);
      expect(form.get("client_secret")).toBe(CLIENT_SECRET);
    },
  );

  it("adds resource to the token form only when asked for a resource-bound token", async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken());
    const { client } = makeClient(fake);
    await client.clientAccessToken({ resource: "https://api.example.com" });
    expect(new URLSearchParams(fake.calls[0]?.body).get("resource")).toBe("https://api.example.com");
  });

  itEachEntry(
    "sends password authenticate as snake_case JSON with the bearer client token",
    (makeClient) => async () => {
      const fake = new FakeFetch().on("/oidc/token", clientToken("ct-1")).on("/password/authenticate", userTokens());
      const { client } = makeClient(fake);
      await client.passwords.authenticate({
        username: "alice@example.com",
        password: "pw",
        usernameType: "email",
        resource: "https://api.example.com",
        claims: { id_token: { roles: null } },
        orgId: "org-1",
        sessionId: "s-0",
        deviceId: "d-1",
        clientAttributes: { ipAddress: "203.0.113.7", userAgent: "UA/1" },
      });
      const [call] = fake.to("/password/authenticate");
      expect(call?.url).toBe(`${EU_ROOT}/cis/v1/auth/password/authenticate`);
      expect(call?.method).toBe("POST");
      expect(call?.headers.authorization).toBe("Bearer ct-1");
      expect(call?.headers["content-type"]).toBe("application/json");
      expect(call?.redirect).toBe("manual");
      expect(JSON.parse(call?.body ?? "")).toEqual({
        username: "alice@example.com",
        password: "pw",
        username_type: "email",
        resource: "https://api.example.com",
        claims: { id_token: { roles: null } },
        org_id: "org-1",
        session_id: "s-0",
        device_id: "d-1",
        client_attributes: { ip_address: "203.0.113.7", user_agent: "UA/1" },
      });
    },
  );

  itEachEntry("omits optional fields that were not given", (makeClient) => async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", userTokens());
    const { client } = makeClient(fake);
    await client.passwords.authenticate({ username: "alice", password: "pw", clientAttributes: {} });
    expect(JSON.parse(fake.to("/password/authenticate")[0]?.body ?? "")).toEqual({ username: "alice", password: "pw" });
    // Byte for byte: no key of an absent field, not even one whose value is empty.
    expect(fake.to("/password/authenticate")[0]?.body).toBe('{"username":"alice","password":"pw"}');
  });

  itEachEntry(
    "sends the password byte for byte: no trim, no normalisation, long values accepted",
    (makeClient) => async () => {
      const password = `  ${"p".repeat(70)} e\u0301 ☃ \t`;
      const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", userTokens());
      const { client } = makeClient(fake);
      await client.passwords.authenticate({ username: " alice ", password });
      const body = JSON.parse(fake.to("/password/authenticate")[0]?.body ?? "");
      expect(body.password).toBe(password);
      expect(body.username).toBe(" alice ");
    },
  );

  itEachEntry("returns a camelCase TokenSet", (makeClient) => async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", userTokens());
    const { client } = makeClient(fake);
    const tokens = await client.passwords.authenticate({ username: "alice", password: "pw" });
    expect({ ...tokens }).toEqual({
      accessToken: "user-access-token",
      idToken: "user-id-token",
      refreshToken: "user-refresh-token",
      tokenType: "Bearer",
      expiresIn: 3600,
      sessionId: "session-1",
    });
  });

  it("sends reset, session authenticate, logout and refresh to their documented paths and bodies", async () => {
    const fake = new FakeFetch()
      .on("/oidc/token", clientToken("ct-1"))
      .on("/password/reset", json({ message: "Password changed successfully", email: "ann@example.com" }))
      .on("/session/authenticate", userTokens())
      .on("/session/logout", empty(204))
      .on("/token/refresh", userTokens({ session_id: undefined, refresh_token: "rotated" }));
    const { client } = makeClient(fake);
    expect(await client.passwords.reset({ resetToken: "rt", newPassword: "new-pw" })).toEqual({
      message: "Password changed successfully",
      email: "ann@example.com",
    });
    await client.sessions.authenticate({
      sessionId: "s-1",
      resource: "r",
      orgId: "o",
      claims: { access_token: { roles: null } },
      clientAttributes: { ipAddress: "198.51.100.1" },
    });
    expect(await client.sessions.logout("s-1")).toBeUndefined();
    const refreshed = await client.tokens.refresh("refresh-1");
    expect(refreshed.sessionId).toBeUndefined();
    expect(refreshed.refreshToken).toBe("rotated");

    const bodyOf = (suffix: string) => JSON.parse(fake.to(suffix)[0]?.body ?? "");
    expect(fake.to("/password/reset")[0]?.url).toBe(`${EU_ROOT}/cis/v1/auth/password/reset`);
    expect(bodyOf("/password/reset")).toEqual({ reset_token: "rt", new_password: "new-pw" });
    expect(fake.to("/session/authenticate")[0]?.url).toBe(`${EU_ROOT}/cis/v1/auth/session/authenticate`);
    expect(bodyOf("/session/authenticate")).toEqual({
      session_id: "s-1",
      resource: "r",
      org_id: "o",
      claims: { access_token: { roles: null } },
      client_attributes: { ip_address: "198.51.100.1" },
    });
    expect(fake.to("/session/logout")[0]?.url).toBe(`${EU_ROOT}/cis/v1/auth/session/logout`);
    expect(bodyOf("/session/logout")).toEqual({ session_id: "s-1" });
    expect(fake.to("/token/refresh")[0]?.url).toBe(`${EU_ROOT}/cis/v1/auth/token/refresh`);
    expect(bodyOf("/token/refresh")).toEqual({ refresh_token: "refresh-1" });
    for (const call of fake.calls.filter((c) => c.path.includes("/cis/"))) {
      expect(call.headers.authorization).toBe("Bearer ct-1");
      expect(call.redirect).toBe("manual");
    }
    expect(fake.to("/oidc/token")).toHaveLength(1);
  });

  it("uses the region's host for each region", async () => {
    const hosts: Record<string, string> = {
      us: "https://api.transmitsecurity.io",
      eu: "https://api.eu.transmitsecurity.io",
      ca: "https://api.ca.transmitsecurity.io",
      au: "https://api.au.transmitsecurity.io",
      sandbox: "https://api.sbx.transmitsecurity.io",
    };
    for (const [region, root] of Object.entries(hosts)) {
      const fake = new FakeFetch().on("/oidc/token", clientToken());
      const { client } = makeClient(fake, { region: region as "us" });
      expect(client.root).toBe(root);
      await client.clientAccessToken();
      expect(fake.calls[0]?.url).toBe(`${root}/oidc/token`);
    }
  });

  itEachEntry("keeps a baseUrl path prefix (emulator regions) and honours tokenPath", (makeClient) => async () => {
    const fake = new FakeFetch().on("/cis/oidc/token", clientToken()).on("/password/authenticate", userTokens());
    const { client } = makeClient(fake, {
      baseUrl: "http://127.0.0.1:4010/eu/",
      allowInsecureLoopback: true,
      tokenPath: "/cis/oidc/token",
    });
    await client.passwords.authenticate({ username: "a", password: "b" });
    expect(fake.calls.map((c) => c.url)).toEqual([
      "http://127.0.0.1:4010/eu/cis/oidc/token",
      "http://127.0.0.1:4010/eu/cis/v1/auth/password/authenticate",
    ]);
  });

  it("calls the global fetch when none is injected", async () => {
    const original = globalThis.fetch;
    const fake = new FakeFetch().on("/oidc/token", clientToken("from-global"));
    globalThis.fetch = ((input: string, init?: RequestInit) => fake.fetch(input, init)) as typeof fetch;
    try {
      const { client } = makeClient(fake, { fetch: undefined });
      expect(await client.clientAccessToken()).toBe("from-global");
    } finally {
      globalThis.fetch = original;
    }
  });
});
