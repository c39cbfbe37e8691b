/**
 * Load generation and statistics. A closed loop: `concurrency` workers each issue a call, wait for it and
 * issue the next, for a fixed time; every call's latency is recorded. A measurement warms up, then takes
 * several runs and reports medians, so one noisy run (GC, a neighbour on the machine) does not decide it.
 */
import { performance } from 'node:perf_hooks';

export interface LoadOptions {
  readonly concurrency: number;
  readonly seconds: number;
}

export interface RunStats {
  readonly calls: number;
  readonly seconds: number;
  /** Calls per second. */
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /**
   * CPU time this process spent per call (client and server together), in µs: unlike the rate, it barely
   * moves when other processes compete for the CPUs. A database server's own CPU is not in it.
   */
  readonly cpuUsPerCall: number;
}

export interface Measurement {
  /** Medians over the measured runs. */
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerCall: number;
  readonly runs: readonly RunStats[];
  /** Calls made while warming up, unmeasured (with `runs`, the total a CPU profile covers). */
  readonly warmupCalls: number;
}

export type Call = () => Promise<unknown>;

/** Runs `call` in a closed loop; the first failure stops the run and is thrown, since a rate of errors means nothing. */
export async function closedLoop(call: Call, { concurrency, seconds }: LoadOptions): Promise<RunStats> {
  const latencies: number[] = [];
  let failure: unknown;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (failure === undefined) {
      const t0 = performance.now();
      if (t0 >= deadline) return;
      try {
        await call();
      } catch (err) {
        failure ??= err;
        return;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error('call failed with a non-Error value', { cause: failure });
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  return {
    calls: latencies.length,
    seconds: elapsed,
    rate: latencies.length / elapsed,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cpuUsPerCall: (cpu.user + cpu.system) / latencies.length,
  };
}

/** Nearest-rank percentile of sorted values; NaN when there are none. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export interface CompareOptions extends LoadOptions {
  readonly runs: number;
  readonly warmupSeconds: number;
}

/**
 * Measures several sides of one comparison with their runs interleaved (A B, B A, A B, …), so drift over
 * the measurement (heat, JIT, a growing heap) falls on every side alike rather than on whichever ran last.
 */
export async function measureInterleaved<K extends string>(
  calls: Readonly<Record<K, Call>>,
  options: CompareOptions,
): Promise<Record<K, Measurement>> {
  const keys = Object.keys(calls) as K[];
  const warmupCalls = new Map<K, number>();
  if (options.warmupSeconds > 0) {
    for (const key of keys)
      warmupCalls.set(key, (await closedLoop(calls[key], { concurrency: options.concurrency, seconds: options.warmupSeconds })).calls);
  }
  const runs = new Map<K, RunStats[]>(keys.map((k) => [k, []]));
  for (let i = 0; i < options.runs; i++) {
    const order = i % 2 === 0 ? keys : [...keys].reverse();
    for (const key of order) runs.get(key)?.push(await closedLoop(calls[key], options));
  }
  const result = {} as Record<K, Measurement>;
  for (const key of keys) {
    const list = runs.get(key) ?? [];
    result[key] = {
      rate: median(list.map((r) => r.rate)),
      p50Ms: median(list.map((r) => r.p50Ms)),
      p99Ms: median(list.map((r) => r.p99Ms)),
      cpuUsPerCall: median(list.map((r) => r.cpuUsPerCall)),
      runs: list,
      warmupCalls: warmupCalls.get(key) ?? 0,
    };
  }
  return result;
}
