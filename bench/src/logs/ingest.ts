/**
 * Log ingest: machines sending RobotService.Log calls of 100 entries over gRPC, as viam-server does, each
 * waiting for its answer (which comes once the entries are committed) before sending the next, for a
 * fixed time; against raw inserts of the same rows into a log table of the same schema and indexes on the
 * same engine, through the bare driver, one transaction per batch of the size the server itself used.
 */
import { MachineClient } from '@hangar/sdk';
import { logsFileOf, openLogStore, openPostgresPool, openSqliteFile, type NewLogEntry } from '@hangar/store';
import { freshDatabase, machineKey, metricValue, type TestEngine, type TestServer } from '@hangar/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HangarUnderTest } from '../hangar.js';
import type { BenchContext } from '../suite.js';
import { ENTRIES_PER_CALL, machineBatch, storedRows } from './entries.js';
import { closedLoop, type Measurement } from '../load.js';
import { interleaveSides, type Side } from './measure.js';

export const INGEST_MACHINES = 8;
const TARGET = 0.5;

export const ingestScenario = `Log ingest (${INGEST_MACHINES} machines, ${ENTRIES_PER_CALL} entries a call; rates in entries/s)`;

const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

/** A log table of Hangar's own schema (its migrations) in a database of its own, written through the bare driver. */
interface RawLogTable {
  /** Inserts the rows in one transaction. */
  insert(rows: readonly NewLogEntry[]): Promise<void>;
  readonly description: string;
  close(): Promise<void>;
}

const COLUMNS = 'part_id, time_us, time_nanos, level, logger_name, message, host, stack, extras';

