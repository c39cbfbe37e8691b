/**
 * `npm run bench`: runs every `*.bench.js` module next to this file, prints one table (stdout; progress
 * goes to stderr) and writes bench/results/latest.json. Settings: HANGAR_BENCH_* (see config.ts);
 * HANGAR_BENCH_QUICK=1 checks that everything works in a few seconds. `npm run bench -- logs unary` runs
 * only the suites named (a partial run: it writes partial.json).
 */
import { engineSkip, type TestEngine } from '@hangar/testing';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BenchConfigError, isPartial, loadBenchConfig, type BenchConfig } from './config.js';
import { PROTOCOL_LABEL } from './protocols.js';
import { describeEnvironment, renderFootprints, renderTable, writeReport, type EngineStatus } from './report.js';
import type { BenchContext, BenchSuite, FootprintRow, ResultRow } from './suite.js';

const here = dirname(fileURLToPath(import.meta.url));
const benchRoot = resolve(here, '..');
const repoRoot = resolve(benchRoot, '..');

async function main(only: readonly string[]): Promise<number> {
  let config: BenchConfig;
  try {
    config = loadBenchConfig();
  } catch (err) {
    if (err instanceof BenchConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const environment = describeEnvironment(repoRoot);
  const note = (line: string) => process.stderr.write(`${line}\n`);
  note(
    `hangar bench · ${environment.node} · ${environment.cpuCount} × ${environment.cpuModel} · commit ${environment.commit.slice(0, 12)}${environment.dirty ? ' (dirty)' : ''}`,
  );
  note(
    `${config.quick ? 'QUICK MODE · ' : ''}${config.runs} run(s) × ${config.seconds} s after ${config.warmupSeconds} s warm-up, ${config.concurrency} calls in flight · ` +
      `engines ${config.engines.join(',')} · protocols ${config.protocols.map((p) => PROTOCOL_LABEL[p]).join(', ')}`,
  );

  if (environment.loadAverageAtStart > 0.5) {
    note(
      `warning: load average ${environment.loadAverageAtStart.toFixed(2)} before starting: other processes compete for the CPUs, so rates are noisy (ratios less so: runs are interleaved)`,
    );
  }

  const available = await loadSuites();
  const unknown = only.filter((name) => !available.some((s) => s.name === name));
  if (unknown.length > 0) {
    note(`no such benchmark suite: ${unknown.join(', ')} (there are: ${available.map((s) => s.name).join(', ')}, and abuse)`);
    return 2;
  }
  const suites = only.length === 0 ? available : available.filter((s) => only.includes(s.name));
  const rows: ResultRow[] = [];
  const footprints: FootprintRow[] = [];
  const engines = new Map<TestEngine, EngineStatus>();
  const started = performance.now();

  for (const suite of suites) {
    const ctx: BenchContext = {
      config,
      wants: (scenario) => config.filter === undefined || scenario.toLowerCase().includes(config.filter),
      async eachEngine(fn) {
        for (const engine of config.engines) {
          const skip = await engineSkip(engine);
          if (skip !== false) {
            note(`\n!!! SKIPPING ${engine.toUpperCase()} BENCHMARKS: ${skip} !!!\n`);
            engines.set(engine, { engine, status: 'skipped', reason: skip });
            continue;
          }
          engines.set(engine, { engine, status: 'measured', ...engines.get(engine) });
          await fn(engine);
        }
      },
      record(row) {
        const ratio = row.hangar !== undefined && row.baseline !== undefined ? row.hangar.rate / row.baseline.rate : undefined;
        const cpuRatio =
          row.hangar !== undefined && row.baseline !== undefined ? row.baseline.cpuUsPerCall / row.hangar.cpuUsPerCall : undefined;
        const full: ResultRow = { suite: suite.name, ...row, ratio, cpuRatio };
        rows.push(full);
        note(`    ${renderTable([full]).split('\n')[2] ?? ''}`);
      },
      footprint(row) {
        const full: FootprintRow = { suite: suite.name, ...row, ratio: row.baselineBytesPerItem / row.hangarBytesPerItem };
        footprints.push(full);
        note(`    ${renderFootprints([full]).split('\n')[2] ?? ''}`);
      },
      engineVersion(engine, version) {
        engines.set(engine, { engine, status: 'measured', version });
      },
      note,
    };
    await suite.run(ctx);
  }

  process.stdout.write(`\n${renderTable(rows)}\n\n`);
  if (footprints.length > 0) process.stdout.write(`${renderFootprints(footprints)}\n\n`);
  const missed = rows.filter((r) => r.ratio !== undefined && r.target !== undefined && r.ratio < r.target);
  for (const r of missed)
    process.stdout.write(`below target: ${r.scenario} · ${r.engine} · ${r.protocol}: ratio ${r.ratio?.toFixed(2)} < ${r.target}\n`);
  const slow = rows.filter((r) => r.hangar !== undefined && r.p99TargetMs !== undefined && r.hangar.p99Ms > r.p99TargetMs);
  for (const r of slow)
    process.stdout.write(
      `above p99 target: ${r.scenario} · ${r.engine} · ${r.protocol}: p99 ${r.hangar?.p99Ms.toFixed(1)} ms > ${r.p99TargetMs} ms\n`,
    );
  for (const e of engines.values()) if (e.status === 'skipped') process.stdout.write(`SKIPPED ${e.engine}: ${e.reason ?? ''}\n`);

  const out = config.out ?? join(benchRoot, 'results', isPartial(config) || only.length > 0 ? 'partial.json' : 'latest.json');
  await writeReport(out, {
    environment,
    engines: [...engines.values()],
    settings: config,
    notes: [
      ...(only.length > 0 ? [`only the suites ${only.join(', ')}`] : []),
      'rate = completed calls per second in a closed loop; p50/p99 = per-call latency in ms; figures are medians over the runs.',
      'ratio = Hangar rate ÷ baseline rate, measured in the same process and protocol, runs interleaved.',
      'The load generator shares the process (and its CPUs) with both servers, so client work is part of every call on both sides.',
      'cpuUsPerCall = CPU time of this process per call (client + server), in µs; it excludes the database server process.',
      'cpuRatio = baseline cpuUsPerCall ÷ hangar cpuUsPerCall: steadier than ratio when other processes load the machine, but blind to database server CPU.',
    ],
    results: rows,
    footprints,
  });
  const endLoad = loadavg()[0] ?? 0;
  note(
    `wrote ${relative(process.cwd(), out)} in ${Math.round((performance.now() - started) / 1000)} s (load average now ${endLoad.toFixed(2)})`,
  );
  return 0;
}

/** Every `*.bench.js` next to this file whose source still exists (tsc -b leaves deleted modules' output), in name order. */
async function loadSuites(): Promise<BenchSuite[]> {
  const files = (await readdir(here))
    .filter((f) => f.endsWith('.bench.js') && existsSync(join(benchRoot, 'src', f.replace(/\.js$/, '.ts'))))
    .sort();
  const suites: BenchSuite[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { suite?: BenchSuite };
    if (mod.suite === undefined) throw new Error(`${file} exports no \`suite\`: export const suite: BenchSuite = { name, run }`);
    suites.push(mod.suite);
  }
  return suites;
}

// `npm run bench -- abuse` runs the abuse benchmark instead of the ratio suites.
(process.argv[2] === 'abuse' ? import('./abuse/run.js').then((m) => m.runAbuse()) : main(process.argv.slice(2))).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
