/**
 * What a benchmark module provides and what the runner hands it. Each `*.bench.ts` file exports a
 * `suite`; the runner finds the files itself, so adding a scenario means adding a file.
 */
import type { TestEngine } from '@hangar/testing';
import type { BenchConfig } from './config.js';
import type { Measurement } from './load.js';

export interface BenchSuite {
  /** Short and stable; it names the suite's rows in the report. */
  readonly name: string;
  run(ctx: BenchContext): Promise<void>;
}

/** One line of the table: Hangar against its baseline, for one scenario, engine and protocol. */
export interface ResultRow {
  readonly suite: string;
  readonly scenario: string;
  readonly engine: TestEngine;
  readonly protocol: string;
  /** Absent when HANGAR_BENCH_TARGETS left that side out. */
  readonly hangar: Measurement | undefined;
  readonly baseline: Measurement | undefined;
  /** hangar rate ÷ baseline rate; undefined when a side is missing. */
  readonly ratio: number | undefined;
  /**
   * baseline CPU per call ÷ hangar CPU per call: what the ratio would be if this process had the CPUs to
   * itself. It moves far less than `ratio` when other work shares the machine, but leaves out the
   * database server's own CPU, so on PostgreSQL it flatters Hangar.
   */
  readonly cpuRatio: number | undefined;
  /** What the baseline is, in a few words. */
  readonly baselineKind: string;
  /** The ratio this scenario should reach, if one is set. */
  readonly target: number | undefined;
  /** Calls kept in flight while measuring. */
  readonly concurrency: number;
  /** The p99 latency (ms) Hangar should stay under, if one is set. */
  readonly p99TargetMs?: number | undefined;
}

/** Memory held per item (an idle connection, say), Hangar against a baseline measured in the same run. */
export interface FootprintRow {
  readonly suite: string;
  readonly scenario: string;
  readonly engine: TestEngine;
  readonly items: number;
  /** Resident memory the server process grew by, per item. */
  readonly hangarBytesPerItem: number;
  readonly baselineBytesPerItem: number;
  /** baseline ÷ hangar: 1 means no more than the baseline; below 1, Hangar holds more per item. */
  readonly ratio: number;
  readonly baselineKind: string;
}

export interface BenchContext {
  readonly config: BenchConfig;
  /** True when HANGAR_BENCH_FILTER selects the scenario. */
  wants(scenario: string): boolean;
  /**
   * Calls `fn` for each configured engine that can run here. An unreachable PostgreSQL is skipped with a
   * loud line and shows as skipped in the report (or fails the run under HANGAR_REQUIRE_POSTGRES=1).
   */
  eachEngine(fn: (engine: TestEngine) => Promise<void>): Promise<void>;
  record(row: Omit<ResultRow, 'suite' | 'ratio' | 'cpuRatio'>): void;
  footprint(row: Omit<FootprintRow, 'suite' | 'ratio'>): void;
  /** The engine's version string (e.g. from `select version()`), for the report. */
  engineVersion(engine: TestEngine, version: string): void;
  /** Progress, on stderr. */
  note(line: string): void;
}
