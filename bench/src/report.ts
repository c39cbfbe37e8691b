/** The printed table and the JSON report (bench/results/latest.json). */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import type { TestEngine } from '@hangar/testing';
import type { BenchConfig } from './config.js';
import type { Measurement } from './load.js';
import type { FootprintRow, ResultRow } from './suite.js';

export interface EngineStatus {
  readonly engine: TestEngine;
  readonly status: 'measured' | 'skipped';
  readonly version?: string;
  readonly reason?: string;
}

export interface Environment {
  readonly date: string;
  readonly commit: string;
  /** Uncommitted changes were present, so `commit` alone does not reproduce the run. */
  readonly dirty: boolean;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly cpuCount: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  /** 1-minute load average when the run started; above the CPU count, other work competed for the CPUs. */
  readonly loadAverageAtStart: number;
}

export function describeEnvironment(repoRoot: string): Environment {
  const git = (...args: string[]): string | undefined => {
    try {
      return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  const cpuList = cpus();
  return {
    date: new Date().toISOString(),
    commit: git('rev-parse', 'HEAD') ?? 'unknown',
    dirty: (git('status', '--porcelain') ?? '') !== '',
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpuCount: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: loadavg()[0] ?? 0,
  };
}

const HEADERS = [
  'scenario',
  'engine',
  'protocol',
  'in flight',
  'req/s',
  'p50 ms',
  'p99 ms',
  'cpu µs',
  'baseline req/s',
  'base p50',
  'base p99',
  'base cpu µs',
  'ratio',
  'cpu ratio',
] as const;
const LEFT_ALIGNED = new Set<string>(['scenario', 'engine', 'protocol']);

export function renderTable(rows: readonly ResultRow[]): string {
  const rate = (m: Measurement | undefined) => (m === undefined ? '—' : Math.round(m.rate).toLocaleString('en'));
  const cpu = (m: Measurement | undefined) => (m === undefined ? '—' : Math.round(m.cpuUsPerCall).toLocaleString('en'));
  const ms = (value: number | undefined) => (value === undefined ? '—' : value < 10 ? value.toFixed(2) : value.toFixed(1));
  const cells = rows.map((r) => [
    r.scenario,
    r.engine,
    r.protocol,
    String(r.concurrency),
    rate(r.hangar),
    ms(r.hangar?.p50Ms),
    `${ms(r.hangar?.p99Ms)}${r.p99TargetMs !== undefined && r.hangar !== undefined && r.hangar.p99Ms > r.p99TargetMs ? ` (> ${r.p99TargetMs})` : ''}`,
    cpu(r.hangar),
    rate(r.baseline),
    ms(r.baseline?.p50Ms),
    ms(r.baseline?.p99Ms),
    cpu(r.baseline),
    r.ratio === undefined ? '—' : `${r.ratio.toFixed(2)}${r.target !== undefined && r.ratio < r.target ? ` (< ${r.target})` : ''}`,
    r.cpuRatio === undefined ? '—' : r.cpuRatio.toFixed(2),
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (LEFT_ALIGNED.has(HEADERS[i] ?? '') ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function renderFootprints(rows: readonly FootprintRow[]): string {
  const headers = ['memory scenario', 'engine', 'items', 'hangar KiB/item', 'baseline KiB/item', 'ratio'];
  const kib = (bytes: number) => (bytes / 1024).toFixed(1);
  const cells = rows.map((r) => [
    r.scenario,
    r.engine,
    r.items.toLocaleString('en'),
    kib(r.hangarBytesPerItem),
    kib(r.baselineBytesPerItem),
    r.ratio.toFixed(2),
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (i < 2 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export interface Report {
  readonly environment: Environment;
  readonly engines: readonly EngineStatus[];
  readonly settings: BenchConfig;
  readonly notes: readonly string[];
  readonly results: readonly ResultRow[];
  readonly footprints: readonly FootprintRow[];
}

export async function writeReport(file: string, report: Report): Promise<void> {
  const round = (_key: string, value: unknown) =>
    typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(report, round, 2) + '\n');
}
