import { describe, expect, it } from "vitest";
import * as account from "../src/account-client.ts";
import * as core from "../src/index.ts";
import * as login from "../src/login.ts";
import { clientToken, FakeFetch, userTokens } from "./helpers.ts";

describe("public surface", () => {
  it("exports exactly the documented runtime values", () => {
    expect(Object.keys(core).sort()).toEqual([
      "TransmitError",
      "bearerChallenge",
      "createMemoryTokenCache",
      "createTransmitClient",
      "isRegionName",
      "nearestRegion",
      "productionRegions",
      "redactTokenSet",
      "regions",
    ]);
  });

  it("core/login exports the login client, the error class and the memory cache, and the same TransmitError", () => {
    expect(Object.keys(login).sort()).toEqual(["TransmitError", "createLoginClient", "createMemoryTokenCache"]);
    expect(login.TransmitError).toBe(core.TransmitError);
  });

  it("core/account exports the account clients only (the full one, and sign-up with the reset email)", () => {
    expect(Object.keys(account).sort()).toEqual(["createAccountClient", "createFactorClient", "createSignupClient"]);
  });

  it("still honours the deprecated top-level now and random options (testing.* wins when both are set)", async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken("t", 3600)).on("/password/authenticate", userTokens());
    let t = Date.UTC(2026, 0, 1);
    const client = core.createTransmitClient({
      region: "eu",
      clientId: "i",
      clientSecret: "s",
      fetch: fake.fetch,
      now: () => t,
      random: () => 0,
    });
    await client.passwords.authenticate({ username: "a", password: "b" });
    t += 2 * 3600_000; // past the cached token's expiry on the deprecated clock
    await client.passwords.authenticate({ username: "a", password: "b" });
    expect(fake.to("/oidc/token")).toHaveLength(2);

    const ignored = () => {
      throw new Error("testing.now must win");
    };
    const both = login.createLoginClient({
      region: "eu",
      clientId: "i",
      clientSecret: "s",
      fetch: fake.fetch,
      now: ignored,
      testing: { now: () => t },
    });
    await both.passwords.authenticate({ username: "a", password: "b" });
  });

  it("documents each region's host, root, issuer and JWKS URL", () => {
    expect(core.regions.eu).toMatchObject({
      host: "api.eu.transmitsecurity.io",
      root: "https://api.eu.transmitsecurity.io",
      issuer: "https://eu.userid.security",
      jwksUrl: "https://api.eu.transmitsecurity.io/cis/oidc/jwks",
    });
    expect(core.regions.us.issuer).toBe("https://userid.security");
    expect(core.regions.ca.issuer).toBe("https://ca.userid.security");
    expect(core.regions.au.issuer).toBe("https://au.userid.security");
    expect(core.regions.sandbox.issuer).toBeUndefined();
    expect(core.regions.sandbox.root).toBe("https://api.sbx.transmitsecurity.io");
    expect(core.isRegionName("au")).toBe(true);
    expect(core.isRegionName("toString")).toBe(false);
  });
});
