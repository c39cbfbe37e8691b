/**
 * Measurements whose sides differ in shape: each side keeps its own number of calls in flight and counts
 * its own units per call (entries per Log call, rows per transaction), so the rates compare entries with
 * entries. Runs are interleaved as in load.ts, and the figures are medians over the runs.
 */
import { closedLoop, median, percentile, type Call, type Measurement, type RunStats } from '../load.js';

export interface Side {
  readonly call: Call;
  readonly concurrency: number;
  /** Units (e.g. log entries) one call carries: rate is in units/s, CPU in µs per unit. */
  readonly unitsPerCall: number;
}

export interface InterleaveOptions {
  readonly runs: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** After each side's warm-up, before any measured run (e.g. to read what the warm-up taught). */
  readonly afterWarmup?: (side: string) => Promise<void>;
}

export function inUnits(run: RunStats, units: number): RunStats {
  return { ...run, rate: run.rate * units, cpuUsPerCall: run.cpuUsPerCall / units };
}

export function summarise(runs: readonly RunStats[], warmupCalls = 0): Measurement {
  return {
    rate: median(runs.map((r) => r.rate)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    cpuUsPerCall: median(runs.map((r) => r.cpuUsPerCall)),
    runs,
    warmupCalls,
  };
}

export async function interleaveSides<K extends string>(
  sides: Readonly<Record<K, Side>>,
  options: InterleaveOptions,
): Promise<Record<K, Measurement>> {
  const keys = Object.keys(sides) as K[];
  const warmupCalls = new Map<K, number>();
  for (const key of keys) {
    const side = sides[key];
    if (options.warmupSeconds > 0) {
      warmupCalls.set(key, (await closedLoop(side.call, { concurrency: side.concurrency, seconds: options.warmupSeconds })).calls);
    }
    await options.afterWarmup?.(key);
  }
  const runs = new Map<K, RunStats[]>(keys.map((k) => [k, []]));
  for (let i = 0; i < options.runs; i++) {
    const order = i % 2 === 0 ? keys : [...keys].reverse();
    for (const key of order) {
      const side = sides[key];
      const run = await closedLoop(side.call, { concurrency: side.concurrency, seconds: options.seconds });
      runs.get(key)?.push(inUnits(run, side.unitsPerCall));
    }
  }
  const result = {} as Record<K, Measurement>;
  for (const key of keys) result[key] = summarise(runs.get(key) ?? [], warmupCalls.get(key) ?? 0);
  return result;
}

/** Statistics of one open-loop window: `latencies` (ms, any order) over `seconds`, with the CPU it took. */
export function windowStats(latencies: number[], seconds: number, cpuMicros: number): RunStats {
  latencies.sort((a, b) => a - b);
  return {
    calls: latencies.length,
    seconds,
    rate: latencies.length / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cpuUsPerCall: cpuMicros / latencies.length,
  };
}
