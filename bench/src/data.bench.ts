/**
 * Issue 12, machine data, each against a floor measured in the same run on the same database:
 * - tabular ingest: DataCaptureUpload of 100 readings by a machine (gRPC, as viam-server sends them)
 *   against inserting the same 100 rows straight into the table in one multi-row INSERT (target ≥ 0.5);
 * - binary export: `hangar data export --data-type binary --parallel 10` of many small files (default
 *   1,000 × 32 KiB) and of large ones (40 × 16 MiB, streamed from their uri), against fs.copyFile of the
 *   same blobs, 10 at a time (targets ≥ 0.2 and ≥ 0.5);
 * - tabular export: `hangar data export --data-type tabular` of HANGAR_BENCH_DATA_ROWS readings (default
 *   1,000,000) against streaming the same rows straight from the database to NDJSON (target ≥ 0.4).
 * The server runs as its own process; the CLI is spawned as a user runs it (its start-up is in the figure).
 * Peak RSS of the CLI (/usr/bin/time) and the server's peak RSS growth are printed with each export.
 */
import { AppClient, type DataClient } from '@hangar/sdk';
import { data, openStore, type DataTabularTable, type Store } from '@hangar/store';
import {
  CLI_PATH,
  freshDatabase,
  initialAdminKey,
  newMachine,
  runCli,
  serverArgs,
  spawnServer,
  tempHome,
  type TestEngine,
} from '@hangar/testing';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import Database from 'better-sqlite3';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { engineVersion } from './hangar.js';
import { measureInterleaved } from './load.js';
import type { BenchContext, BenchSuite } from './suite.js';

const READINGS_PER_UPLOAD = 100;

interface Setup {
  readonly engine: TestEngine;
  readonly url: string;
  readonly dataDir: string;
  readonly serverUrl: string;
  readonly serverPid: number;
  readonly orgId: string;
  readonly partId: string;
  readonly machine: DataClient;
  readonly home: string;
  readonly store: Store;
}

/** The server's peak resident memory so far (VmHWM), in bytes; 0 where /proc is missing. */
async function peakRss(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+)/.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/** Runs the CLI as a user would, under /usr/bin/time when it is there; returns its peak RSS (bytes, or 0). */
async function cliWithRss(args: readonly string[], home: string): Promise<number> {
  const timed = existsSync('/usr/bin/time');
  const command = timed ? '/usr/bin/time' : process.execPath;
  // HANGAR_CLI_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the CLI.
  const nodeArgs = (process.env.HANGAR_CLI_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const argv = timed ? ['-f', 'peak-rss-kb=%M', process.execPath, ...nodeArgs, CLI_PATH, ...args] : [...nodeArgs, CLI_PATH, ...args];
  const child = spawn(command, argv, { env: { PATH: process.env.PATH ?? '', HANGAR_HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`hangar ${args.join(' ')} failed (${code}):\n${stderr}`);
  const kb = /peak-rss-kb=(\d+)/.exec(stderr)?.[1];
  return kb === undefined ? 0 : Number(kb) * 1024;
}

function readingRows(s: Setup, count: number, startUs: number): DataTabularTable[] {
  const uploadId = randomUUID();
  return Array.from({ length: count }, (_, i) => ({
    id: randomBytes(32).toString('hex'),
    upload_id: uploadId,
    organization_id: s.orgId,
    location_id: '',
    robot_id: '',
    robot_name: 'bench',
    part_id: s.partId,
    part_name: 'bench-main',
    component_type: 'rdk:component:sensor',
    component_name: 'thermo',
    method_name: 'Readings',
    method_parameters: '{}',
    mime_type: '',
    time_requested_us: startUs + i,
    time_received_us: startUs + i,
    time_synced_us: startUs + i,
    tags: '[]',
    data: JSON.stringify({ readings: { temp: 20 + (i % 10), humidity: 40 + (i % 7), ok: true } }),
  }));
}

async function ingest(ctx: BenchContext, s: Setup): Promise<void> {
  const name = `tabular ingest: DataCaptureUpload of ${READINGS_PER_UPLOAD} readings`;
  if (!ctx.wants(name)) return;
  ctx.note(`data · ${s.engine} · ${name}`);
  const at = () => [new Date(), new Date()] as [Date, Date];
  const readings = Array.from({ length: READINGS_PER_UPLOAD }, (_, i) => ({ temp: 20 + (i % 10), humidity: 40, ok: true }));
  let t = Date.now() * 1000;
  const measured = await measureInterleaved(
    {
      hangar: async () => {
        await s.machine.tabularDataCaptureUpload(
          readings,
          s.partId,
          'rdk:component:sensor',
          'thermo',
          'Readings',
          readings.map(() => at()),
        );
      },
      baseline: async () => {
        const rows = readingRows(s, READINGS_PER_UPLOAD, (t += READINGS_PER_UPLOAD));
        await s.store.db.transaction().execute((tx) => tx.insertInto('data_tabular').values(rows).execute());
      },
    },
    { concurrency: 4, seconds: ctx.config.seconds, runs: ctx.config.runs, warmupSeconds: ctx.config.warmupSeconds },
  );
  ctx.record({
    scenario: name,
    engine: s.engine,
    protocol: 'gRPC h2c',
    hangar: measured.hangar,
    baseline: measured.baseline,
    baselineKind: `one multi-row INSERT of the same ${READINGS_PER_UPLOAD} rows in a transaction`,
    target: 0.5,
    concurrency: 4,
  });
}

/** Every blob file under the data dir's blob store. */
async function blobFiles(dataDir: string): Promise<string[]> {
  const root = join(dataDir, 'blobs');
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (/^[0-9a-f]{64}$/.test(entry.name)) out.push(path);
    }
  };
  if (existsSync(root)) await walk(root);
  return out;
}

async function copyTenAtATime(files: readonly string[], target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  const queue = files.map((file, i) => ({ file, i }));
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await copyFile(item.file, join(target, String(item.i)));
  };
  await Promise.all(Array.from({ length: 10 }, worker));
}

