/**
 * Where machine logs are kept, and the one file that knows how each engine writes them. SQLite: a file of
 * their own beside the fleet database, written in one synchronous transaction per batch. PostgreSQL: the
 * fleet's database with its own pool, each batch one transaction that takes whole blocks of ids, inserts
 * through `unnest` (one statement whatever the batch size) and announces what it wrote with NOTIFY, which
 * PostgreSQL delivers to every listening replica when the transaction commits. Reads are plain Kysely and
 * live in queries.ts.
 */
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type CompiledQuery, type Expression, type SqlBool } from 'kysely';
import pg from 'pg';
import { engineOf, openPostgresPool, openSqliteFile, redactUrl, withStatementCache, type Engine, type PoolUse } from '../dialect.js';
import { ID_BLOCK, LOGS_MIGRATION_LOCK_TABLE, LOGS_MIGRATION_TABLE, logsMigrationProvider } from './migrations.js';
import type { LogsDB } from './schema.js';
import { createSqliteReaders } from './sqlite-readers.js';

export interface NewLogEntry {
  readonly partId: string;
  readonly timeUs: number;
  readonly timeNanos: number;
  readonly level: string;
  readonly loggerName: string;
  readonly message: string;
  readonly host: string;
  readonly stack: string;
  /** `caller` and `fields` as the machine encoded them (LogEntry fields 6 and 8, tags included), or null. */
  readonly extras: Buffer | null;
}

export interface StoredLogEntry extends NewLogEntry {
  readonly id: number;
}

/**
 * A sender's number for one of its batches. `stream` names one run of the sender (the agent takes a new one
 * each start); `seq` counts that run's batches from 1, and a batch sent again keeps its number. A batch is
 * stored only when its number is above the last one stored for its stream, so a batch sent again because
 * its answer was lost is stored once. A sender sends its batches in order, each until it is answered.
 */
export interface LogSequence {
  readonly partId: string;
  readonly stream: string;
  readonly seq: number;
}

/** The batch's number was stored already (or, within one insert, repeated): nothing was written. */
export class DuplicateLogBatchError extends Error {
  constructor() {
    super('this batch of log entries was stored already');
  }
}

/** Streams silent this long are forgotten: a sender run that comes back after that long may be stored twice. */
const STREAM_MEMORY_US = 30 * 24 * 3600 * 1e6;
/** How often an insert also forgets old streams. */
const STREAM_PRUNE_EVERY_MS = 3600 * 1000;

/** Throws DuplicateLogBatchError when a stream appears twice: a single statement cannot order them. */
function distinctStreams(sequences: readonly LogSequence[]): void {
  const seen = new Set<string>();
  for (const s of sequences) {
    const key = `${s.partId}\n${s.stream}`;
    if (seen.has(key)) throw new DuplicateLogBatchError();
    seen.add(key);
  }
}

/** A part's entries from one committed batch: ids `from`…`to` hold them, and no other batch's entries. */
export interface CommittedRange {
  readonly partId: string;
  readonly from: number;
  readonly to: number;
}

/** Entries of a part up to and including this position in (time, id) order. */
export interface LogPosition {
  readonly timeUs: number;
  readonly id: number;
}

export interface LogListener {
  close(): Promise<void>;
}

