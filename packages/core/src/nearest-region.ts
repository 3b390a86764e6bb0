/**
 * Region choice for a login: data residency first (a country with its own Transmit region goes there), then the
 * nearest candidate by great-circle distance from the request's coordinates or, without them, from the country's
 * representative location (country-locations.ts), then a continent table. Accepts Workers' `request.cf` as is.
 */
import { countryLocation } from "./country-locations.ts";
import { isRegionName, productionRegions, regions } from "./regions.ts";
import type { RegionName } from "./types.ts";

/**
 * Where a request comes from. Shaped so that Workers' `IncomingRequestCfProperties` (`request.cf`, with
 * latitude/longitude as strings) is accepted without a cast.
 */
export interface RegionHint {
  /** Latitude in degrees, as a number or a decimal string. */
  latitude?: string | number | null;
  /** Longitude in degrees, as a number or a decimal string. */
  longitude?: string | number | null;
  /** ISO 3166-1 alpha-2 country code (case-insensitive). */
  country?: string | null;
  /** Continent code: `AF`, `AN`, `AS`, `EU`, `NA`, `OC`, `SA`. */
  continent?: string | null;
}

/** Options of {@link nearestRegion}. */
export interface NearestRegionOptions {
  /**
   * Country -> region overrides, checked before the built-in residency table (e.g. `{ GB: "eu", MX: "us" }`).
   * Applied only when the region is a candidate.
   */
  countryOverrides?: Readonly<Record<string, RegionName>>;
  /** Region returned when nothing in the hint helps. Defaults to `us` if it is a candidate, else the first one. */
  fallback?: RegionName;
}

/** The 27 EU member states plus the EEA's Iceland, Liechtenstein and Norway. */
const EEA = new Set(
  "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split(" "),
);

/**
 * Territories with ISO codes of their own that are part of a residency country (attack4 F4). The EU's outermost
 * regions (French Guiana, Guadeloupe, Martinique, Saint-Martin, Reunion, Mayotte; TFEU art. 349) and Aland are EU
 * territory: by distance French Guiana and the Caribbean ones went to the US region. The US territories (Puerto Rico,
 * Guam, the US Virgin Islands, American Samoa, the Northern Mariana Islands, the minor outlying islands) and
 * Australia's external territories (Christmas Island, Cocos Islands, Norfolk Island, Heard Island) went by distance
 * too (Guam to AU, or to EU when AU is not configured).
 */
const TERRITORIES: Readonly<Record<string, RegionName>> = {
  GF: "eu",
  GP: "eu",
  MQ: "eu",
  MF: "eu",
  RE: "eu",
  YT: "eu",
  AX: "eu",
  PR: "us",
  GU: "us",
  VI: "us",
  AS: "us",
  MP: "us",
  UM: "us",
  CX: "au",
  CC: "au",
  NF: "au",
  HM: "au",
};

function residencyRegion(country: string): RegionName | undefined {
  if (country === "US") return "us";
  if (country === "CA") return "ca";
  if (country === "AU") return "au";
  if (Object.hasOwn(TERRITORIES, country)) return TERRITORIES[country];
  return EEA.has(country) ? "eu" : undefined;
}

/** Preference order per continent when there are no usable coordinates. */
const CONTINENT_PREFERENCE: Record<string, readonly RegionName[]> = {
  NA: ["us", "ca", "eu", "au"],
  SA: ["us", "ca", "eu", "au"],
  EU: ["eu", "ca", "us", "au"],
  AF: ["eu", "us", "ca", "au"],
  AS: ["eu", "au", "us", "ca"],
  OC: ["au", "us", "ca", "eu"],
  AN: ["au", "us", "eu", "ca"],
};

function toCoordinate(value: unknown, limit: number): number | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() ? Number(value) : Number.NaN;
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : undefined;
}

const RAD = Math.PI / 180;

/** Great-circle distance in kilometres (haversine). */
export function greatCircleKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)));
}

function readField(hint: unknown, key: keyof RegionHint): unknown {
  try {
    return typeof hint === "object" && hint !== null ? (hint as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined; // a throwing getter must not make routing throw
  }
}

/**
 * Picks the Transmit region for a request. Never throws: unusable input yields the fallback candidate.
 *
 * @param hint Where the request comes from; on Workers pass `request.cf` directly.
 * @param candidates Regions you have credentials for (default: us, eu, ca, au).
 * @example
 * ```ts
 * const region = nearestRegion(request.cf, ["us", "eu"]); // DE -> "eu", JP -> nearest of us/eu
 * ```
 */
export function nearestRegion(
  hint: RegionHint | null | undefined,
  candidates: readonly RegionName[] = productionRegions,
  options: NearestRegionOptions = {},
): RegionName {
  const list: RegionName[] = Array.isArray(candidates) ? (candidates as readonly unknown[]).filter(isRegionName) : [];
  const fallback: RegionName =
    options.fallback && list.includes(options.fallback)
      ? options.fallback
      : list.includes("us")
        ? "us"
        : (list[0] ?? options.fallback ?? "us");
  if (list.length === 0) return fallback;
  const pick = (r: RegionName | undefined) => (r !== undefined && list.includes(r) ? r : undefined);

  const countryRaw = readField(hint, "country");
  const country = typeof countryRaw === "string" ? countryRaw.trim().toUpperCase() : "";
  if (country) {
    const override = options.countryOverrides;
    const chosen =
      pick(override && Object.hasOwn(override, country) ? override[country] : undefined) ??
      pick(residencyRegion(country));
    if (chosen) return chosen;
  }

  let lat = toCoordinate(readField(hint, "latitude"), 90);
  let lon = toCoordinate(readField(hint, "longitude"), 180);
  if ((lat === undefined || lon === undefined) && country) {
    const location = countryLocation(country);
    if (location) [lat, lon] = location;
  }
  if (lat !== undefined && lon !== undefined) {
    let best = fallback;
    let bestKm = Number.POSITIVE_INFINITY;
    for (const name of list) {
      const km = greatCircleKm(lat, lon, regions[name].latitude, regions[name].longitude);
      if (km < bestKm) {
        best = name;
        bestKm = km;
      }
    }
    return best;
  }

  const continentRaw = readField(hint, "continent");
  const continent = typeof continentRaw === "string" ? continentRaw.trim().toUpperCase() : "";
  const preference = Object.hasOwn(CONTINENT_PREFERENCE, continent) ? CONTINENT_PREFERENCE[continent] : undefined;
  for (const name of preference ?? []) if (list.includes(name)) return name;
  return fallback;
}
