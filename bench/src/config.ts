/**
 * The benchmark's settings, read once from HANGAR_BENCH_* variables. Every problem is reported at once,
 * each with the variable, the accepted form and what was given; nothing else in bench reads process.env.
 */
import type { TestEngine } from '@hangar/testing';
import { PROTOCOLS, type Protocol } from './protocols.js';

export type Target = 'hangar' | 'baseline';

export interface BenchConfig {
  /** Quick mode: one short run per measurement, to check that everything works. */
  readonly quick: boolean;
  /** Length of one measured run. */
  readonly seconds: number;
  /** Measured runs per measurement; the reported figures are their medians. */
  readonly runs: number;
  /** Unmeasured load before the runs of each measurement. */
  readonly warmupSeconds: number;
  /** Calls in flight at once (closed loop). */
  readonly concurrency: number;
  readonly engines: readonly TestEngine[];
  readonly protocols: readonly Protocol[];
  /** Which side to load; one side alone is for profiling. */
  readonly targets: readonly Target[];
  /** Case-insensitive substring a scenario name must contain; undefined runs all. */
  readonly filter: string | undefined;
  /** Let clients accept gzip/br responses (connect-node's default); off measures the bare encoding. */
  readonly compression: boolean;
  /** Where the JSON report goes; undefined means the default for the kind of run. */
  readonly out: string | undefined;
  /** Sizes of the machine-logs table the log queries are measured at, smallest first. */
  readonly logRows: readonly number[];
}

export class BenchConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid benchmark settings:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

const ENGINES = ['sqlite', 'postgres'] as const satisfies readonly TestEngine[];
const TARGETS = ['hangar', 'baseline'] as const satisfies readonly Target[];
const DEFAULT_LOG_ROWS = [1_000_000, 10_000_000] as const;
const QUICK_LOG_ROWS = [20_000, 100_000] as const;

export function loadBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const problems: string[] = [];
  const quick = flag('HANGAR_BENCH_QUICK', false);
  const config: BenchConfig = {
    quick,
    seconds: number('HANGAR_BENCH_SECONDS', quick ? 0.4 : 1, 0.05),
    runs: integer('HANGAR_BENCH_RUNS', quick ? 1 : 5),
    warmupSeconds: number('HANGAR_BENCH_WARMUP_SECONDS', quick ? 0.2 : 0.3, 0),
    concurrency: integer('HANGAR_BENCH_CONCURRENCY', 16),
    engines: list('HANGAR_BENCH_ENGINES', ENGINES),
    protocols: list('HANGAR_BENCH_PROTOCOLS', PROTOCOLS),
    targets: list('HANGAR_BENCH_TARGETS', TARGETS),
    filter: env.HANGAR_BENCH_FILTER === undefined || env.HANGAR_BENCH_FILTER === '' ? undefined : env.HANGAR_BENCH_FILTER.toLowerCase(),
    compression: flag('HANGAR_BENCH_COMPRESSION', true),
    out: env.HANGAR_BENCH_OUT === undefined || env.HANGAR_BENCH_OUT === '' ? undefined : env.HANGAR_BENCH_OUT,
    logRows: sizes('HANGAR_BENCH_LOG_ROWS', quick ? QUICK_LOG_ROWS : DEFAULT_LOG_ROWS),
  };
  if (problems.length > 0) throw new BenchConfigError(problems);
  return Object.freeze(config);

  function flag(name: string, fallback: boolean): boolean {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    problems.push(`${name}: expected 1 or 0, got ${JSON.stringify(raw)}`);
    return fallback;
  }

  function number(name: string, fallback: number, min: number): number {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (Number.isFinite(value) && value >= min) return value;
    problems.push(`${name}: expected a number of seconds ≥ ${min}, got ${JSON.stringify(raw)}`);
    return fallback;
  }

  function integer(name: string, fallback: number): number {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (Number.isInteger(value) && value >= 1) return value;
    problems.push(`${name}: expected a whole number ≥ 1, got ${JSON.stringify(raw)}`);
    return fallback;
  }

  function sizes(name: string, fallback: readonly number[]): readonly number[] {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const values = raw.split(',').map((s) => Number(s.trim().replaceAll('_', '')));
    if (values.length > 0 && values.every((v) => Number.isInteger(v) && v >= 1_000)) return [...new Set(values)].sort((a, b) => a - b);
    problems.push(`${name}: expected comma-separated whole numbers ≥ 1000 (e.g. 1000000,10000000), got ${JSON.stringify(raw)}`);
    return fallback;
  }

  function list<T extends string>(name: string, all: readonly T[]): readonly T[] {
    const raw = env[name];
    if (raw === undefined || raw === '') return all;
    const wanted = raw
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== '');
    const unknown = wanted.filter((w) => !(all as readonly string[]).includes(w));
    if (unknown.length > 0 || wanted.length === 0) {
      problems.push(`${name}: expected a comma-separated subset of ${all.join(',')}, got ${JSON.stringify(raw)}`);
      return all;
    }
    return all.filter((a) => wanted.includes(a));
  }
}

/** A run that does not measure everything at the default settings does not replace latest.json. */
export function isPartial(config: BenchConfig): boolean {
  return (
    config.quick ||
    config.filter !== undefined ||
    config.targets.length < TARGETS.length ||
    config.engines.length < ENGINES.length ||
    config.protocols.length < PROTOCOLS.length ||
    config.logRows.join(',') !== DEFAULT_LOG_ROWS.join(',')
  );
}