export interface LogStore {
  readonly engine: Engine;
  readonly db: Kysely<LogsDB>;
  /** For log lines, without credentials. */
  readonly description: string;
  /**
   * Writes the entries in one transaction and returns them with their ids, in the order given. On
   * PostgreSQL the ranges written are announced, tagged with `origin`, to every listener at commit. In the
   * same transaction each sequence is recorded; when one was stored already (or two name one stream) it
   * throws DuplicateLogBatchError and writes nothing.
   */
  insert(entries: readonly NewLogEntry[], origin: string, sequences?: readonly LogSequence[]): Promise<StoredLogEntry[]>;
  /** Deletes at most `limit` of the part's oldest entries up to `upTo`; returns how many went. */
  deleteUpTo(partId: string, upTo: LogPosition, limit: number): Promise<number>;
  /**
   * Runs a select. SQLite: on a reader thread, so a long scan never stalls the server's main thread;
   * PostgreSQL: on the logs' pool. `walkPartIndex`: the query reads one part newest first and must walk
   * the part's index whatever the planner estimates (see pageOfPartLogs).
   */
  read<R>(query: { compile(): CompiledQuery<R>; execute(): Promise<R[]> }, options?: { walkPartIndex?: boolean }): Promise<R[]>;
  /** A case-insensitive substring match of a text column, as this engine folds case. */
  messageContains(column: Expression<string>, needle: string): Expression<SqlBool>;
  /** Forgets a part whose entries are all gone. */
  forgetPart(partId: string): Promise<void>;
  /**
   * PostgreSQL only: hears every batch any replica commits. Reconnects by itself; `onTrouble` says when
   * the connection is lost (entries committed elsewhere meanwhile are not heard of).
   */
  readonly listen?: (
    onRanges: (origin: string, ranges: CommittedRange[]) => void,
    onTrouble: (err: unknown) => void,
  ) => Promise<LogListener>;
  /** Connections of the logs' pool (PostgreSQL), for metrics. */
  poolUse(): PoolUse | undefined;
  close(): Promise<void>;
}

export interface LogStoreOptions {
  /** The fleet database's URL: logs go beside a SQLite file, or into the same PostgreSQL database. */
  readonly url: string;
  readonly poolSize?: number;
}

const CHANNEL = 'hangar_log_entries';
/** SQLite reader threads: enough to keep a slow query from holding up the next, few enough for 2 cores. */
const READER_THREADS = 2;
/** NOTIFY payloads must stay below 8000 bytes. */
const MAX_PAYLOAD = 7000;

/** `hangar.db` → `hangar-logs.db`; the logs of an in-memory database stay in memory. */
export function logsFileOf(fleetFile: string): string {
  if (fleetFile === ':memory:') return fleetFile;
  return /\.db$/i.test(fleetFile) ? fleetFile.replace(/\.db$/i, '-logs.db') : `${fleetFile}-logs`;
}

