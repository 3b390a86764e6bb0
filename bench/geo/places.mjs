// Places of the geographic model (bench/README.md, "Geographic model"; sources and assumptions in docs/regions.md).

/**
 * Cities where people sign in, 12 per inhabited continent. The model assumes each city's traffic enters Cloudflare
 * in the city, so the first hop, browser to Cloudflare, is the same short hop a browser makes to a backend in that
 * city and cancels out of the comparison. Coordinates: city centres, rounded.
 */
export const CITIES = [
  // Europe
  { city: "London", country: "GB", continent: "Europe", lat: 51.51, lon: -0.13 },
  { city: "Paris", country: "FR", continent: "Europe", lat: 48.86, lon: 2.35, eu: true },
  { city: "Frankfurt", country: "DE", continent: "Europe", lat: 50.11, lon: 8.68, eu: true },
  { city: "Madrid", country: "ES", continent: "Europe", lat: 40.42, lon: -3.7, eu: true },
  { city: "Stockholm", country: "SE", continent: "Europe", lat: 59.33, lon: 18.07, eu: true },
  { city: "Rome", country: "IT", continent: "Europe", lat: 41.9, lon: 12.5, eu: true },
  { city: "Amsterdam", country: "NL", continent: "Europe", lat: 52.37, lon: 4.9, eu: true },
  { city: "Istanbul", country: "TR", continent: "Europe", lat: 41.01, lon: 28.98 },
  { city: "Moscow", country: "RU", continent: "Europe", lat: 55.76, lon: 37.62 },
  { city: "Athens", country: "GR", continent: "Europe", lat: 37.98, lon: 23.73, eu: true },
  { city: "Dublin", country: "IE", continent: "Europe", lat: 53.35, lon: -6.26, eu: true },
  { city: "Warsaw", country: "PL", continent: "Europe", lat: 52.23, lon: 21.01, eu: true },
  // North America
  { city: "New York", country: "US", continent: "North America", lat: 40.71, lon: -74.01 },
  { city: "Chicago", country: "US", continent: "North America", lat: 41.88, lon: -87.63 },
  { city: "Los Angeles", country: "US", continent: "North America", lat: 34.05, lon: -118.24 },
  { city: "Toronto", country: "CA", continent: "North America", lat: 43.65, lon: -79.38 },
  { city: "Mexico City", country: "MX", continent: "North America", lat: 19.43, lon: -99.13 },
  { city: "Miami", country: "US", continent: "North America", lat: 25.76, lon: -80.19 },
  { city: "Seattle", country: "US", continent: "North America", lat: 47.61, lon: -122.33 },
  { city: "Dallas", country: "US", continent: "North America", lat: 32.78, lon: -96.8 },
  { city: "Vancouver", country: "CA", continent: "North America", lat: 49.28, lon: -123.12 },
  { city: "Montreal", country: "CA", continent: "North America", lat: 45.5, lon: -73.57 },
  { city: "Guatemala City", country: "GT", continent: "North America", lat: 14.63, lon: -90.51 },
  { city: "Panama City", country: "PA", continent: "North America", lat: 8.98, lon: -79.52 },
  // South America
  { city: "Sao Paulo", country: "BR", continent: "South America", lat: -23.55, lon: -46.63 },
  { city: "Buenos Aires", country: "AR", continent: "South America", lat: -34.6, lon: -58.38 },
  { city: "Bogota", country: "CO", continent: "South America", lat: 4.71, lon: -74.07 },
  { city: "Santiago", country: "CL", continent: "South America", lat: -33.45, lon: -70.67 },
  { city: "Lima", country: "PE", continent: "South America", lat: -12.05, lon: -77.04 },
  { city: "Rio de Janeiro", country: "BR", continent: "South America", lat: -22.91, lon: -43.17 },
  { city: "Caracas", country: "VE", continent: "South America", lat: 10.48, lon: -66.9 },
  { city: "Quito", country: "EC", continent: "South America", lat: -0.18, lon: -78.47 },
  { city: "Montevideo", country: "UY", continent: "South America", lat: -34.9, lon: -56.16 },
  { city: "Asuncion", country: "PY", continent: "South America", lat: -25.26, lon: -57.58 },
  { city: "La Paz", country: "BO", continent: "South America", lat: -16.5, lon: -68.15 },
  { city: "Fortaleza", country: "BR", continent: "South America", lat: -3.73, lon: -38.52 },
  // Africa
  { city: "Johannesburg", country: "ZA", continent: "Africa", lat: -26.2, lon: 28.05 },
  { city: "Lagos", country: "NG", continent: "Africa", lat: 6.52, lon: 3.38 },
  { city: "Nairobi", country: "KE", continent: "Africa", lat: -1.29, lon: 36.82 },
  { city: "Cairo", country: "EG", continent: "Africa", lat: 30.04, lon: 31.24 },
  { city: "Casablanca", country: "MA", continent: "Africa", lat: 33.57, lon: -7.59 },
  { city: "Cape Town", country: "ZA", continent: "Africa", lat: -33.92, lon: 18.42 },
  { city: "Accra", country: "GH", continent: "Africa", lat: 5.6, lon: -0.19 },
  { city: "Addis Ababa", country: "ET", continent: "Africa", lat: 9.03, lon: 38.74 },
  { city: "Kinshasa", country: "CD", continent: "Africa", lat: -4.44, lon: 15.27 },
  { city: "Dakar", country: "SN", continent: "Africa", lat: 14.72, lon: -17.47 },
  { city: "Luanda", country: "AO", continent: "Africa", lat: -8.84, lon: 13.23 },
  { city: "Dar es Salaam", country: "TZ", continent: "Africa", lat: -6.79, lon: 39.21 },
  // Asia
  { city: "Tokyo", country: "JP", continent: "Asia", lat: 35.68, lon: 139.69 },
  { city: "Singapore", country: "SG", continent: "Asia", lat: 1.35, lon: 103.82 },
  { city: "Mumbai", country: "IN", continent: "Asia", lat: 19.08, lon: 72.88 },
  { city: "Hong Kong", country: "HK", continent: "Asia", lat: 22.32, lon: 114.17 },
  { city: "Dubai", country: "AE", continent: "Asia", lat: 25.2, lon: 55.27 },
  { city: "Seoul", country: "KR", continent: "Asia", lat: 37.57, lon: 126.98 },
  { city: "Bangkok", country: "TH", continent: "Asia", lat: 13.76, lon: 100.5 },
  { city: "Jakarta", country: "ID", continent: "Asia", lat: -6.21, lon: 106.85 },
  { city: "Delhi", country: "IN", continent: "Asia", lat: 28.61, lon: 77.21 },
  { city: "Manila", country: "PH", continent: "Asia", lat: 14.6, lon: 120.98 },
  { city: "Tel Aviv", country: "IL", continent: "Asia", lat: 32.09, lon: 34.78 },
  { city: "Karachi", country: "PK", continent: "Asia", lat: 24.86, lon: 67.01 },
  // Oceania
  { city: "Sydney", country: "AU", continent: "Oceania", lat: -33.87, lon: 151.21 },
  { city: "Melbourne", country: "AU", continent: "Oceania", lat: -37.81, lon: 144.96 },
  { city: "Perth", country: "AU", continent: "Oceania", lat: -31.95, lon: 115.86 },
  { city: "Auckland", country: "NZ", continent: "Oceania", lat: -36.85, lon: 174.76 },
  { city: "Honolulu", country: "US", continent: "Oceania", lat: 21.31, lon: -157.86 },
  { city: "Brisbane", country: "AU", continent: "Oceania", lat: -27.47, lon: 153.03 },
  { city: "Adelaide", country: "AU", continent: "Oceania", lat: -34.93, lon: 138.6 },
  { city: "Wellington", country: "NZ", continent: "Oceania", lat: -41.29, lon: 174.78 },
  { city: "Christchurch", country: "NZ", continent: "Oceania", lat: -43.53, lon: 172.64 },
  { city: "Suva", country: "FJ", continent: "Oceania", lat: -18.14, lon: 178.44 },
  { city: "Port Moresby", country: "PG", continent: "Oceania", lat: -9.44, lon: 147.18 },
  { city: "Noumea", country: "NC", continent: "Oceania", lat: -22.28, lon: 166.46 },
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
