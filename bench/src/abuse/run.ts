/**
 * `npm run bench -- abuse`: the server as a real process under everything issue 7 names at once — 3,000
 * idle sockets, 300 slowloris clients, 4 senders of 30 MB unauthenticated bodies, 64 wrong-password loops
 * — while a legitimate client probes /healthz and an authorized GetOrganization. Figures: the probes' p50
 * and p99 under attack against the same probes on the idle server measured first (the baseline), and the
 * server's peak RSS. Targets: p99 under 100 ms, RSS under 300 MB. Not part of `npm test`.
 * Settings: HANGAR_BENCH_ENGINES (sqlite,postgres), HANGAR_ABUSE_SECONDS (attack length, default 20).
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CLI_PATH, engineSkip, flagArgs, freshDatabase, type TestEngine } from '@hangar/testing';
import { mkdir, writeFile } from 'node:fs/promises';
import { describeEnvironment } from '../report.js';
import { startAttacks, type AttackCounters, type AttackPlan } from './attacks.js';
import type { ProbeReport } from './probes.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..');
const PLAN: AttackPlan = { idleSockets: 3000, slowloris: 300, bigBodySenders: 4, bigBodyBytes: 30 * 1024 * 1024, passwordLoops: 64 };
const P99_TARGET_MS = 100;
const RSS_TARGET_MB = 300;
const IDLE_SECONDS = 5;

const note = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface EngineResult {
  readonly engine: TestEngine;
  readonly idle: Summary;
  readonly attack: Summary;
  readonly rssIdleMb: number;
  readonly rssPeakMb: number;
  readonly counters: AttackCounters;
}

interface Summary {
  readonly healthz: Percentiles;
  readonly getOrganization: Percentiles;
  readonly failures: number;
}

interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN };
}

function summarize(report: ProbeReport): Summary {
  return { healthz: percentiles(report.healthzMs), getOrganization: percentiles(report.getOrganizationMs), failures: report.failures };
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function runEngine(engine: TestEngine, attackSeconds: number): Promise<EngineResult> {
  const db = await freshDatabase(engine);
  const dataDir = join(db.dataDir, 'data');
  const flags = flagArgs(db.serverFlags);
  const child = spawn(
    process.execPath,
    [
      CLI_PATH,
      'server',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      '--database-url',
      engine === 'sqlite' ? join(dataDir, 'hangar.db') : db.url,
      '--log-level',
      'warn',
      ...flags,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
  );
  try {
    const port = await new Promise<number>((resolvePort, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const match = /hangar login --server http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (match?.[1] !== undefined) resolvePort(Number(match[1]));
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => process.stderr.write(d));
      child.once('exit', (code) => reject(new Error(`hangar server exited with ${String(code)}`)));
    });
    const admin = JSON.parse(await readFile(join(dataDir, 'initial-admin.json'), 'utf8')) as {
      apiKeyId: string;
      apiKey: string;
      organizationId: string;
    };
    const auth = await fetch(`http://127.0.0.1:${port}/proto.rpc.v1.AuthService/Authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ entity: admin.apiKeyId, credentials: { type: 'api-key', payload: admin.apiKey } }),
    });
    const { accessToken } = (await auth.json()) as { accessToken: string };

    const probes = new Worker(join(here, 'probes.js'), { workerData: { port, token: accessToken, organizationId: admin.organizationId } });
    const nextReport = () => new Promise<ProbeReport>((r) => probes.once('message', r));
    note(`abuse on ${engine}: ${IDLE_SECONDS} s idle baseline`);
    await sleep(IDLE_SECONDS * 1000);
    const rssIdleMb = await rssMb(child.pid ?? 0);
    let phase = nextReport();
    probes.postMessage('phase');
    const idle = summarize(await phase);

    note(
      `abuse on ${engine}: ${attackSeconds} s under attack (${PLAN.idleSockets} idle sockets, ${PLAN.slowloris} slowloris, ${PLAN.bigBodySenders} × 30 MB bodies, ${PLAN.passwordLoops} password loops)`,
    );
    const attack = startAttacks(port, PLAN);
    let rssPeakMb = rssIdleMb;
    const sampler = setInterval(() => {
      void rssMb(child.pid ?? 0).then((mb) => (rssPeakMb = Math.max(rssPeakMb, mb)));
    }, 250);
    await sleep(attackSeconds * 1000);
    phase = nextReport();
    probes.postMessage('stop');
    const underAttack = summarize(await phase);
    clearInterval(sampler);
    await attack.stop();
    await probes.terminate();
    return { engine, idle, attack: underAttack, rssIdleMb, rssPeakMb, counters: attack.counters };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await db.drop();
  }
}

function render(results: readonly EngineResult[]): string {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
  const lines = ['engine    probe             idle p50  idle p99  attack p50  attack p99  p99 ratio  target    calls  failures'];
  for (const r of results) {
    for (const [name, key] of [
      ['/healthz', 'healthz'],
      ['GetOrganization', 'getOrganization'],
    ] as const) {
      const idle = r.idle[key];
      const hit = r.attack[key];
      lines.push(
        [
          r.engine.padEnd(8),
          name.padEnd(16),
          f(idle.p50).padStart(9),
          f(idle.p99).padStart(9),
          f(hit.p50).padStart(11),
          f(hit.p99).padStart(11),
          `${f(hit.p99 / idle.p99)}×`.padStart(10),
          `<${P99_TARGET_MS} ms ${hit.p99 < P99_TARGET_MS ? 'ok' : 'MISSED'}`.padStart(14),
          String(hit.count).padStart(7),
          String(r.attack.failures).padStart(9),
        ].join(' '),
      );
    }
    lines.push(
      `${r.engine.padEnd(8)} server RSS        idle ${f(r.rssIdleMb)} MB, peak under attack ${f(r.rssPeakMb)} MB (${f(r.rssPeakMb / r.rssIdleMb)}× idle; target <${RSS_TARGET_MB} MB ${r.rssPeakMb < RSS_TARGET_MB ? 'ok' : 'MISSED'})`,
    );
    const c = r.counters;
    lines.push(
      `${r.engine.padEnd(8)} attackers         idle sockets opened ${c.idleOpened} (closed by server ${c.idleClosedByServer}), slowloris opened ${c.slowlorisOpened} (closed ${c.slowlorisClosedByServer}), ` +
        `30 MB bodies ${c.bigBodies} (answered after ${f(c.bigBodyBytesSent / Math.max(1, c.bigBodies) / 1024)} KiB sent on average; ${JSON.stringify(c.bigBodyStatuses)}), ` +
        `password tries ${c.passwordTries} ${JSON.stringify(c.passwordOutcomes)}`,
    );
  }
  return lines.join('\n');
}

export async function runAbuse(): Promise<number> {
  const engines = (process.env.HANGAR_BENCH_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim()) as TestEngine[];
  const attackSeconds = Number(process.env.HANGAR_ABUSE_SECONDS ?? '20');
  const results: EngineResult[] = [];
  for (const engine of engines) {
    const skip = await engineSkip(engine);
    if (skip !== false) {
      note(`!!! SKIPPING ${engine}: ${skip}`);
      continue;
    }
    results.push(await runEngine(engine, attackSeconds));
  }
  const table = render(results);
  process.stdout.write(`\n${table}\n\n`);
  const out = join(repoRoot, 'bench', 'results', 'abuse.json');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(
    out,
    JSON.stringify(
      {
        environment: describeEnvironment(repoRoot),
        plan: PLAN,
        attackSeconds,
        targets: { p99Ms: P99_TARGET_MS, rssMb: RSS_TARGET_MB },
        notes: [
          'idle = the same probes on the same server before the attack: the baseline; p99 ratio = attack p99 ÷ idle p99.',
          'The server is a separate process (the built hangar CLI, default limits); attackers run in the bench process, probes in a worker thread.',
        ],
        results,
      },
      null,
      2,
    ) + '\n',
  );
  note(`wrote ${relative(process.cwd(), out)}`);
  const missed = results.some(
    (r) => r.attack.healthz.p99 >= P99_TARGET_MS || r.attack.getOrganization.p99 >= P99_TARGET_MS || r.rssPeakMb >= RSS_TARGET_MB,
  );
  return missed ? 1 : 0;
}