export async function openLogStore(options: LogStoreOptions): Promise<LogStore> {
  const store = engineOf(options.url) === 'postgres' ? openPostgres(options) : openSqlite(logsFileOf(options.url));
  try {
    const migrator = new Migrator({
      db: store.db,
      provider: logsMigrationProvider(store.engine),
      migrationTableName: LOGS_MIGRATION_TABLE,
      migrationLockTableName: LOGS_MIGRATION_LOCK_TABLE,
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error !== undefined) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(`logs migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
    }
    return store;
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** `%`, `_` and `\` mean themselves in a LIKE pattern escaped with `\`. */
const likePattern = (needle: string): string => `%${needle.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

// Printable ASCII (and whitespace): anything else takes the unicode_lower path, which is right for all text.
const isAscii = (s: string): boolean => /^[\t\n\r -~]*$/.test(s);
const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

// PostgreSQL text cannot hold NUL; SQLite could, but both engines store the same thing.
const noNul = (s: string): string => (s.includes('\0') ? s.replaceAll('\0', '\uFFFD') : s);

function openSqlite(path: string): LogStore {
  const file = openSqliteFile(path);
  // SQLite's own lower() folds ASCII only; a filter with other letters matches through this one.
  file.function('unicode_lower', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : s));
  // Prepared on first use: the tables exist only once the migrations ran.
  let prepared: ReturnType<typeof prepare> | undefined;
  const statements = () => (prepared ??= prepare());
  function prepare() {
    const insertEntry = file.prepare(
      `insert into log_entries (part_id, time_us, time_nanos, level, logger_name, message, host, stack, extras)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const countEntries = file.prepare(
      'insert into log_parts (part_id, entries) values (?, ?) on conflict (part_id) do update set entries = log_parts.entries + excluded.entries',
    );
    const deleteEntries = file.prepare(
      `delete from log_entries where id in (
         select id from log_entries where part_id = ? and (time_us < ? or (time_us = ? and id <= ?)) order by time_us, id limit ?)`,
    );
    const uncount = file.prepare('update log_parts set entries = max(0, entries - ?) where part_id = ?');
    const forget = file.prepare('delete from log_parts where part_id = ?');
    const advanceStream = file.prepare(
      `insert into log_streams (part_id, stream_id, last_seq, updated_us) values (?, ?, ?, ?)
       on conflict (part_id, stream_id) do update set last_seq = excluded.last_seq, updated_us = excluded.updated_us
       where log_streams.last_seq < excluded.last_seq`,
    );
    const forgetStreams = file.prepare('delete from log_streams where updated_us < ?');
    let prunedAt = 0;

    const insertAll = file.transaction((entries: readonly NewLogEntry[], sequences: readonly LogSequence[]): StoredLogEntry[] => {
      if (sequences.length > 0) {
        distinctStreams(sequences);
        const nowUs = Date.now() * 1000;
        for (const q of sequences) {
          if (advanceStream.run(q.partId, q.stream, q.seq, nowUs).changes === 0) throw new DuplicateLogBatchError();
        }
        if (Date.now() - prunedAt > STREAM_PRUNE_EVERY_MS) {
          prunedAt = Date.now();
          forgetStreams.run(nowUs - STREAM_MEMORY_US);
        }
      }
      const stored: StoredLogEntry[] = [];
      const perPart = new Map<string, number>();
      for (const e of entries) {
        const info = insertEntry.run(
          e.partId,
          e.timeUs,
          e.timeNanos,
          noNul(e.level),
          noNul(e.loggerName),
          noNul(e.message),
          noNul(e.host),
          noNul(e.stack),
          e.extras,
        );
        stored.push({ ...e, id: Number(info.lastInsertRowid) });
        perPart.set(e.partId, (perPart.get(e.partId) ?? 0) + 1);
      }
      for (const [partId, n] of perPart) countEntries.run(partId, n);
      return stored;
    });
    const deleteSome = file.transaction((partId: string, upTo: LogPosition, limit: number): number => {
      const { changes } = deleteEntries.run(partId, upTo.timeUs, upTo.timeUs, upTo.id, limit);
      if (changes > 0) uncount.run(changes, partId);
      return changes;
    });
    return { insertAll, deleteSome, forget };
  }

  const db = new Kysely<LogsDB>({ dialect: new SqliteDialect({ database: withStatementCache(file) }) });
  // An in-memory database has no file another thread could open: it is read where it lives.
  const readers = path === ':memory:' ? undefined : createSqliteReaders(path, READER_THREADS);
  return {
    engine: 'sqlite',
    db,
    description: `sqlite ${path}`,
    read: async <R>(query: { compile(): CompiledQuery<R>; execute(): Promise<R[]> }) => {
      if (readers === undefined) return query.execute();
      const { sql: text, parameters } = query.compile();
      return (await readers.all(text, parameters)) as R[];
    },
    insert: (entries, _origin, sequences = []) => {
      try {
        return Promise.resolve(statements().insertAll(entries, sequences));
      } catch (err) {
        return Promise.reject(toError(err));
      }
    },
    deleteUpTo: (partId, upTo, limit) => {
      try {
        return Promise.resolve(statements().deleteSome(partId, upTo, limit));
      } catch (err) {
        return Promise.reject(toError(err));
      }
    },
    // LIKE folds ASCII letters by itself; a needle with other letters needs both sides folded.
    messageContains: (column, needle) =>
      isAscii(needle)
        ? sql<SqlBool>`${column} like ${likePattern(needle)} escape '\\'`
        : sql<SqlBool>`unicode_lower(${column}) like ${likePattern(needle)} escape '\\'`,
    forgetPart: (partId) => {
      statements().forget.run(partId);
      return Promise.resolve();
    },
    poolUse: () => undefined,
    close: async () => {
      await readers?.close();
      await db.destroy();
    },
  };
}

function openPostgres(options: LogStoreOptions): LogStore {
  const { pool, dialectPool } = openPostgresPool(options.url, options.poolSize ?? 4);
  const db = new Kysely<LogsDB>({ dialect: new PostgresDialect({ pool: dialectPool }) });

  let prunedAt = 0;
  async function insert(
    entries: readonly NewLogEntry[],
    origin: string,
    sequences: readonly LogSequence[] = [],
  ): Promise<StoredLogEntry[]> {
    if (entries.length === 0) return [];
    distinctStreams(sequences);
    return db.transaction().execute(async (trx) => {
      if (sequences.length > 0) {
        const nowUs = Date.now() * 1000;
        // A replica storing the same batch at the same moment waits on the row's lock, then finds it stored.
        const { rows } = await sql`
          insert into log_streams (part_id, stream_id, last_seq, updated_us)
          select p, s, q, ${nowUs}::bigint from unnest(
            ${sequences.map((q) => q.partId)}::text[], ${sequences.map((q) => q.stream)}::text[],
            ${sequences.map((q) => q.seq)}::bigint[]) as t(p, s, q)
          on conflict (part_id, stream_id) do update set last_seq = excluded.last_seq, updated_us = excluded.updated_us
          where log_streams.last_seq < excluded.last_seq
          returning 1`.execute(trx);
        if (rows.length < sequences.length) throw new DuplicateLogBatchError();
        if (Date.now() - prunedAt > STREAM_PRUNE_EVERY_MS) {
          prunedAt = Date.now();
          await sql`delete from log_streams where updated_us < ${nowUs - STREAM_MEMORY_US}`.execute(trx);
        }
      }
      const blocks = Math.ceil(entries.length / ID_BLOCK);
      const { rows: starts } = await sql<{ v: number }>`select nextval('log_entry_blocks') as v from generate_series(1, ${blocks})`.execute(
        trx,
      );
      const ids = entries.map((_, i) => Number(starts[Math.floor(i / ID_BLOCK)]?.v) + (i % ID_BLOCK));
      const column = <T>(pick: (e: NewLogEntry) => T): T[] => entries.map(pick);
      await sql`
        insert into log_entries (id, part_id, time_us, time_nanos, level, logger_name, message, host, stack, extras)
        select * from unnest(
          ${ids}::bigint[], ${column((e) => e.partId)}::text[], ${column((e) => e.timeUs)}::bigint[],
          ${column((e) => e.timeNanos)}::integer[], ${column((e) => noNul(e.level))}::text[],
          ${column((e) => noNul(e.loggerName))}::text[], ${column((e) => noNul(e.message))}::text[],
          ${column((e) => noNul(e.host))}::text[], ${column((e) => noNul(e.stack))}::text[],
          ${column((e) => e.extras)}::bytea[])`.execute(trx);

      const ranges = new Map<string, { from: number; to: number; n: number }>();
      entries.forEach((e, i) => {
        const id = ids[i] ?? 0;
        const r = ranges.get(e.partId);
        if (r === undefined) ranges.set(e.partId, { from: id, to: id, n: 1 });
        else {
          r.from = Math.min(r.from, id);
          r.to = Math.max(r.to, id);
          r.n += 1;
        }
      });
      // Sorted, so two replicas counting the same parts lock their rows in one order and never deadlock.
      const parts = [...ranges.keys()].sort();
      await sql`
        insert into log_parts (part_id, entries)
        select * from unnest(${parts}::text[], ${parts.map((p) => ranges.get(p)?.n ?? 0)}::bigint[])
        on conflict (part_id) do update set entries = log_parts.entries + excluded.entries`.execute(trx);
      for (const payload of payloads(
        origin,
        parts.map((p) => [p, ranges.get(p)?.from ?? 0, ranges.get(p)?.to ?? 0]),
      )) {
        await sql`select pg_notify(${CHANNEL}, ${payload})`.execute(trx);
      }
      return entries.map((e, i) => ({ ...e, id: ids[i] ?? 0 }));
    });
  }

  async function deleteUpTo(partId: string, upTo: LogPosition, limit: number): Promise<number> {
    return db.transaction().execute(async (trx) => {
      const result = await sql`
        delete from log_entries where id in (
          select id from log_entries where part_id = ${partId} and (time_us, id) <= (${upTo.timeUs}, ${upTo.id})
          order by time_us, id limit ${limit})`.execute(trx);
      const n = Number(result.numAffectedRows ?? 0);
      if (n > 0) await sql`update log_parts set entries = greatest(0, entries - ${n}) where part_id = ${partId}`.execute(trx);
      return n;
    });
  }

  async function listen(
    onRanges: (origin: string, ranges: CommittedRange[]) => void,
    onTrouble: (err: unknown) => void,
  ): Promise<LogListener> {
    let closed = false;
    let client: pg.Client | undefined;
    let retry: NodeJS.Timeout | undefined;
    /** Once per connection: say so, drop it, and try again in a second. */
    const failed = (c: pg.Client, err: unknown) => {
      if (closed || client !== c) return;
      client = undefined;
      onTrouble(err);
      c.end().catch(() => undefined);
      retry = setTimeout(() => {
        connect().catch(() => undefined);
      }, 1000);
    };
    const connect = async (): Promise<void> => {
      const c = new pg.Client({ connectionString: options.url });
      client = c;
      c.on('notification', (n) => {
        if (n.channel !== CHANNEL || n.payload === undefined) return;
        const parsed = parsePayload(n.payload);
        if (parsed !== undefined) onRanges(parsed.origin, parsed.ranges);
      });
      c.on('error', (err) => {
        failed(c, err);
      });
      c.on('end', () => {
        failed(c, new Error('the LISTEN connection closed'));
      });
      try {
        await c.connect();
        await c.query(`listen ${CHANNEL}`);
      } catch (err) {
        failed(c, err);
        throw err;
      }
    };
    try {
      await connect();
    } catch (err) {
      closed = true;
      clearTimeout(retry);
      throw err;
    }
    return {
      close: async () => {
        closed = true;
        clearTimeout(retry);
        await client?.end().catch(() => undefined);
      },
    };
  }

  return {
    engine: 'postgres',
    db,
    description: `postgres ${redactUrl(options.url)}`,
    read: async (query, options) => {
      if (options?.walkPartIndex !== true) return query.execute();
      // The planner guesses an ILIKE's selectivity and, on a big table, sometimes prefers scanning all of it
      // (every part's rows: ~0.5 s at 10M) to walking this part's index newest first until the page is full.
      // The walk is never worse than reading this part's own rows, so it is what the page always does.
      return db.transaction().execute(async (trx) => {
        await sql`set local enable_seqscan = off; set local enable_bitmapscan = off`.execute(trx);
        return (await trx.executeQuery(query.compile())).rows;
      });
    },
    insert,
    deleteUpTo,
    forgetPart: async (partId) => {
      await db.deleteFrom('log_parts').where('part_id', '=', partId).execute();
    },
    // ILIKE folds every letter the database's locale knows.
    messageContains: (column, needle) => sql<SqlBool>`${column} ilike ${likePattern(needle)} escape '\\'`,
    listen,
    poolUse: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => db.destroy(),
  };
}

/** `{"o": origin, "r": [[part, from, to], …]}`, split so each stays under NOTIFY's size limit. */
function payloads(origin: string, ranges: readonly (readonly [string, number, number])[]): string[] {
  const out: string[] = [];
  let batch: (readonly [string, number, number])[] = [];
  let size = 0;
  const flush = () => {
    if (batch.length > 0) out.push(JSON.stringify({ o: origin, r: batch }));
    batch = [];
    size = 0;
  };
  for (const r of ranges) {
    const cost = r[0].length + 48;
    if (size + cost > MAX_PAYLOAD) flush();
    batch.push(r);
    size += cost;
  }
  flush();
  return out;
}

function parsePayload(payload: string): { origin: string; ranges: CommittedRange[] } | undefined {
  try {
    const value = JSON.parse(payload) as { o?: unknown; r?: unknown };
    if (typeof value.o !== 'string' || !Array.isArray(value.r)) return undefined;
    const ranges: CommittedRange[] = [];
    for (const r of value.r as unknown[]) {
      if (!Array.isArray(r) || typeof r[0] !== 'string' || typeof r[1] !== 'number' || typeof r[2] !== 'number') return undefined;
      ranges.push({ partId: r[0], from: r[1], to: r[2] });
    }
    return { origin: value.o, ranges };
  } catch {
    return undefined;
  }
}
