// Round-trip times between places of the geographic model (bench/README.md, "Geographic model").
import { readFileSync } from "node:fs";
import { distanceKm } from "./places.mjs";

/**
 * Published inter-city round-trip times (ms): average pings between WonderProxy test servers as WonderNetwork
 * publishes them (https://wondernetwork.com/pings, "Global Ping Statistics"), rounded to 5 ms. Transcribed by hand:
 * this repository's machines have no access to the site, so the values could not be re-read when the table was
 * written. Check them against the site, or pass a current export with `--rtt pairs.csv` (lines `from,to,ms`).
 * Pairs not listed here come from the distance model below, calibrated on these.
 */
export const PUBLISHED = [
  ["London", "Frankfurt", 15],
  ["London", "Paris", 10],
  ["London", "Madrid", 25],
  ["London", "Stockholm", 30],
  ["London", "Warsaw", 30],
  ["London", "New York", 75],
  ["London", "Toronto", 90],
  ["London", "Johannesburg", 155],
  ["London", "Lagos", 105],
  ["London", "Nairobi", 130],
  ["London", "Cairo", 65],
  ["London", "Mumbai", 115],
  ["London", "Dubai", 120],
  ["London", "Singapore", 170],
  ["London", "Sydney", 265],
  ["Paris", "Frankfurt", 10],
  ["Madrid", "Frankfurt", 30],
  ["Stockholm", "Frankfurt", 25],
  ["Warsaw", "Frankfurt", 20],
  ["Frankfurt", "New York", 90],
  ["Frankfurt", "Mumbai", 120],
  ["Frankfurt", "Dubai", 115],
  ["Frankfurt", "Singapore", 160],
  ["Frankfurt", "Johannesburg", 165],
  ["Frankfurt", "Cairo", 60],
  ["Frankfurt", "Tokyo", 230],
  ["Frankfurt", "Sydney", 285],
  ["New York", "Ashburn", 10],
  ["New York", "Chicago", 20],
  ["New York", "Toronto", 15],
  ["New York", "Montreal", 10],
  ["New York", "Los Angeles", 65],
  ["New York", "Sao Paulo", 120],
  ["Chicago", "Ashburn", 20],
  ["Toronto", "Montreal", 10],
  ["Los Angeles", "San Jose", 10],
  ["Los Angeles", "Tokyo", 105],
  ["Los Angeles", "Sydney", 145],
  ["Los Angeles", "Honolulu", 55],
  ["Sao Paulo", "Buenos Aires", 35],
  ["Sao Paulo", "Santiago", 55],
  ["Tokyo", "Sydney", 110],
  ["Tokyo", "Singapore", 70],
  ["Tokyo", "Hong Kong", 50],
  ["Singapore", "Sydney", 95],
  ["Singapore", "Hong Kong", 35],
  ["Singapore", "Mumbai", 60],
  ["Sydney", "Melbourne", 15],
  ["Sydney", "Perth", 50],
  ["Sydney", "Auckland", 25],
];

/**
 * RTT between two points of one metro area (city to a data centre in it): not in the published tables (their
 * servers are in different cities); assumed 1 ms.
 */
export const SAME_METRO_MS = 1;
/** Points closer than this are one metro area. */
const SAME_METRO_KM = 50;

/** Least-squares fit `ms = a + b * km` over the published pairs. */
export function fitLine(pairs, locate) {
  const xs = [];
  const ys = [];
  for (const [from, to, ms] of pairs) {
    xs.push(distanceKm(locate(from), locate(to)));
    ys.push(ms);
  }
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const b = sxy / sxx;
  const a = my - b * mx;
  const residuals = xs.map((x, i) => ys[i] - (a + b * x));
  const rms = Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / n);
  return { a, b, n, rms, maxAbs: Math.max(...residuals.map(Math.abs)) };
}

/** Reads `from,to,ms` lines (a header line is skipped). */
export function readPairs(file) {
  return readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((line) => line.split(",").map((s) => s.trim()))
    .filter((cells) => cells.length === 3 && Number.isFinite(Number(cells[2])))
    .map(([from, to, ms]) => [from, to, Number(ms)]);
}

/**
 * An RTT function over named places: the published value when the pair is listed, the same-metro constant for
 * points in one metro area, else the fitted distance model. Also says which one it used.
 */
export function rttTable(pairs, locate) {
  const model = fitLine(pairs, locate);
  const known = new Map();
  for (const [from, to, ms] of pairs) {
    known.set(`${from}|${to}`, ms);
    known.set(`${to}|${from}`, ms);
  }
  return {
    model,
    rtt(from, to) {
      const a = locate(from);
      const b = locate(to);
      const km = distanceKm(a, b);
      if (km < SAME_METRO_KM) return { ms: SAME_METRO_MS, source: "same metro" };
      const published = known.get(`${from}|${to}`);
      if (published !== undefined) return { ms: published, source: "published" };
      return { ms: Math.max(SAME_METRO_MS, model.a + model.b * km), source: "model" };
    },
  };
}
