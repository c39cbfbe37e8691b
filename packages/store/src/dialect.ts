/**
 * The one file that knows which engine is underneath: how to open it, how it reports a unique violation,
 * how its values come back. Everything else in the store is plain Kysely that runs on both.
 */
import Database from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type PostgresPool,
  type PostgresPoolClient,
  type SqliteDatabase,
} from 'kysely';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import pg from 'pg';
import { migrationProvider } from './migrations/index.js';
import type { DB } from './schema.js';

export type Engine = 'sqlite' | 'postgres';

export interface Store {
  readonly db: Kysely<DB>;
  readonly engine: Engine;
  /** A short description for logs, without credentials. */
  readonly description: string;
  /** Connections of the pool (PostgreSQL), for metrics. */
  poolUse(): PoolUse | undefined;
  close(): Promise<void>;
}

export interface PoolUse {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

export interface OpenOptions {
  /** `postgres://…` or `postgresql://…` for PostgreSQL; anything else is a SQLite file path. */
  readonly url: string;
  /** PostgreSQL pool size per process. */
  readonly poolSize?: number;
}

export function engineOf(url: string): Engine {
  return /^postgres(ql)?:\/\//i.test(url) ? 'postgres' : 'sqlite';
}

// pg returns int8 (count(*)) as a string to avoid precision loss; our counts fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function openStore(options: OpenOptions): Store {
  if (engineOf(options.url) === 'postgres') {
    const { pool, dialectPool } = openPostgresPool(options.url, options.poolSize ?? 10);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: dialectPool }) });
    return {
      db,
      engine: 'postgres',
      description: `postgres ${redactUrl(options.url)}`,
      poolUse: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      close: () => db.destroy(),
    };
  }
  const file = openSqliteFile(options.url);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(file) }) });
  return { db, engine: 'sqlite', description: `sqlite ${options.url}`, poolUse: () => undefined, close: () => db.destroy() };
}

/** A SQLite file as Hangar runs every one: private, WAL, waiting on locks rather than failing. */
export function openSqliteFile(path: string): Database.Database {
  const file = new Database(privateFile(path));
  file.pragma('journal_mode = WAL');
  file.pragma('synchronous = NORMAL');
  file.pragma('busy_timeout = 5000');
  file.pragma('foreign_keys = ON');
  // Reading once creates the -wal and -shm files, which must be as private as the database itself.
  file.prepare('select count(*) from sqlite_master').get();
  for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) chmodSync(path + suffix, 0o600);
  return file;
}

/** A PostgreSQL pool as Hangar runs every one: named statements, idle errors survived. */
export function openPostgresPool(url: string, size: number): { pool: pg.Pool; dialectPool: PostgresPool } {
  const pool = new pg.Pool({ connectionString: url, max: size });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return { pool, dialectPool: withNamedStatements(pool) };
}

/**
 * The database holds password hashes and machine secrets: only the server's user may read it, whatever the
 * umask, and a file an older version created world-readable is fixed on the next start.
 */
function privateFile(path: string): string {
  if (path === ':memory:') return path;
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
  return path;
}

/** Runs every pending migration. Kysely's Migrator takes a lock, so several replicas may start at once. */
export async function migrate(store: Store): Promise<void> {
  const migrator = new Migrator({ db: store.db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
  }
}

/** True once the database answers and every migration has run. */
export async function isReady(store: Store): Promise<boolean> {
  try {
    const migrator = new Migrator({ db: store.db, provider: migrationProvider });
    const all = await migrator.getMigrations();
    return all.every((m) => m.executedAt !== undefined);
  } catch {
    return false;
  }
}

export async function ping(store: Store): Promise<void> {
  await sql`select 1`.execute(store.db);
}

/** SQLite: SQLITE_CONSTRAINT_FOREIGNKEY; PostgreSQL: 23503 foreign_key_violation. */
export function isForeignKeyViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null || !('code' in err)) return false;
  return err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || err.code === '23503';
}

/** SQLite: SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY; PostgreSQL: 23505 unique_violation. */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null || !('code' in err)) return false;
  const { code } = err;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** A database URL fit for a log line: any password masked, file paths as they are. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}

/** How many distinct statements each engine keeps prepared; Hangar issues far fewer distinct texts. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every SQLite statement anew on every call, which costs more than running most of ours.
 * Statements are reused by their SQL text; Kysely runs one statement at a time on its single connection, so
 * a cached statement is never in use twice at once.
 */
export function withStatementCache(file: Database.Database): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => {
      file.close();
    },
    prepare: (text: string) => {
      let statement = cache.get(text);
      if (statement === undefined) {
        statement = file.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value ?? '');
        cache.set(text, statement);
      }
      return statement;
    },
  };
}

/**
 * Names PostgreSQL statements by their SQL text so each connection parses and plans them once, not per
 * call. Only plain DML is named, and only the first STATEMENT_CACHE_SIZE texts: a list query with a
 * variable number of ids (`in ($1, $2, …)`) must not grow the set of names without bound.
 */
function withNamedStatements(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < STATEMENT_CACHE_SIZE && /^\s*(select|insert|update|delete|with)\b/i.test(text)) {
      name = `hangar_${names.size}`;
      names.set(text, name);
    }
    return name;
  };
  // Kysely calls query(sql, parameters) for statements and query(cursor) for streams; only the first is named.
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    const query = (config: string | pg.Submittable, values: unknown[] = []): unknown => {
      if (typeof config !== 'string') return client.query(config);
      const name = nameOf(config);
      return client.query(name === undefined ? { text: config, values } : { name, text: config, values });
    };
    return {
      query: query as PostgresPoolClient['query'],
      release: () => {
        client.release();
      },
    };
  };
  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}