/**
 * One export, `hangar data export` against its floor, interleaved; prints the CLI's peak RSS and how much
 * the server's peak RSS grew over the measurement.
 */
async function measureExport(
  ctx: BenchContext,
  s: Setup,
  options: {
    readonly cliArgs: (destination: string) => string[];
    /** Writes the same data into `target` (a fresh folder) the floor's way. */
    readonly floor: (target: string) => Promise<void>;
    readonly work: string;
    readonly runs: number;
    readonly seconds: number;
  },
) {
  let n = 0;
  let cliPeak = 0;
  const serverBefore = await peakRss(s.serverPid);
  const side = (run: (target: string) => Promise<void>) => async () => {
    const target = join(options.work, `out-${n++}`);
    await mkdir(target, { recursive: true });
    await run(target);
    await rm(target, { recursive: true, force: true });
  };
  const measured = await measureInterleaved(
    {
      hangar: side(async (target) => {
        cliPeak = Math.max(cliPeak, await cliWithRss(options.cliArgs(target), s.home));
      }),
      baseline: side(options.floor),
    },
    { concurrency: 1, seconds: options.seconds, runs: options.runs, warmupSeconds: 0 },
  );
  const serverGrowth = (await peakRss(s.serverPid)) - serverBefore;
  ctx.note(`  CLI peak RSS ${mib(cliPeak)}; server peak RSS grew by ${mib(Math.max(0, serverGrowth))}`);
  return measured;
}

async function binaryExport(ctx: BenchContext, s: Setup, work: string, kind: 'small' | 'large'): Promise<void> {
  const quick = ctx.config.quick;
  const [count, size] = kind === 'small' ? [quick ? 100 : 1000, 32 * 1024] : [quick ? 2 : 40, (quick ? 4 : 16) * 1024 * 1024];
  const name = `binary export, ${count} × ${size / 1024} KiB files, --parallel 10`;
  if (!ctx.wants(name)) return;
  ctx.note(`data · ${s.engine} · ${name} (uploading them first)`);
  const component = `camera-${kind}`;
  const before = new Set(await blobFiles(s.dataDir));
  for (let i = 0; i < count; i++) {
    await s.machine.binaryDataCaptureUpload(randomBytes(size), s.partId, '.jpg', {
      componentName: component,
      dataRequestTimes: [new Date(Date.UTC(2026, 10, 1, 0, 0, 0, i)), new Date()],
    });
  }
  const blobs = (await blobFiles(s.dataDir)).filter((f) => !before.has(f));
  const measured = await measureExport(ctx, s, {
    cliArgs: (destination) => [
      ...['data', 'export', '--destination', destination, '--data-type', 'binary', '--component-name', component, '--json'],
      ...['--parallel', '10', '--org-ids', s.orgId],
    ],
    floor: (target) => copyTenAtATime(blobs, target),
    work,
    runs: Math.min(ctx.config.runs, 3),
    seconds: ctx.config.seconds,
  });
  ctx.record({
    scenario: name,
    engine: s.engine,
    protocol: 'gRPC h2c',
    hangar: measured.hangar,
    baseline: measured.baseline,
    baselineKind: 'fs.copyFile of the same blobs, 10 at a time',
    target: kind === 'small' ? 0.2 : 0.5,
    concurrency: 1,
  });
}

