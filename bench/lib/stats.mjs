// Small statistics and side-by-side comparison helpers shared by the benchmarks.
import { Bench } from "tinybench";

/** Median of numbers (NaN for none). */
export function median(values) {
  return percentile(values, 50);
}

/** Nearest-rank percentile of numbers (NaN for none). */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/**
 * Runs `ours` and `reference` side by side with tinybench: `rounds` fresh benches in one process, the task order
 * alternating per round so neither always runs on a warmer (or more disturbed) machine. Each round warms both
 * tasks up first. Returns per-task medians over rounds of the per-round p50/p99 latency (ms) and median (and mean)
 * ops/s, plus the median of the per-round ratios ours/reference of p50 latency and of median ops/s.
 * @param {{ ours: () => unknown, reference: () => unknown, rounds?: number, timeMs?: number, warmupMs?: number,
 *   onRound?: (round: number, rounds: number) => void }} options
 */
export async function compareSideBySide(options) {
  const rounds = options.rounds ?? 5;
  const per = {
    ours: { p50: [], p99: [], hz: [], hzMean: [], samples: 0 },
    reference: { p50: [], p99: [], hz: [], hzMean: [], samples: 0 },
  };
  const latencyRatios = [];
  const hzRatios = [];
  for (let round = 0; round < rounds; round++) {
    options.onRound?.(round + 1, rounds);
    const bench = new Bench({ time: options.timeMs ?? 800, warmupTime: options.warmupMs ?? 200 });
    const order = round % 2 === 0 ? ["ours", "reference"] : ["reference", "ours"];
    for (const name of order) bench.add(name, options[name]);
    await bench.run();
    const result = {};
    for (const task of bench.tasks) {
      const r = task.result;
      if (r.state !== "completed") throw new Error(`${task.name} ${r.state}: ${r.error?.message ?? ""}`);
      result[task.name] = r;
      per[task.name].p50.push(r.latency.p50);
      per[task.name].p99.push(r.latency.p99);
      per[task.name].hz.push(r.throughput.p50);
      per[task.name].hzMean.push(r.throughput.mean);
      per[task.name].samples += r.latency.samplesCount ?? 0;
    }
    latencyRatios.push(result.ours.latency.p50 / result.reference.latency.p50);
    // Median ops/s: on a shared machine the mean is dominated by whoever else ran during the round.
    hzRatios.push(result.ours.throughput.p50 / result.reference.throughput.p50);
  }
  const summary = (t) => ({
    p50Ms: median(per[t].p50),
    p99Ms: median(per[t].p99),
    opsPerSec: median(per[t].hz),
    meanOpsPerSec: median(per[t].hzMean),
    samples: per[t].samples,
  });
  return {
    rounds,
    ours: summary("ours"),
    reference: summary("reference"),
    latencyRatio: median(latencyRatios),
    throughputRatio: median(hzRatios),
    latencyRatios,
    throughputRatios: hzRatios,
  };
}
