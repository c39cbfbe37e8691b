/**
 * GetRobotPartLogs at 1M and 10M rows (HANGAR_BENCH_LOG_ROWS): the newest 100 entries of a part that holds
 * half of the table's rows (the other half spread over 99 more parts), and the newest 100 of that part
 * whose message holds a word that 1 % of its entries carry. Each through the RPC (gRPC, one call at a
 * time, the reply counted but not decoded: raw-page.ts), against the very SQL the server runs (taken from pageOfPartLogs) prepared on the bare driver.
 *
 * The rows are written by the database itself (a recursive CTE on SQLite, generate_series on PostgreSQL),
 * straight into the server's log tables; growing to the next size adds older entries to every part, so
 * the newest pages stay the same entries and only the table grows.
 */
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
} from 'kysely';
import { logs, logsFileOf, openLogStore, openPostgresPool, openSqliteFile, type LogStore, type LogsDB } from '@hangar/store';
import type { TestEngine } from '@hangar/testing';
import { insertMachines, startHangar, type HangarUnderTest } from '../hangar.js';
import { measureInterleaved, type Call } from '../load.js';
import type { BenchContext } from '../suite.js';
import { extrasOf, HOST, machineBatch } from './entries.js';
import { rawPageClient } from './raw-page.js';

const PARTS = 100;
/** The measured part's share of the rows. */
const BIG_SHARE = 0.5;
const PAGE = 100;
const KEYWORD = 'overheat';
/** Microseconds between a part's consecutive entries (10 ms: 5M entries span 14 hours). */
const STEP_US = 10_000;
const ROWS_PER_STATEMENT = 250_000;

const rowsLabel = (n: number) => n.toLocaleString('en');
export const newestScenario = (rows: number) => `GetRobotPartLogs newest ${PAGE} (${rowsLabel(rows)} rows)`;
export const filteredScenario = (rows: number) => `GetRobotPartLogs newest ${PAGE} matching "${KEYWORD}" (${rowsLabel(rows)} rows)`;

/** How many entries part `j` (0 is the measured one) holds when the table has `total`. */
function partRows(j: number, total: number): number {
  const big = Math.floor(total * BIG_SHARE);
  if (j === 0) return big;
  const rest = total - big;
  const each = Math.floor(rest / (PARTS - 1));
  return each + (j === 1 ? rest - each * (PARTS - 1) : 0);
}

// Entry k of a part (k = 0 is its newest): level, logger, a message of about 100 characters (with the
// keyword in 1 % of them), and the caller and fields a machine sends.
const template = machineBatch().entries[0];
const EXTRAS = extrasOf(template?.caller, template?.fields ?? []);
const LEVEL = `case k % 10 when 9 then 'error' when 4 then 'warn' when 2 then 'debug' when 7 then 'debug' else 'info' end`;
const LOGGER = `case k % 5 when 0 then 'rdk.resource_manager' when 1 then 'rdk.components.motor.left' when 2 then 'rdk.modmanager' when 3 then 'rdk.networking' else 'rdk.services.slam' end`;
const MESSAGE = `'motor-' || (k % 8) || ': reconfigured after ' || ((k * 37) % 997) || ' ms, encoder at ' || ((k * 7919) % 100000) || ' ticks, ' || case when k % 100 = 37 then '${KEYWORD} guard engaged, torque limited' else 'pid gains unchanged, nothing to do' end`;
const messageOf = (k: number) =>
  `motor-${k % 8}: reconfigured after ${(k * 37) % 997} ms, encoder at ${(k * 7919) % 100_000} ticks, ${k % 100 === 37 ? `${KEYWORD} guard engaged, torque limited` : 'pid gains unchanged, nothing to do'}`;

interface Filler {
  /** Adds entries k = from … to − 1 of the part. */
  add(partId: string, part: number, from: number, to: number): Promise<void>;
  /** Counts and housekeeping once the rows are in (the part counts, statistics, checkpoint). */
  finish(counts: ReadonlyMap<string, number>): Promise<void>;
  close(): Promise<void>;
}

function sqliteFiller(url: string, nowUs: number): Filler {
  const file = openSqliteFile(logsFileOf(url));
  const insert = file.prepare(`
    with recursive seq(k) as (select cast(? as integer) union all select k + 1 from seq where k + 1 < ?)
    insert into log_entries (part_id, time_us, time_nanos, level, logger_name, message, host, stack, extras)
    select ?, cast(? as integer) - k * ${STEP_US}, 0, ${LEVEL}, ${LOGGER}, ${MESSAGE}, '${HOST}', '', ? from seq`);
  const count = file.prepare(
    'insert into log_parts (part_id, entries) values (?, ?) on conflict (part_id) do update set entries = excluded.entries',
  );
  return {
    add(partId, part, from, to) {
      for (let k = from; k < to; k += ROWS_PER_STATEMENT) {
        insert.run(k, Math.min(to, k + ROWS_PER_STATEMENT), partId, nowUs - part, EXTRAS);
      }
      return Promise.resolve();
    },
    finish(counts) {
      file.transaction(() => {
        for (const [partId, n] of counts) count.run(partId, n);
      })();
      file.pragma('wal_checkpoint(TRUNCATE)');
      return Promise.resolve();
    },
    close() {
      file.close();
      return Promise.resolve();
    },
  };
}

