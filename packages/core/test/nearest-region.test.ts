import { describe, expect, it } from "vitest";
import { CODES, countryCodes, countryLocation, POINTS } from "../src/country-locations.ts";
import { nearestRegion, type RegionName } from "../src/index.ts";

// The table country-locations.ts was packed from (before the fifth size pass, bench/README.md), one `CClat,lon` entry
// per country in whole degrees: the reviewable form of its CODES and POINTS.
const READABLE =
  "AD43,2 AE25,55 AF35,69 AG17,-62 AI18,-63 AL41,20 AM40,45 AO-9,13 AQ-78,167 AR-35,-58 AS-14,-171 AT48,16 " +
  "AU-34,151 AW13,-70 AX60,20 AZ40,50 BA44,18 BB13,-60 BD24,90 BE51,4 BF12,-2 BG43,23 BH26,51 BI-3,29 BJ6,2 " +
  "BL18,-63 BM32,-65 BN5,115 BO-17,-66 BQ12,-68 BR-23,-47 BS25,-77 BT27,90 BV-54,3 BW-25,26 BY54,28 BZ17,-88 " +
  "CA45,-76 CC-12,97 CD-4,15 CF4,19 CG-4,15 CH47,8 CI5,-4 CK-21,-160 CL-33,-71 CM4,11 CN35,118 CO5,-74 " +
  "CR10,-84 CU23,-82 CV15,-24 CW12,-69 CX-10,106 CY35,33 CZ50,14 DE51,10 DJ12,43 DK56,12 DM15,-61 DO18,-70 " +
  "DZ37,3 EC-2,-79 EE59,25 EG30,31 EH27,-13 ER15,39 ES40,-4 ET9,39 FI60,25 FJ-18,178 FK-52,-58 FM7,158 " +
  "FO62,-7 FR49,2 GA0,9 GB52,-1 GD12,-62 GE42,45 GF5,-52 GG49,-3 GH6,0 GI36,-5 GL64,-52 GM13,-17 GN10,-14 " +
  "GP16,-62 GQ4,9 GR38,24 GS-54,-37 GT15,-91 GU13,145 GW12,-16 GY7,-58 HK22,114 HM-53,73 HN14,-87 HR46,16 " +
  "HT19,-72 HU47,19 ID-6,107 IE53,-6 IL32,35 IM54,-4 IN21,78 IO-7,72 IQ33,44 IR36,51 IS64,-22 IT42,12 " +
  "JE49,-2 JM18,-77 JO32,36 JP36,140 KE-1,37 KG43,75 KH12,105 KI1,173 KM-12,43 KN17,-63 KP39,126 KR38,127 " +
  "KW29,48 KY19,-81 KZ47,73 LA18,103 LB34,36 LC14,-61 LI47,10 LK7,80 LR6,-11 LS-29,27 LT55,25 LU50,6 " +
  "LV57,24 LY33,13 MA34,-7 MC44,7 MD47,29 ME42,19 MF18,-63 MG-19,48 MH7,171 MK42,21 ML13,-8 MM17,96 " +
  "MN48,107 MO22,114 MP15,146 MQ15,-61 MR18,-16 MS17,-62 MT36,14 MU-20,58 MV4,73 MW-14,34 MX19,-99 MY3,102 " +
  "MZ-26,33 NA-23,17 NC-22,166 NE14,2 NF-29,168 NG7,5 NI12,-86 NL52,5 NO60,11 NP28,84 NR-1,167 NU-19,-170 " +
  "NZ-38,175 OM24,58 PA9,-80 PE-12,-77 PF-18,-150 PG-9,147 PH15,121 PK28,70 PL52,20 PM47,-56 PN-25,-130 " +
  "PR18,-66 PS32,35 PT39,-9 PW7,134 PY-25,-58 QA25,51 RE-21,56 RO44,26 RS45,20 RU56,38 RW-2,30 SA24,46 " +
  "SB-9,160 SC-5,55 SD16,33 SE59,18 SG1,104 SH-16,-6 SI46,15 SJ78,16 SK48,17 SL8,-13 SM44,12 SN15,-17 SO2,45 " +
  "SR6,-55 SS5,32 ST0,7 SV14,-89 SX18,-63 SY34,36 SZ-26,31 TC22,-72 TD12,15 TF-49,70 TG6,1 TH14,101 TJ39,69 " +
  "TK-9,-172 TL-9,126 TM38,58 TN37,10 TO-21,-175 TR40,31 TT11,-61 TV-9,179 TW25,121 TZ-7,39 UA50,31 UG0,33 " +
  "UM19,167 US39,-97 UY-35,-56 UZ41,69 VA42,12 VC13,-61 VE10,-67 VG18,-65 VI18,-65 VN16,106 VU-18,168 " +
  "WF-13,-176 WS-14,-172 XK43,21 YE15,44 YT-13,45 ZA-26,28 ZM-15,28 ZW-18,31";

/** Packs `table` the way country-locations.ts stores it (see its comment): the strings to paste there. */
function pack(table: ReadonlyMap<string, readonly [number, number]>): { CODES: string; POINTS: string } {
  const toText = (bits: string) =>
    (bits.padEnd(Math.ceil(bits.length / 6) * 6, "0").match(/.{6}/g) ?? [])
      .map((six) => String.fromCharCode(48 + Number.parseInt(six, 2)))
      .join("");
  let codes = "";
  let points = "";
  for (let i = 0; i < 26 * 26; i++) {
    const point = table.get(String.fromCharCode(65 + Math.floor(i / 26), 65 + (i % 26)));
    codes += point ? "1" : "0";
    if (point) points += ((point[0] + 90) * 361 + point[1] + 180).toString(2).padStart(16, "0");
  }
  return { CODES: toText(codes), POINTS: toText(points) };
}

const readable = new Map(
  READABLE.split(" ").map((entry) => {
    const [lat, lon] = entry.slice(2).split(",").map(Number);
    return [entry.slice(0, 2), [lat as number, lon as number] as const];
  }),
);

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

  it("decodes every country of the packed table to its readable point (within 1 degree: exactly) and routes the same", () => {
    expect({ CODES, POINTS }).toEqual(pack(readable));
    expect(countryCodes()).toEqual([...readable.keys()]);
    const candidateSets: RegionName[][] = [["us", "eu", "ca", "au"], ["us", "eu"], ["eu", "au"], ["ca", "au"], ["us"]];
    for (const [code, [lat, lon]] of readable) {
      const point = countryLocation(code);
      expect(point).toBeDefined();
      const [decodedLat, decodedLon] = point as readonly [number, number];
      expect(Math.abs(decodedLat - lat)).toBeLessThanOrEqual(1);
      expect(Math.abs(decodedLon - lon)).toBeLessThanOrEqual(1);
      expect(point).toEqual([lat, lon]);
      for (const candidates of candidateSets) {
        expect(nearestRegion({ country: code }, candidates)).toBe(
          nearestRegion({ country: code, latitude: lat, longitude: lon }, candidates),
        );
      }
    }
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
