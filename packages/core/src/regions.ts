/**
 * Transmit's regions (docs/transmit-contract.md, "Hosts and issuers"). Locations are approximate and only used to
 * pick the nearest region; Transmit does not publish data-centre locations.
 */
import type { RegionName } from "./types.ts";

/** Static facts about one Transmit region. */
export interface RegionInfo {
  /** Region name. */
  readonly name: RegionName;
  /** API host, e.g. `api.eu.transmitsecurity.io`. */
  readonly host: string;
  /** API root (scheme + host); service paths such as `/cis/v1/...` and `/oidc/token` hang off it. */
  readonly root: string;
  /**
   * Expected `iss` of tokens signed with the tenant's global key. `undefined` for the sandbox, whose issuer is not
   * documented: pass `issuer` to `createTransmitClient` to verify sandbox tokens.
   */
  readonly issuer: string | undefined;
  /** JWKS URL (`{root}/cis/oidc/jwks`). */
  readonly jwksUrl: string;
  /** Approximate latitude of the region, for {@link nearestRegion}. */
  readonly latitude: number;
  /** Approximate longitude of the region, for {@link nearestRegion}. */
  readonly longitude: number;
}

/**
 * API host per region: all that a login needs of the table below, kept apart so that a login-only bundle carries
 * neither the issuers nor the locations.
 */
const HOSTS: Readonly<Record<RegionName, string>> = {
  us: "api.transmitsecurity.io",
  eu: "api.eu.transmitsecurity.io",
  ca: "api.ca.transmitsecurity.io",
  au: "api.au.transmitsecurity.io",
  sandbox: "api.sbx.transmitsecurity.io",
};

/** API root (scheme + host) of a region. */
export const regionRoot = (name: RegionName): string => `https://${HOSTS[name]}`;

function region(name: RegionName, issuer: string | undefined, latitude: number, longitude: number): RegionInfo {
  const root = regionRoot(name);
  return Object.freeze({
    name,
    host: HOSTS[name],
    root,
    issuer,
    jwksUrl: `${root}/cis/oidc/jwks`,
    latitude,
    longitude,
  });
}

/**
 * The region table: hosts, API roots, issuers and JWKS URLs of every Transmit environment.
 *
 * @example
 * ```ts
 * regions.eu.root;   // "https://api.eu.transmitsecurity.io"
 * regions.eu.issuer; // "https://eu.userid.security"
 * ```
 */
export const regions: Readonly<Record<RegionName, RegionInfo>> = /* @__PURE__ */ Object.freeze({
  // US/global: eastern United States (approximation).
  us: /* @__PURE__ */ region("us", "https://userid.security", 38.9, -77.4),
  // EU: Frankfurt (approximation).
  eu: /* @__PURE__ */ region("eu", "https://eu.userid.security", 50.1, 8.7),
  // CA: Montreal (approximation).
  ca: /* @__PURE__ */ region("ca", "https://ca.userid.security", 45.5, -73.6),
  // AU: Sydney (approximation).
  au: /* @__PURE__ */ region("au", "https://au.userid.security", -33.9, 151.2),
  // Sandbox: separate environment, issuer undocumented.
  sandbox: /* @__PURE__ */ region("sandbox", undefined, 38.9, -77.4),
});

/** The production regions, the default candidates of {@link nearestRegion}. */
export const productionRegions: readonly RegionName[] = /* @__PURE__ */ Object.freeze(["us", "eu", "ca", "au"]);

/**
 * Type guard for region names, e.g. to validate configuration.
 *
 * @example
 * ```ts
 * isRegionName("eu"); // true
 * isRegionName("mars"); // false
 * ```
 */
export function isRegionName(value: unknown): value is RegionName {
  return typeof value === "string" && Object.hasOwn(HOSTS, value);
}
