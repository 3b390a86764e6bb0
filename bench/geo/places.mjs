// Places of the geographic model (bench/README.md, "Geographic model"; sources and assumptions in docs/regions.md).

/**
 * Cities where people sign in, 5 per inhabited continent. Each has a Cloudflare location in the city (Cloudflare
 * lists all of these among its data centres), so the first hop, browser to Cloudflare, is the same short hop a
 * browser makes to a backend in that city and cancels out of the comparison. Coordinates: city centres.
 */
export const CITIES = [
  // Europe
  { city: "London", country: "GB", continent: "Europe", lat: 51.51, lon: -0.13 },
  { city: "Paris", country: "FR", continent: "Europe", lat: 48.86, lon: 2.35, eu: true },
  { city: "Frankfurt", country: "DE", continent: "Europe", lat: 50.11, lon: 8.68, eu: true },
  { city: "Madrid", country: "ES", continent: "Europe", lat: 40.42, lon: -3.7, eu: true },
  { city: "Stockholm", country: "SE", continent: "Europe", lat: 59.33, lon: 18.07, eu: true },
  // North America
  { city: "New York", country: "US", continent: "North America", lat: 40.71, lon: -74.01 },
  { city: "Chicago", country: "US", continent: "North America", lat: 41.88, lon: -87.63 },
  { city: "Los Angeles", country: "US", continent: "North America", lat: 34.05, lon: -118.24 },
  { city: "Toronto", country: "CA", continent: "North America", lat: 43.65, lon: -79.38 },
  { city: "Mexico City", country: "MX", continent: "North America", lat: 19.43, lon: -99.13 },
  // South America
  { city: "Sao Paulo", country: "BR", continent: "South America", lat: -23.55, lon: -46.63 },
  { city: "Buenos Aires", country: "AR", continent: "South America", lat: -34.6, lon: -58.38 },
  { city: "Bogota", country: "CO", continent: "South America", lat: 4.71, lon: -74.07 },
  { city: "Santiago", country: "CL", continent: "South America", lat: -33.45, lon: -70.67 },
  { city: "Lima", country: "PE", continent: "South America", lat: -12.05, lon: -77.04 },
  // Africa
  { city: "Johannesburg", country: "ZA", continent: "Africa", lat: -26.2, lon: 28.05 },
  { city: "Lagos", country: "NG", continent: "Africa", lat: 6.52, lon: 3.38 },
  { city: "Nairobi", country: "KE", continent: "Africa", lat: -1.29, lon: 36.82 },
  { city: "Cairo", country: "EG", continent: "Africa", lat: 30.04, lon: 31.24 },
  { city: "Casablanca", country: "MA", continent: "Africa", lat: 33.57, lon: -7.59 },
  // Asia
  { city: "Tokyo", country: "JP", continent: "Asia", lat: 35.68, lon: 139.69 },
  { city: "Singapore", country: "SG", continent: "Asia", lat: 1.35, lon: 103.82 },
  { city: "Mumbai", country: "IN", continent: "Asia", lat: 19.08, lon: 72.88 },
  { city: "Hong Kong", country: "HK", continent: "Asia", lat: 22.32, lon: 114.17 },
  { city: "Dubai", country: "AE", continent: "Asia", lat: 25.2, lon: 55.27 },
  // Oceania
  { city: "Sydney", country: "AU", continent: "Oceania", lat: -33.87, lon: 151.21 },
  { city: "Melbourne", country: "AU", continent: "Oceania", lat: -37.81, lon: 144.96 },
  { city: "Perth", country: "AU", continent: "Oceania", lat: -31.95, lon: 115.86 },
  { city: "Auckland", country: "NZ", continent: "Oceania", lat: -36.85, lon: 174.76 },
  { city: "Honolulu", country: "US", continent: "Oceania", lat: 21.31, lon: -157.86 },
];

/**
 * Where each Transmit region answers from: the metro areas of `packages/core/src/regions.ts` (Transmit does not
 * publish data-centre locations; docs/regions.md).
 */
export const TRANSMIT = {
  us: { place: "Ashburn", lat: 39.04, lon: -77.49 },
  eu: { place: "Frankfurt", lat: 50.11, lon: 8.68 },
  ca: { place: "Montreal", lat: 45.5, lon: -73.57 },
  au: { place: "Sydney", lat: -33.87, lon: 151.21 },
};

/**
 * Sites assumed to host Durable Objects, by `locationHint` region. Cloudflare documents the hint regions (wnam, enam,
 * sam, weur, eeur, apac, oc, afr, me) and that an object hinted to South America is created in eastern North America;
 * it does not publish which data centres host objects. Assumed here: one site per region, two in apac (East and
 * South-East Asia are far apart), none in South America, Africa or the Middle East (docs/regions.md).
 * `eu`: inside the EU, so a jurisdiction("eu") object may live there.
 */
export const OBJECT_SITES = [
  { site: "San Jose", hint: "wnam", lat: 37.34, lon: -121.89, eu: false },
  { site: "Ashburn", hint: "enam", lat: 39.04, lon: -77.49, eu: false },
  { site: "Frankfurt", hint: "weur", lat: 50.11, lon: 8.68, eu: true },
  { site: "Warsaw", hint: "eeur", lat: 52.23, lon: 21.01, eu: true },
  { site: "Tokyo", hint: "apac", lat: 35.68, lon: 139.69, eu: false },
  { site: "Singapore", hint: "apac", lat: 1.35, lon: 103.82, eu: false },
  { site: "Sydney", hint: "oc", lat: -33.87, lon: 151.21, eu: false },
];

/** The shared client-token object of each region: its hint (apps/edge-login/src/client-token-cache.ts). */
export const TOKEN_CACHE_HINTS = { us: "enam", eu: "weur", ca: "enam", au: "oc" };

/** Great-circle distance in km. */
export function distanceKm(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The object site nearest to `place` (optionally only EU sites): where a new object without a hint is created. */
export function nearestSite(place, { euOnly = false, sites = OBJECT_SITES } = {}) {
  let best;
  for (const site of sites) {
    if (euOnly && !site.eu) continue;
    if (!best || distanceKm(place, site) < distanceKm(place, best)) best = site;
  }
  return best;
}

/**
 * Where a new object created from `place` lives. `sites`: the assumed object sites above (the model's default).
 * `everywhere`: the optimistic bound, every Cloudflare location hosts objects (Cloudflare's "created near the first
 * request" read literally): the city itself, or for an EU-only object the nearest EU city or site.
 */
export function objectNear(place, { euOnly = false, placement = "sites" } = {}) {
  if (placement === "sites") return nearestSite(place, { euOnly });
  const candidates = euOnly
    ? [...OBJECT_SITES.filter((s) => s.eu), ...CITIES.filter((c) => c.eu).map((c) => ({ ...c, site: c.city }))]
    : [{ ...place, site: place.city ?? place.site ?? place.place }];
  return nearestSite(place, { sites: candidates });
}
