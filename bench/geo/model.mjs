// The geographic model (bench/README.md, "Geographic model"): login latency per city from the Worker's hops, each
// priced at the RTT between the city's Cloudflare location and where the hop's object or Transmit region lives,
// against a direct backend call from the same city to the account's home region.
import { nearestRegion } from "@transmit-edge/core";
import { CITIES, nearestSite, OBJECT_SITES, objectNear, TOKEN_CACHE_HINTS, TRANSMIT } from "./places.mjs";
import { PUBLISHED, rttTable } from "./rtt.mjs";

const REGIONS = ["us", "eu", "ca", "au"];

/**
 * The hops of a successful login, in order, as apps/edge-login/test/round-trips.test.ts counts them (Durable Object
 * calls the Worker waits for) with the upstream password call between them. Work left for after the answer
 * (`waitUntil`) is not on the login's path and is not priced.
 */
export const FLOWS = {
  /** This branch, warm isolate: throttle verdict + home region, the password check, the new session. */
  after: ["throttle", "transmit", "session"],
  /** This branch, first login of an isolate: the region's shared token object, a token fetch (written after). */
  cold: ["throttle", "tokens", "token fetch", "transmit", "session"],
  /** main before issue 14: the token object read before every upstream call, the reset awaited. */
  before: ["throttle", "tokens (one global)", "transmit", "session", "throttle"],
  /**
   * Not built (bench/README.md, "Where the model says the targets are missed"): the account's object, created near
   * its home region, runs the login itself (count, password check, new session next to it), so the edge waits for
   * one far round trip. Hops after the first are priced from that object, not from the city.
   */
  design: ["account object near home", "transmit from there", "session from there"],
};

/** The Durable Object calls of each flow as the round-trip test reports them (checked against its results). */
export const EXPECTED_CALLS = {
  after: ["ACCOUNT_THROTTLE.hitHome", "SESSIONS.create [eu]"],
};

function locate(name) {
  const place =
    CITIES.find((c) => c.city === name) ??
    OBJECT_SITES.find((s) => s.site === name) ??
    Object.values(TRANSMIT).find((t) => t.place === name);
  if (!place) throw new Error(`unknown place ${name}`);
  return place;
}

/** The home region of a city's residents: where `nearestRegion` sends a new account from there. */
export function homeRegion(city) {
  return nearestRegion({ country: city.country, latitude: String(city.lat), longitude: String(city.lon) }, REGIONS);
}

/** Where each hop of a login from `city` (account in `home`) goes. */
function placeOf(hop, city, home, placement) {
  const transmit = TRANSMIT[home].place;
  switch (hop) {
    // The account's throttle object was created by its first attempt, from home: the site nearest the city.
    case "throttle":
      return objectNear(city, { placement }).site;
    // EU users' sessions are created in the eu jurisdiction (the nearest EU site); others near the city.
    case "session":
      return objectNear(city, { euOnly: home === "eu", placement }).site;
    // One shared object per region, hinted near its Transmit region.
    case "tokens":
      return nearestHinted(TOKEN_CACHE_HINTS[home], TRANSMIT[home]).site;
    // Before: one object per (region, client) with no hint, created where it was first used. Assumed (best case
    // for "before") to be near the Transmit region.
    case "tokens (one global)":
      return nearestSite(TRANSMIT[home]).site;
    case "transmit":
    case "token fetch":
    case "transmit from there":
      return transmit;
    case "account object near home":
      return nearestSite(TRANSMIT[home]).site;
    case "session from there":
      return nearestSite(TRANSMIT[home], { euOnly: home === "eu" }).site;
    default:
      throw new Error(`unknown hop ${hop}`);
  }
}

function nearestHinted(hint, place) {
  const sites = OBJECT_SITES.filter((s) => s.hint === hint);
  return nearestSite(place, { sites }) ?? sites[0];
}

/**
 * Runs the model. `serviceMs`: Transmit's own time for a password check, added to both sides (0: network only).
 * `pairs`: published RTTs (default: bench/geo/rtt.mjs).
 */
export function runModel({ serviceMs = 0, pairs = PUBLISHED, placement = "sites" } = {}) {
  const table = rttTable(pairs, locate);
  const rows = CITIES.map((city) => {
    const home = homeRegion(city);
    const direct = table.rtt(city.city, TRANSMIT[home].place);
    const price = (flow) => {
      let from = city.city;
      const hops = FLOWS[flow].map((hop) => {
        const place = placeOf(hop, city, home, placement);
        const { ms, source } = table.rtt(from, place);
        // In the modelled design the account's object makes the later calls itself.
        if (hop === "account object near home") from = place;
        return { hop, place, ms: ms + (hop.startsWith("transmit") ? serviceMs : 0), source };
      });
      return { hops, ms: hops.reduce((s, h) => s + h.ms, 0) };
    };
    const directMs = direct.ms + serviceMs;
    const after = price("after");
    const before = price("before");
    const cold = price("cold");
    const design = price("design");
    // A guarded request: one session read, from the city to wherever the login put the session object.
    const guarded = {
      after: table.rtt(city.city, placeOf("session", city, home, placement)).ms,
      before: table.rtt(city.city, objectNear(city, { placement }).site).ms,
      design: table.rtt(city.city, placeOf("session from there", city, home, placement)).ms,
    };
    return {
      ...city,
      home,
      transmit: TRANSMIT[home].place,
      direct: { ms: directMs, source: direct.source },
      after,
      before,
      cold,
      design,
      guarded,
      ratio: after.ms / directMs,
      ratioDesign: design.ms / directMs,
      ratioBefore: before.ms / directMs,
      ratioCold: cold.ms / directMs,
    };
  });
  const ratios = rows.map((r) => r.ratio).sort((a, b) => a - b);
  const mid = ratios.length / 2;
  const median = ratios.length % 2 ? ratios[Math.floor(mid)] : (ratios[mid - 1] + ratios[mid]) / 2;
  const worst = rows.reduce((w, r) => (r.ratio > w.ratio ? r : w));
  const stats = (key) => {
    const v = rows.map((r) => r[key]).sort((a, b) => a - b);
    return { median: v.length % 2 ? v[Math.floor(mid)] : (v[mid - 1] + v[mid]) / 2, worst: v[v.length - 1] };
  };
  return {
    rows,
    fit: table.model,
    median,
    worst,
    before: stats("ratioBefore"),
    cold: stats("ratioCold"),
    design: stats("ratioDesign"),
    serviceMs,
    placement,
  };
}
