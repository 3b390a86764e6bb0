import { describe, expect, it } from "vitest";
import { countryCodes, countryLocation } from "../src/country-locations.ts";
import { nearestRegion, type RegionName } from "../src/index.ts";

// Coordinates as Workers' request.cf gives them (strings), with the country and continent codes it sends.
const cities: [string, { latitude: string; longitude: string; country: string; continent: string }, RegionName][] = [
  ["Frankfurt", { latitude: "50.1109", longitude: "8.6821", country: "DE", continent: "EU" }, "eu"],
  ["Reykjavik (EEA, not EU)", { latitude: "64.1466", longitude: "-21.9426", country: "IS", continent: "EU" }, "eu"],
  ["Oslo (EEA)", { latitude: "59.9139", longitude: "10.7522", country: "NO", continent: "EU" }, "eu"],
  ["Lisbon", { latitude: "38.7223", longitude: "-9.1393", country: "PT", continent: "EU" }, "eu"],
  ["Toronto", { latitude: "43.6532", longitude: "-79.3832", country: "CA", continent: "NA" }, "ca"],
  [
    "Vancouver (CA residency beats distance)",
    { latitude: "49.2827", longitude: "-123.1207", country: "CA", continent: "NA" },
    "ca",
  ],
  ["New York", { latitude: "40.7128", longitude: "-74.0060", country: "US", continent: "NA" }, "us"],
  ["Seattle", { latitude: "47.6062", longitude: "-122.3321", country: "US", continent: "NA" }, "us"],
  ["Honolulu", { latitude: "21.3069", longitude: "-157.8583", country: "US", continent: "OC" }, "us"],
  ["Sydney", { latitude: "-33.8688", longitude: "151.2093", country: "AU", continent: "OC" }, "au"],
  ["Perth", { latitude: "-31.9523", longitude: "115.8613", country: "AU", continent: "OC" }, "au"],
  ["Auckland", { latitude: "-36.8485", longitude: "174.7633", country: "NZ", continent: "OC" }, "au"],
  ["Tokyo", { latitude: "35.6762", longitude: "139.6503", country: "JP", continent: "AS" }, "au"],
  ["Singapore", { latitude: "1.3521", longitude: "103.8198", country: "SG", continent: "AS" }, "au"],
  ["Mumbai", { latitude: "19.0760", longitude: "72.8777", country: "IN", continent: "AS" }, "eu"],
  ["Dubai", { latitude: "25.2048", longitude: "55.2708", country: "AE", continent: "AS" }, "eu"],
  ["Lagos", { latitude: "6.5244", longitude: "3.3792", country: "NG", continent: "AF" }, "eu"],
  ["Cape Town", { latitude: "-33.9249", longitude: "18.4241", country: "ZA", continent: "AF" }, "eu"],
  ["London (not EEA: nearest)", { latitude: "51.5074", longitude: "-0.1278", country: "GB", continent: "EU" }, "eu"],
  ["Sao Paulo", { latitude: "-23.5505", longitude: "-46.6333", country: "BR", continent: "SA" }, "us"],
  ["Mexico City", { latitude: "19.4326", longitude: "-99.1332", country: "MX", continent: "NA" }, "us"],
  ["McMurdo Station", { latitude: "-77.846", longitude: "166.676", country: "AQ", continent: "AN" }, "au"],
];

