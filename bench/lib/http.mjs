// Loopback HTTP helpers for the Worker and emulator benchmarks.
import { median, percentile } from "./stats.mjs";

/** A distinct documentation-range-like address per request, so the Worker's per-IP limiter never interferes. */
export function fakeClientIp(n) {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** Sends a request, reads the whole body, checks the status; resolves to the elapsed milliseconds. */
export async function timedRequest(make, expectStatus = 200) {
  const { url, init } = make();
  const started = performance.now();
  const res = await fetch(url, init);
  await res.arrayBuffer();
  const elapsed = performance.now() - started;
  if (res.status !== expectStatus) throw new Error(`${init?.method ?? "GET"} ${url}: ${res.status}`);
  return elapsed;
}

/**
 * Measures two request kinds in one sequential loop, alternating A and B (and which goes first in each pair), so
 * both see the same machine state. `warmup` pairs are discarded.
 * @param {{ a: () => { url: string, init?: RequestInit }, b: () => { url: string, init?: RequestInit },
 *   samples: number, warmup: number, expectA?: number, onProgress?: (done: number, total: number) => void }} options
 */
export async function interleavedLatency(options) {
  const a = [];
  const b = [];
  const total = options.warmup + options.samples;
  for (let i = 0; i < total; i++) {
    const first = i % 2 === 0;
    const expectA = options.expectA ?? 200;
    const ta = first ? await timedRequest(options.a, expectA) : undefined;
    const tb = await timedRequest(options.b);
    const ta2 = first ? ta : await timedRequest(options.a, expectA);
    if (i >= options.warmup) {
      a.push(ta2);
      b.push(tb);
    }
    if (options.onProgress && (i + 1) % 250 === 0) options.onProgress(i + 1, total);
  }
  const summary = (xs) => ({ p50Ms: median(xs), p90Ms: percentile(xs, 90), p99Ms: percentile(xs, 99), n: xs.length });
  return { a: summary(a), b: summary(b) };
}