/** The floor of a tabular export: the same rows, streamed from the database straight to NDJSON. */
async function streamRowsToNdjson(s: Setup, target: string): Promise<void> {
  const out = createWriteStream(target);
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain');
  };
  const query = `select time_requested_us, time_received_us, data from data_tabular where organization_id = $1 order by time_requested_us, id`;
  if (s.engine === 'sqlite') {
    const db = new Database(s.url, { readonly: true });
    try {
      const rows = db.prepare(query.replace('$1', '?')).iterate(s.orgId) as IterableIterator<{
        time_requested_us: number;
        time_received_us: number;
        data: string;
      }>;
      for (const r of rows) await write(`{"TimeRequested":${r.time_requested_us},"TimeReceived":${r.time_received_us},"data":${r.data}}\n`);
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: s.url });
    await client.connect();
    try {
      const cursor = client.query(new Cursor<{ time_requested_us: string; time_received_us: string; data: string }>(query, [s.orgId]));
      for (;;) {
        const batch = await cursor.read(5000);
        if (batch.length === 0) break;
        for (const r of batch)
          await write(`{"TimeRequested":${r.time_requested_us},"TimeReceived":${r.time_received_us},"data":${r.data}}\n`);
      }
      await cursor.close();
    } finally {
      await client.end();
    }
  }
  out.end();
  await once(out, 'finish');
}

async function tabularExport(ctx: BenchContext, s: Setup, work: string): Promise<void> {
  const rows = Number(process.env.HANGAR_BENCH_DATA_ROWS ?? (ctx.config.quick ? 20_000 : 1_000_000));
  const name = `tabular export of ${rows} readings`;
  if (!ctx.wants(name)) return;
  ctx.note(`data · ${s.engine} · ${name} (inserting them first)`);
  // A fresh organization of its own, so only these rows are exported.
  const org = await AppClient.connect({ url: s.serverUrl, credentials: await initialAdminKey(s.dataDir) }).then((c) =>
    c.createOrganization(`Bench tabular ${randomUUID().slice(0, 8)}`),
  );
  const setup = { ...s, orgId: org.id };
  const start = Date.UTC(2026, 0, 1) * 1000;
  for (let at = 0; at < rows; at += 5000) {
    const batch = readingRows(setup, Math.min(5000, rows - at), start + at);
    await s.store.db.transaction().execute((tx) => data.insertTabular(tx, batch));
  }
  const measured = await measureExport(ctx, s, {
    cliArgs: (destination) => ['data', 'export', '--destination', destination, '--data-type', 'tabular', '--org-ids', org.id, '--json'],
    floor: (target) => streamRowsToNdjson(setup, join(target, 'rows.ndjson')),
    work,
    runs: ctx.config.quick ? 1 : 2,
    seconds: 0.01,
  });
  ctx.record({
    scenario: name,
    engine: s.engine,
    protocol: 'HTTP/1.1',
    hangar: measured.hangar,
    baseline: measured.baseline,
    baselineKind: 'the same rows streamed from the database to NDJSON (SQLite iterate, PostgreSQL cursor)',
    target: 0.4,
    concurrency: 1,
  });
}

export const suite: BenchSuite = {
  name: 'data',
  async run(ctx) {
    await ctx.eachEngine(async (engine) => {
      const db = await freshDatabase(engine);
      const server = await spawnServer(serverArgs(db));
      const work = await mkdtemp(join(tmpdir(), 'hangar-bench-data-'));
      const store = openStore({ url: db.url, poolSize: 4 });
      try {
        ctx.engineVersion(engine, await engineVersion(db.url));
        const credentials = await initialAdminKey(db.dataDir);
        const admin = await AppClient.connect({ url: server.url, credentials });
        const org = await admin.createOrganization('Bench data');
        const location = await admin.createLocation(org.id, 'bench');
        const { mainPart } = await newMachine(admin, location.id, 'bench');
        const part = await admin.getRobotPart(mainPart.id);
        const machine = await AppClient.connect({
          url: server.url,
          credentials: { type: 'robot-secret', partId: part.id, secret: part.secret },
          protocol: 'grpc',
        });
        const home = await tempHome();
        if (!('keyId' in credentials)) throw new Error('the bench signs the CLI in with the initial API key');
        const login = await runCli(['login', 'api-key', '--key-id', credentials.keyId, '--key', credentials.key], {
          home,
          server: server.url,
        });
        if (login.code !== 0) throw new Error(`hangar login failed:\n${login.stderr}`);
        const setup: Setup = {
          engine,
          url: db.url,
          dataDir: db.dataDir,
          serverUrl: server.url,
          serverPid: server.child.pid ?? 0,
          orgId: org.id,
          partId: part.id,
          machine: machine.dataClient(),
          home,
          store,
        };
        await ingest(ctx, setup);
        await binaryExport(ctx, setup, work, 'small');
        await binaryExport(ctx, setup, work, 'large');
        await tabularExport(ctx, setup, work);
      } finally {
        await store.close();
        await rm(work, { recursive: true, force: true });
        server.child.kill('SIGTERM');
        await server.exited;
        await db.drop();
      }
    });
  },
};