describe("nearestRegion", () => {
  for (const [city, cf, expected] of cities) {
    it(`routes ${city} to ${expected}`, () => {
      expect(nearestRegion(cf)).toBe(expected);
    });
  }

  it("sends a residency country elsewhere by distance when its region is not a candidate", () => {
    const toronto = { latitude: "43.65", longitude: "-79.38", country: "CA", continent: "NA" };
    expect(nearestRegion(toronto, ["us", "eu", "au"])).toBe("us");
    const berlin = { latitude: "52.52", longitude: "13.40", country: "DE", continent: "EU" };
    expect(nearestRegion(berlin, ["us", "ca"])).toBe("ca");
  });

  it("accepts numeric coordinates and lower-case country codes", () => {
    expect(nearestRegion({ latitude: 35.68, longitude: 139.65 })).toBe("au");
    expect(nearestRegion({ country: "de" })).toBe("eu");
  });

  it("routes a country alone like a request from its representative location", () => {
    // Countries without a region of their own used to fall back to US when only the country was known.
    expect(nearestRegion({ country: "NZ" })).toBe("au");
    expect(nearestRegion({ country: "JP" })).toBe("au");
    expect(nearestRegion({ country: "GB" })).toBe("eu");
    expect(nearestRegion({ country: "BR" })).toBe("us");
    expect(nearestRegion({ country: "MX" })).toBe("us");
    expect(nearestRegion({ country: "ZA" })).toBe("eu");
    expect(nearestRegion({ country: "IN" })).toBe("eu");
    expect(nearestRegion({ country: "SG" })).toBe("au");
    // The country wins over the continent; the request's own coordinates win over the country's.
    expect(nearestRegion({ country: "JP", continent: "EU" })).toBe("au");
    expect(nearestRegion({ country: "JP", latitude: 51.5, longitude: -0.1 })).toBe("eu");
    // Only configured regions are candidates.
    expect(nearestRegion({ country: "NZ" }, ["us", "eu"])).toBe("us");
  });

  it("knows every ISO 3166-1 country: none falls through to the default", () => {
    for (const code of countryCodes()) {
      expect(countryLocation(code)).toBeDefined();
      // With the default as a non-candidate fallback, a known country always yields one of the candidates by distance.
      expect(["us", "eu", "ca", "au"]).toContain(nearestRegion({ country: code }));
    }
    expect(countryCodes().length).toBeGreaterThanOrEqual(249);
    expect(countryLocation("ZZ")).toBeUndefined();
  });

  it("falls back to the continent without coordinates or a known country", () => {
    expect(nearestRegion({ country: "ZZ", continent: "AS" })).toBe("eu");
    expect(nearestRegion({ continent: "OC" })).toBe("au");
    expect(nearestRegion({ continent: "SA" })).toBe("us");
    expect(nearestRegion({ continent: "AF" })).toBe("eu");
    expect(nearestRegion({ continent: "NA" }, ["ca", "eu"])).toBe("ca");
    expect(nearestRegion({ continent: "AS" }, ["us", "au"])).toBe("au");
  });

  it("applies country overrides before the residency table, only for candidate regions", () => {
    const overrides = { GB: "eu", FR: "us", NZ: "ca" } as const;
    expect(nearestRegion({ country: "FR" }, undefined, { countryOverrides: overrides })).toBe("us");
    expect(nearestRegion({ country: "NZ", continent: "OC" }, undefined, { countryOverrides: overrides })).toBe("ca");
    expect(nearestRegion({ country: "FR" }, ["eu", "au"], { countryOverrides: overrides })).toBe("eu");
  });

  it("never throws on garbage and returns a default candidate", () => {
    const garbage: unknown[] = [
      undefined,
      null,
      42,
      "DE",
      [],
      { latitude: "abc", longitude: "def" },
      { latitude: "999", longitude: "0" },
      { latitude: Number.NaN, longitude: Number.POSITIVE_INFINITY },
      { country: 7, continent: {} },
      { country: "T1", continent: "XX" },
      {
        get country() {
          throw new Error("boom");
        },
      },
    ];
    for (const hint of garbage) {
      expect(nearestRegion(hint as never)).toBe("us");
      expect(nearestRegion(hint as never, ["au", "eu"])).toBe("au");
    }
    expect(nearestRegion({ country: "DE" }, [])).toBe("us");
    expect(nearestRegion({ country: "DE" }, ["mars" as RegionName, "ca"])).toBe("ca");
    expect(nearestRegion({}, ["eu", "au"], { fallback: "eu" })).toBe("eu");
  });

  it("falls back to the continent when a coordinate is missing", () => {
    expect(nearestRegion({ latitude: "35.6", continent: "OC" })).toBe("au");
  });
});