function postgresFiller(url: string, nowUs: number): Filler {
  const { pool } = openPostgresPool(url, 1);
  let nextId = 1;
  return {
    async add(partId, part, from, to) {
      for (let k = from; k < to; k += ROWS_PER_STATEMENT) {
        const end = Math.min(to, k + ROWS_PER_STATEMENT);
        await pool.query(
          `insert into log_entries (id, part_id, time_us, time_nanos, level, logger_name, message, host, stack, extras)
           select $1::bigint + k, $2, $3::bigint - k * ${STEP_US}, 0, ${LEVEL}, ${LOGGER}, ${MESSAGE}, '${HOST}', '', $4
           from generate_series($5::bigint, $6::bigint) as k`,
          [nextId - k, partId, nowUs - part, EXTRAS, k, end - 1],
        );
        nextId += end - k;
      }
    },
    async finish(counts) {
      await pool.query(
        `insert into log_parts (part_id, entries) select * from unnest($1::text[], $2::bigint[])
         on conflict (part_id) do update set entries = excluded.entries`,
        [[...counts.keys()], [...counts.values()]],
      );
      // The server's own batches take ids from this sequence: past everything written here.
      await pool.query(`select setval('log_entry_blocks', $1::bigint)`, [nextId + 1]);
      // What autovacuum would soon do by itself, done now rather than while measuring.
      await pool.query('vacuum analyze log_entries');
    },
    close: () => pool.end(),
  };
}

/** The SQL (and parameters) pageOfPartLogs runs for this page, compiled by the store's own query builder. */
async function pageSql(store: LogStore, partId: string, filter: logs.LogFilter): Promise<CompiledQuery> {
  let captured: CompiledQuery | undefined;
  const sqlite = store.engine === 'sqlite';
  const db = new Kysely<LogsDB>({
    dialect: {
      createAdapter: () => (sqlite ? new SqliteAdapter() : new PostgresAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (d) => (sqlite ? new SqliteIntrospector(d) : new PostgresIntrospector(d)),
      createQueryCompiler: () => (sqlite ? new SqliteQueryCompiler() : new PostgresQueryCompiler()),
    },
    log: (event) => {
      if (event.level === 'query') captured = event.query;
    },
  });
  // The store with the query builder swapped: whether pageOfPartLogs executes its query on `db` or hands it
  // to the store to run (`read`), the compiled query is caught and nothing runs.
  const capturing = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'db') return db;
      if (property === 'read')
        return (query: { compile(): CompiledQuery }) => {
          captured = query.compile();
          return Promise.resolve([]);
        };
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  // Limit + 1, as the service asks, to know whether there is a next page.
  await logs.pageOfPartLogs(capturing, partId, filter, PAGE + 1);
  await db.destroy();
  if (captured === undefined) throw new Error('pageOfPartLogs ran no query');
  return captured;
}

interface BareQuery {
  readonly call: () => Promise<{ message: string }[]>;
  readonly plan: () => Promise<string>;
  close(): Promise<void>;
}

const pageFilter = (contains: string | undefined): logs.LogFilter => ({
  levels: [],
  excludeLevels: [],
  ...(contains !== undefined && { contains }),
});

async function bareQuery(url: string, store: LogStore, partId: string, filter: logs.LogFilter, name: string): Promise<BareQuery> {
  const { sql, parameters } = await pageSql(store, partId, filter);
  if (store.engine === 'sqlite') {
    const file = openSqliteFile(logsFileOf(url));
    const statement = file.prepare(sql);
    return {
      call: () => Promise.resolve(statement.all(...parameters) as { message: string }[]),
      plan: () =>
        Promise.resolve(
          (file.prepare(`explain query plan ${sql}`).all(...parameters) as { detail: string }[]).map((r) => r.detail).join('; '),
        ),
      close: () => {
        file.close();
        return Promise.resolve();
      },
    };
  }
  const { pool } = openPostgresPool(url, 1);
  return {
    call: async () => (await pool.query<{ message: string }>({ name, text: sql, values: [...parameters] })).rows,
    plan: async () =>
      (await pool.query<{ 'QUERY PLAN': string }>(`explain ${sql}`, [...parameters])).rows.map((r) => r['QUERY PLAN'].trim()).join('; '),
    close: () => pool.end(),
  };
}

