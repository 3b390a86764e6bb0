// The geographic model (bench/README.md, "Geographic model"): login latency per city from the Worker's hops, each
// priced at the RTT between the city's Cloudflare location and where the hop's object or Transmit region lives,
// against a direct backend call from the same city to the account's home region.
import { nearestRegion } from "@transmit-edge/core";
import { CITIES, nearestSite, OBJECT_SITES, objectNear, TOKEN_CACHE_HINTS, TRANSMIT } from "./places.mjs";
import { PUBLISHED, rttTable } from "./rtt.mjs";

const REGIONS = ["us", "eu", "ca", "au"];

/**
 * The hops of a successful login, in order, as apps/edge-login/test/round-trips.test.ts counts them (Durable Object
 * calls the Worker waits for) with the upstream password call between them. Hops named "... from there" are made by
 * the account's object, not by the Worker, and are priced from where that object lives. Work left for after the
 * answer (`waitUntil`) is not on the login's path and is not priced.
 */
export const FLOWS = {
  /**
   * This branch (the hand-over, docs/regions.md): the Worker hands the checked login to the account's object, placed
   * near the account's region with `locationHint`; it counts the attempt in its own storage, calls Transmit and
   * creates the session in an object next to it (created from there, so near it).
   */
  after: ["account object", "transmit from there", "session from there"],
  /** This branch, first login of the object's isolate: the region's shared token object and a token fetch too. */
  cold: ["account object", "tokens from there", "token fetch from there", "transmit from there", "session from there"],
  /** A traveller: a new browser whose best guess is a region of the other jurisdiction (one more far round trip). */
  traveller: ["account object elsewhere", "account object", "transmit from there", "session from there"],
  /** main at c459258 (the second round): the Worker calls the throttle, Transmit and the session object itself. */
  main: ["throttle", "transmit", "session"],
  /** main before issue 14: the token object read before every upstream call, the reset awaited. */
  before: ["throttle", "tokens (one global)", "transmit", "session", "throttle"],
};

/** The Durable Object calls of each flow as the round-trip test reports them (checked against its results). */
export const EXPECTED_CALLS = {
  after: ["ACCOUNT_THROTTLE.fetch [eu]"],
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
    // main: the account's throttle object was created by its first attempt, from home: the site nearest the city.
    case "throttle":
      return objectNear(city, { placement }).site;
    // main: EU users' sessions are created in the eu jurisdiction (the nearest EU site); others near the city.
    case "session":
      return objectNear(city, { euOnly: home === "eu", placement }).site;
    // One shared object per region, hinted near its Transmit region.
    case "tokens":
    case "tokens from there":
      return nearestHinted(TOKEN_CACHE_HINTS[home], TRANSMIT[home]).site;
    // Before: one object per (region, client) with no hint, created where it was first used. Assumed (best case
    // for "before") to be near the Transmit region.
    case "tokens (one global)":
      return nearestSite(TRANSMIT[home]).site;
    case "transmit":
    case "token fetch from there":
    case "transmit from there":
      return transmit;
    // The account's object, created with the region's `locationHint` (EU: in the eu jurisdiction, hint weur). With
    // the optimistic placement the hint is honoured at the Transmit region's own metro. The object in the other
    // jurisdiction that a traveller reaches first was created by the same object's pointer write, with the same hint.
    case "account object":
    case "account object elsewhere":
      return placement === "sites" ? nearestHinted(TOKEN_CACHE_HINTS[home], TRANSMIT[home]).site : transmit;
    // Created by the account's object without a hint: next to it (EU: an EU site).
    case "session from there": {
      const object = locate(placeOf("account object", city, home, placement));
      return objectNear(
        { ...object, city: object.city ?? object.site ?? object.place },
        { euOnly: home === "eu", placement },
      ).site;
    }
    default:
      throw new Error(`unknown hop ${hop}`);
  }
}

/**
 * The least any design can take under the model's object sites and the Worker's two guarantees: an attempt is
 * counted in an object before the password leaves (checklist A04), and the new session is stored and listed in its
 * user's index before the login answers (checklist U02). So the login's path runs from the city through an object
 * site X to Transmit and, after Transmit's answer, through an object site Y back to the city. With one-way times of
 * half an RTT and the triangle inequality, no order of calls beats min over X of (RTT(city, X) + RTT(X, Transmit))
 * (the same bound holds for Y), whichever of the Worker or an object calls Transmit. EU logins: X and Y are EU
 * sites (residency, docs/regions.md). The hint regions are ignored here, so the bound holds for any placement policy.
 */
function boundOf(table, city, home, serviceMs) {
  const transmit = TRANSMIT[home].place;
  let best;
  for (const site of OBJECT_SITES) {
    if (home === "eu" && !site.eu) continue;
    const ms = table.rtt(city.city, site.site).ms + table.rtt(site.site, transmit).ms;
    if (!best || ms < best.ms) best = { site: site.site, ms };
  }
  return { site: best.site, ms: best.ms + serviceMs };
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
    const price = (flow, account = home) => {
      let from = city.city;
      const hops = FLOWS[flow].map((hop) => {
        const place = placeOf(hop, city, account, placement);
        const { ms, source } = table.rtt(from, place);
        // After the hand-over the account's object makes the later calls itself.
        if (hop === "account object") from = place;
        return { hop, place, ms: ms + (hop.startsWith("transmit") ? serviceMs : 0), source };
      });
      return { hops, ms: hops.reduce((s, h) => s + h.ms, 0) };
    };
    const direct = table.rtt(city.city, TRANSMIT[home].place);
    const directMs = direct.ms + serviceMs;
    const after = price("after");
    const before = price("before");
    const main = price("main");
    const cold = price("cold");
    // The traveller from this city: an account in the other jurisdiction (EU for non-EU homes, US for EU homes).
    const away = home === "eu" ? "us" : "eu";
    const traveller = price("traveller", away);
    const awayDirectMs = table.rtt(city.city, TRANSMIT[away].place).ms + serviceMs;
    // A guarded request: one session read, from the city to wherever the login put the session object.
    const bound = boundOf(table, city, home, serviceMs);
    const guarded = {
      after: table.rtt(city.city, placeOf("session from there", city, home, placement)).ms,
      main: table.rtt(city.city, placeOf("session", city, home, placement)).ms,
      before: table.rtt(city.city, objectNear(city, { placement }).site).ms,
    };
    return {
      ...city,
      home,
      transmit: TRANSMIT[home].place,
      direct: { ms: directMs, source: direct.source },
      after,
      before,
      main,
      cold,
      traveller: { ...traveller, away, directMs: awayDirectMs },
      guarded,
      ratio: after.ms / directMs,
      ratioMain: main.ms / directMs,
      ratioBefore: before.ms / directMs,
      ratioCold: cold.ms / directMs,
      ratioTraveller: traveller.ms / awayDirectMs,
      bound,
      ratioBound: bound.ms / directMs,
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
    main: stats("ratioMain"),
    cold: stats("ratioCold"),
    traveller: stats("ratioTraveller"),
    bound: { ...stats("ratioBound"), worstCity: rows.reduce((w, r) => (r.ratioBound > w.ratioBound ? r : w)) },
    serviceMs,
    placement,
  };
}
