import { describe, expect, it } from "vitest";
import { ALICE, CITIES, harness, login, sessionCookie } from "./helpers.ts";

describe("nearest-region routing", () => {
  const cases = [
    ["Frankfurt", CITIES.frankfurt, "eu"],
    ["Toronto", CITIES.toronto, "ca"],
    ["Sydney", CITIES.sydney, "au"],
    ["New York", CITIES.newYork, "us"],
    ["Sao Paulo", CITIES.saoPaulo, "us"],
    ["Tokyo", CITIES.tokyo, "au"],
  ] as const;
  for (const [city, cf, region] of cases) {
    it(`routes a login from ${city} to ${region} and the session holds that region's tokens`, async () => {
      const h = await harness();
      const res = await login(h, ALICE, { cf });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-transmit-region")).toBe(region);
      expect(h.calls("password.authenticate", region)).toBe(1);
      expect(h.calls("password.authenticate")).toBe(1);
      const me = await h.fetch("/api/me", { headers: { cookie: sessionCookie(res)! } });
      expect(me.status).toBe(200);
      const body = (await me.json()) as { region: string; userId: string };
      expect(body.region).toBe(region);
      // The emulator's user ids name their tenant's region; the login verified the ID token against that
      // region's issuer and JWKS, or it would have failed.
      expect(body.userId).toBe(`demo-${region}-alice`);
    });
  }

  it("routes a request without cf (e.g. local tools) to the default region us", async () => {
    const h = await harness();
    const res = await login(h, ALICE, { cf: {} });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-transmit-region")).toBe("us");
  });

  it("only configured regions are candidates: with EU alone, Sydney goes to EU", async () => {
    const h = await harness({
      TRANSMIT_US_CLIENT_ID: "",
      TRANSMIT_US_CLIENT_SECRET: "",
      TRANSMIT_CA_CLIENT_ID: "",
      TRANSMIT_CA_CLIENT_SECRET: "",
      TRANSMIT_AU_CLIENT_ID: "",
      TRANSMIT_AU_CLIENT_SECRET: "",
    });
    const res = await login(h, ALICE, { cf: CITIES.sydney });
    expect(res.headers.get("x-transmit-region")).toBe("eu");
    expect(h.calls("password.authenticate", "eu")).toBe(1);
  });

  it("applies configured data-residency overrides (JP=eu)", async () => {
    const h = await harness({ REGION_OVERRIDES: "JP=eu" });
    const res = await login(h, ALICE, { cf: CITIES.tokyo });
    expect(res.headers.get("x-transmit-region")).toBe("eu");
  });

  it("ignores X-Debug-Country unless ALLOW_REGION_OVERRIDE=true (A10)", async () => {
    const off = await harness();
    const res1 = await login(off, ALICE, { cf: CITIES.frankfurt, headers: { "x-debug-country": "AU" } });
    expect(res1.headers.get("x-transmit-region")).toBe("eu");

    const on = await harness({ ALLOW_REGION_OVERRIDE: "true" });
    const res2 = await login(on, ALICE, { cf: CITIES.frankfurt, headers: { "x-debug-country": "AU" } });
    expect(res2.headers.get("x-transmit-region")).toBe("au");
  });

  it("X-Debug-Country runs the real rules: a country alone routes by its location (NZ->au, JP->au, GB->eu)", async () => {
    for (const [country, region] of [
      ["NZ", "au"],
      ["JP", "au"],
      ["GB", "eu"],
      ["BR", "us"],
    ] as const) {
      // A new harness per country: after a success the account's home region would decide (home-region.test.ts).
      const on = await harness({ ALLOW_REGION_OVERRIDE: "true" });
      const res = await login(on, ALICE, { cf: {}, headers: { "x-debug-country": country } });
      expect(res.headers.get("x-transmit-region")).toBe(region);
    }
  });

  it("X-Debug-Location (lat,long) routes by coordinates, dev only (A10)", async () => {
    const on = await harness({ ALLOW_REGION_OVERRIDE: "true" });
    const res = await login(on, ALICE, { cf: {}, headers: { "x-debug-location": "-36.85, 174.76" } });
    expect(res.headers.get("x-transmit-region")).toBe("au");
    const off = await harness();
    const res2 = await login(off, ALICE, { cf: CITIES.frankfurt, headers: { "x-debug-location": "-36.85,174.76" } });
    expect(res2.headers.get("x-transmit-region")).toBe("eu");
    // A malformed value is ignored, not half-used (a new harness: alice's home is au in the first one).
    const on2 = await harness({ ALLOW_REGION_OVERRIDE: "true" });
    const res3 = await login(on2, ALICE, { cf: CITIES.frankfurt, headers: { "x-debug-location": "-36.85;174" } });
    expect(res3.headers.get("x-transmit-region")).toBe("eu");
  });

  it("never retries a 401 in another region (A10)", async () => {
    const h = await harness();
    const res = await login(h, { username: "alice", password: "wrong-password-1!" }, { cf: CITIES.toronto });
    expect(res.status).toBe(401);
    expect(h.calls("password.authenticate")).toBe(1);
    expect(h.calls("password.authenticate", "ca")).toBe(1);
  });
});
