// attack4 F4 (fixed): residency by country code missed territories with ISO codes of their own. A request from the
// EU's outermost regions (French Guiana, Guadeloupe, Martinique, Saint-Martin) went by distance to the US region,
// so a new account of someone living in the EU was created in the US tenant; Guam went to AU (or to EU without AU).
import { describe, expect, it } from "vitest";
import { nearestRegion, type RegionName } from "../src/index.ts";

const all: RegionName[] = ["us", "eu", "ca", "au"];

describe("attack4: residency of territories with codes of their own", () => {
  it("F4 the EU's outermost regions and Aland go to the EU region, whatever the distance", () => {
    for (const country of ["GF", "GP", "MQ", "MF", "RE", "YT", "AX"]) {
      expect([country, nearestRegion({ country }, all)]).toEqual([country, "eu"]);
      expect([country, nearestRegion({ country }, ["us", "eu"])]).toEqual([country, "eu"]);
    }
    // Coordinates as request.cf gives them (Cayenne, French Guiana): residency beats distance.
    expect(nearestRegion({ country: "GF", latitude: "4.9224", longitude: "-52.3135" }, all)).toBe("eu");
  });

  it("F4 US territories go to the US region and Australia's external territories to AU", () => {
    for (const country of ["PR", "GU", "VI", "AS", "MP", "UM"]) {
      expect([country, nearestRegion({ country }, all)]).toEqual([country, "us"]);
    }
    for (const country of ["CX", "CC", "NF", "HM"]) {
      expect([country, nearestRegion({ country }, all)]).toEqual([country, "au"]);
    }
  });

  it("F4 a territory whose region is not configured still goes by distance", () => {
    expect(nearestRegion({ country: "GF" }, ["us", "au"])).toBe("us");
    expect(nearestRegion({ country: "GU" }, ["eu", "au"])).toBe("au");
  });
});