async function openRawLogTable(engine: TestEngine): Promise<RawLogTable> {
  if (engine === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'hangar-bench-logs-'));
    const url = join(dir, 'baseline.db');
    await (await openLogStore({ url })).close();
    // The same pragmas as Hangar's own files (WAL, synchronous=NORMAL), one prepared insert per row.
    const file = openSqliteFile(logsFileOf(url));
    const insert = file.prepare(`insert into log_entries (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertAll = file.transaction((rows: readonly NewLogEntry[]) => {
      for (const e of rows) {
        insert.run(e.partId, e.timeUs, e.timeNanos, e.level, e.loggerName, e.message, e.host, e.stack, e.extras);
      }
    });
    return {
      description: 'better-sqlite3 prepared insert per row',
      insert: (rows) => {
        insertAll(rows);
        return Promise.resolve();
      },
      close: async () => {
        file.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const db = await freshDatabase('postgres');
  try {
    await (await openLogStore({ url: db.url, poolSize: 1 })).close();
  } catch (err) {
    await db.drop();
    throw err;
  }
  const { pool } = openPostgresPool(db.url, 1);
  let nextId = 1;
  const text = `insert into log_entries (id, ${COLUMNS})
    select * from unnest($1::bigint[], $2::text[], $3::bigint[], $4::integer[], $5::text[], $6::text[], $7::text[], $8::text[],
                         $9::text[], $10::bytea[])`;
  return {
    description: 'pg prepared multi-row insert (unnest), one statement',
    insert: async (rows) => {
      const column = <T>(pick: (e: NewLogEntry) => T): T[] => rows.map(pick);
      await pool.query({
        name: 'bench_insert_log_entries',
        text,
        values: [
          rows.map(() => nextId++),
          column((e) => e.partId),
          column((e) => e.timeUs),
          column((e) => e.timeNanos),
          column((e) => e.level),
          column((e) => e.loggerName),
          column((e) => e.message),
          column((e) => e.host),
          column((e) => e.stack),
          column((e) => e.extras),
        ],
      });
    },
    close: async () => {
      await pool.end();
      await db.drop();
    },
  };
}

/** Batches the server has written so far: how many, and how many entries in all. */
async function batchTotals(server: TestServer): Promise<{ batches: number; entries: number }> {
  return {
    batches: await metricValue(server, 'hangar_log_batch_entries_count'),
    entries: await metricValue(server, 'hangar_log_batch_entries_sum'),
  };
}

export async function benchIngest(ctx: BenchContext, engine: TestEngine, hangar: HangarUnderTest): Promise<void> {
  if (!ctx.wants(ingestScenario)) return;
  const { server, organizationId } = hangar;
  const admin = server.client;
  const location = await admin.createLocation(organizationId, 'Ingest');
  const machines: { client: MachineClient; partId: string; batch: ReturnType<typeof machineBatch> }[] = [];
  for (let i = 0; i < INGEST_MACHINES; i++) {
    const robotId = await admin.newRobot(`ingest-${i + 1}`, location.id);
    const [part] = await admin.getRobotParts(robotId);
    if (part === undefined) throw new Error('a new machine has no main part');
    // Each machine with its own key, as a machine authenticates today.
    const key = await machineKey(admin, organizationId, robotId);
    const client = await MachineClient.connect({
      url: server.url,
      credentials: { type: 'api-key', keyId: key.id, key: key.key },
      protocol: 'grpc',
    });
    machines.push({ client, partId: part.id, batch: machineBatch() });
  }
  const partIds = machines.map((m) => m.partId);
  // Each of the closed loop's workers takes a machine that has no call in flight.
  const idle = [...machines];
  let acknowledged = 0;
  const logCall = async () => {
    const m = idle.pop();
    if (m === undefined) throw new Error('more calls in flight than machines');
    try {
      m.batch.stamp(nowUs());
      await m.client.log(m.partId, m.batch.entries);
      acknowledged += ENTRIES_PER_CALL;
    } finally {
      idle.push(m);
    }
  };

  const raw = await openRawLogTable(engine);
  try {
    // The baseline writes batches of the size the server's writer settles on under this load (whole calls).
    let callsPerBatch = 1;
    const rawCall = () => raw.insert(storedRows(partIds, callsPerBatch, nowUs()));
    const before = await batchTotals(server);
    let afterWarmup = before;
    ctx.note(`  ${ingestScenario} · ${engine} · gRPC h2c …`);
    const all: Record<'hangar' | 'baseline', Side> = {
      hangar: { call: logCall, concurrency: INGEST_MACHINES, unitsPerCall: ENTRIES_PER_CALL },
      baseline: {
        call: rawCall,
        // One writer, as the server has: a transaction at a time.
        concurrency: 1,
        get unitsPerCall() {
          return callsPerBatch * ENTRIES_PER_CALL;
        },
      },
    };
    const sides: Partial<Record<'hangar' | 'baseline', Side>> = {};
    // The server's batch size is learnt from its own warm-up: without it, the baseline writes whole calls.
    for (const target of ctx.config.targets) sides[target] = all[target];
    const measured: Partial<Record<'hangar' | 'baseline', Measurement>> = await interleaveSides(
      sides as Record<'hangar' | 'baseline', Side>,
      {
        runs: ctx.config.runs,
        seconds: ctx.config.seconds,
        warmupSeconds: Math.max(ctx.config.warmupSeconds, ctx.config.quick ? 0.2 : 1),
        afterWarmup: async (side) => {
          if (side !== 'hangar') return;
          // Batches grow as the server warms up: their size is taken from a second, warm stretch.
          const warm = await batchTotals(server);
          await closedLoop(logCall, { concurrency: INGEST_MACHINES, seconds: ctx.config.quick ? 0.2 : 1 });
          afterWarmup = await batchTotals(server);
          const mean = (afterWarmup.entries - warm.entries) / Math.max(1, afterWarmup.batches - warm.batches);
          callsPerBatch = Math.max(1, Math.round(mean / ENTRIES_PER_CALL));
        },
      },
    );
    const after = await batchTotals(server);
    // Every answered call's entries were written (answered means committed).
    if (after.entries - before.entries !== acknowledged)
      throw new Error(`the server acknowledged ${acknowledged} entries but wrote ${after.entries - before.entries}`);
    const meanBatch = (after.entries - afterWarmup.entries) / Math.max(1, after.batches - afterWarmup.batches);
    ctx.note(
      `    server batches while measured: ${Math.round(meanBatch)} entries on average over ${(after.batches - afterWarmup.batches).toLocaleString('en')} batches; baseline transactions of ${callsPerBatch * ENTRIES_PER_CALL} rows`,
    );
    ctx.record({
      scenario: ingestScenario,
      engine,
      protocol: 'gRPC h2c',
      hangar: measured.hangar,
      baseline: measured.baseline,
      baselineKind: `raw inserts of the same rows into a table of the same schema and indexes: ${raw.description}, one transaction per ${callsPerBatch * ENTRIES_PER_CALL} rows (the server's mean batch once warm), one at a time`,
      target: TARGET,
      concurrency: INGEST_MACHINES,
    });
  } finally {
    await raw.close();
  }
}