export async function benchQueries(ctx: BenchContext, engine: TestEngine): Promise<void> {
  const sizes = ctx.config.logRows;
  if (!sizes.some((n) => ctx.wants(newestScenario(n)) || ctx.wants(filteredScenario(n)))) return;
  ctx.note(`logs on ${engine}: log tables of ${sizes.map(rowsLabel).join(' and ')} rows over ${PARTS} parts`);
  // Retention must leave the rows alone: the measured part holds more than the default 1,000,000 a part.
  const hangar: HangarUnderTest = await startHangar(engine, {
    logMaxEntriesPerPart: '1000000000',
    logRetentionDays: '36500',
    logRetentionIntervalSeconds: '86400',
  });
  const url = hangar.server.db.url;
  const store = await openLogStore({ url, poolSize: 1 });
  const nowUs = Date.now() * 1000;
  const filler = engine === 'sqlite' ? sqliteFiller(url, nowUs) : postgresFiller(url, nowUs);
  try {
    const seeded = await insertMachines(url, hangar.organizationId, PARTS);
    const partIds: string[] = [];
    for (const robotId of seeded.robotIds) {
      const [part] = await hangar.server.client.getRobotParts(robotId);
      if (part === undefined) throw new Error('a machine without its main part');
      partIds.push(part.id);
    }
    const bigPart = partIds[0] ?? '';
    const client = rawPageClient(hangar.server.url, hangar.token);

    let filled = 0;
    for (const rows of sizes) {
      const started = performance.now();
      const counts = new Map<string, number>();
      for (const [j, partId] of partIds.entries()) {
        await filler.add(partId, j, partRows(j, filled), partRows(j, rows));
        counts.set(partId, partRows(j, rows));
      }
      await filler.finish(counts);
      filled = rows;
      ctx.note(
        `  filled to ${rowsLabel(rows)} rows (the measured part ${rowsLabel(partRows(0, rows))}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );

      // Not measured, but worth seeing: how the engine plans errors only (a level filter) at this size.
      const errorsOnly = await bareQuery(
        url,
        store,
        bigPart,
        { levels: ['error', 'dpanic', 'panic', 'fatal'], excludeLevels: [] },
        'bench_page_errors',
      );
      try {
        ctx.note(`  errors only (not measured) · ${engine} · plan: ${await errorsOnly.plan()}`);
      } finally {
        await errorsOnly.close();
      }

      for (const [name, contains] of [
        [newestScenario(rows), undefined],
        [filteredScenario(rows), KEYWORD],
      ] as const) {
        if (!ctx.wants(name)) continue;
        // The newest entry of the big part (k = 0), or the newest that holds the keyword (k = 37).
        const newest = messageOf(contains === undefined ? 0 : 37);
        const bare = await bareQuery(url, store, bigPart, pageFilter(contains), `bench_page_${contains ?? 'all'}`);
        try {
          ctx.note(`  ${name} · ${engine} · plan: ${await bare.plan()}`);
          const rpc: Call = async () => {
            const page = await client.page(bigPart, PAGE, contains);
            if (page.entries !== PAGE || page.firstMessage !== newest)
              throw new Error(`${name}: the RPC answered ${page.entries} entries from ${JSON.stringify(page.firstMessage)}`);
            return page;
          };
          const raw: Call = async () => {
            const page = await bare.call();
            if (page.length < PAGE || page[0]?.message !== newest)
              throw new Error(`${name}: the bare query answered ${page.length} rows from ${JSON.stringify(page[0]?.message)}`);
            return page;
          };
          ctx.note(`  ${name} · ${engine} · gRPC h2c …`);
          const calls: Partial<Record<'hangar' | 'baseline', Call>> = {};
          for (const target of ctx.config.targets) calls[target] = target === 'hangar' ? rpc : raw;
          const measured = await measureInterleaved(calls as Record<'hangar' | 'baseline', Call>, { ...ctx.config, concurrency: 1 });
          ctx.record({
            scenario: name,
            engine,
            protocol: 'gRPC h2c',
            hangar: measured.hangar,
            baseline: measured.baseline,
            baselineKind: `the same SQL pageOfPartLogs runs (limit ${PAGE + 1}), prepared on the bare ${engine === 'sqlite' ? 'better-sqlite3' : 'pg'} driver in the same process, rows not converted`,
            target: undefined,
            concurrency: 1,
          });
        } finally {
          await bare.close();
        }
      }
    }
  } finally {
    await filler.close();
    await store.close();
    await hangar.close();
  }
}
