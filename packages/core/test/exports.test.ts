import { describe, expect, it } from "vitest";
import * as core from "../src/index.ts";

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
