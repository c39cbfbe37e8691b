/**
 * Runs a user's SQL over one organization's readings (TabularDataBySQL), away from the server's own
 * connections: on PostgreSQL a small pool of its own, each query in a READ ONLY transaction with a
 * statement timeout, read through a cursor so a huge result stops at the row cap; on SQLite a child
 * process with a read-only connection of its own, killed at the time limit (nothing else can stop a
 * statement better-sqlite3 is running, and the server's event loop must not wait on it).
 *
 * The caller guards the query first (server/src/data/sql-guard.ts) and binds `readings` with `bind`:
 * this module supplies the relation, the organization's rows in Viam's `readings` columns.
 */
import pg from 'pg';
import Cursor from 'pg-cursor';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Engine } from './dialect.js';

export type QueryRow = Record<string, unknown>;

export type ReadingsQueryFailure = 'invalid' | 'timeout' | 'too_many_rows';

export class ReadingsQueryError extends Error {
  override readonly name = 'ReadingsQueryError';
  constructor(
    readonly kind: ReadingsQueryFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface ReadingsQueryOptions {
  readonly engine: Engine;
  /** The database: a PostgreSQL URL or the SQLite file. */
  readonly url: string;
  readonly timeoutMs: number;
  /** More rows than this is an error (the caller says to add a LIMIT), never a silent cut. */
  readonly maxRows: number;
}

export interface ReadingsQueryRunner {
  /** `bind(relation)` returns the SQL to run, with `readings` bound to `relation`. */
  run(organizationId: string, bind: (relation: string) => string): Promise<QueryRow[]>;
  close(): Promise<void>;
}

// numeric (sum, avg) as a number, as a document database answers; the rest as pg parses them.
const numericAsNumber = new pg.TypeOverrides();
numericAsNumber.setTypeParser(pg.types.builtins.NUMERIC, Number);
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
const identifier = (text: string) => `"${text.replaceAll('"', '""')}"`;

/**
 * Viam's `readings` columns (docs/data/schema.md) as PostgreSQL selects them from data_tabular: for
 * TabularDataBySQL here and for the `sensordata.readings` view of direct access (data-db-users.ts).
 */
export const POSTGRES_READINGS_COLUMNS = `organization_id, location_id, robot_id, part_id, component_type, component_name, method_name,
    to_timestamp(time_requested_us / 1000000.0) AS time_requested, to_timestamp(time_received_us / 1000000.0) AS time_received,
    tags::jsonb AS tags, method_parameters::jsonb AS additional_parameters, data::jsonb AS data`;

function postgresRelation(schema: string, organizationId: string): string {
  return `SELECT ${POSTGRES_READINGS_COLUMNS} FROM ${identifier(schema)}.data_tabular WHERE organization_id = ${literal(organizationId)}`;
}

export function sqliteRelation(organizationId: string): string {
  const iso = (column: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${column} / 1000000.0, 'unixepoch')`;
  return `SELECT organization_id, location_id, robot_id, part_id, component_type, component_name, method_name,
    ${iso('time_requested_us')} AS time_requested, ${iso('time_received_us')} AS time_received,
    tags, method_parameters AS additional_parameters, data
    FROM main.data_tabular WHERE organization_id = ${literal(organizationId)}`;
}

/** PostgreSQL error classes that mean the query itself is wrong (syntax, names, types, data). */
function isUsersMistake(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('42') || code.startsWith('22') || code.startsWith('21') || code === '0A000');
}

function postgresRunner(options: ReadingsQueryOptions): ReadingsQueryRunner {
  let pool: pg.Pool | undefined;
  const poolOf = () => {
    pool ??= new pg.Pool({
      connectionString: options.url,
      max: 2,
      types: numericAsNumber,
    });
    pool.on('error', () => undefined);
    return pool;
  };
  return {
    async run(organizationId, bind) {
      const client = await poolOf().connect();
      try {
        await client.query('BEGIN READ ONLY');
        await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(options.timeoutMs))}`);
        const schema = (await client.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]?.s ?? 'public';
        const cursor = client.query(new Cursor<QueryRow>(bind(postgresRelation(schema, organizationId))));
        const rows: QueryRow[] = [];
        try {
          for (;;) {
            const batch = await cursor.read(1000);
            if (batch.length === 0) break;
            rows.push(...batch);
            if (rows.length > options.maxRows)
              throw new ReadingsQueryError('too_many_rows', `the query returns more than ${options.maxRows} rows`);
          }
        } finally {
          await cursor.close().catch(() => undefined);
        }
        return rows;
      } catch (err) {
        if (err instanceof ReadingsQueryError) throw err;
        const code = (err as { code?: string }).code;
        const message = err instanceof Error ? err.message : String(err);
        if (code === '57014') throw new ReadingsQueryError('timeout', `the query ran longer than ${options.timeoutMs} ms`);
        if (code === '25006') throw new ReadingsQueryError('invalid', 'the query tried to change data: queries only read');
        if (isUsersMistake(code)) throw new ReadingsQueryError('invalid', message);
        throw err;
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release();
      }
    },
    async close() {
      await pool?.end();
    },
  };
}

interface ChildAnswer {
  readonly rows?: QueryRow[];
  readonly failure?: ReadingsQueryFailure;
  readonly message?: string;
}

function sqliteRunner(options: ReadingsQueryOptions): ReadingsQueryRunner {
  const running = new Set<ChildProcess>();
  return {
    run(organizationId, bind) {
      // A process, not a worker thread: a statement inside SQLite never returns to JavaScript, so only
      // killing the process ends it at the limit.
      const child = fork(fileURLToPath(new URL('./readings-query-child.js', import.meta.url)), [], {
        serialization: 'advanced',
        execArgv: ['--max-old-space-size=1024'],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      running.add(child);
      return new Promise<QueryRow[]>((resolve, reject) => {
        let settled = false;
        const settle = (fn: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          running.delete(child);
          fn();
        };
        const timer = setTimeout(() => {
          settle(() => reject(new ReadingsQueryError('timeout', `the query ran longer than ${options.timeoutMs} ms`)));
          child.kill('SIGKILL');
        }, options.timeoutMs);
        child.once('message', (answer: ChildAnswer) => {
          settle(() => {
            if (answer.rows !== undefined) resolve(answer.rows);
            else reject(new ReadingsQueryError(answer.failure ?? 'invalid', answer.message ?? 'the query failed'));
          });
        });
        child.once('error', (err) => settle(() => reject(err)));
        // Ended without answering: out of memory (the result too large to hold), or killed.
        child.once('exit', () => settle(() => reject(new ReadingsQueryError('too_many_rows', 'the query result is too large to hold'))));
        child.send({ path: options.url, sql: bind(sqliteRelation(organizationId)), maxRows: options.maxRows });
      });
    },
    async close() {
      for (const child of running) child.kill('SIGKILL');
      running.clear();
      await Promise.resolve();
    },
  };
}

export function createReadingsQueryRunner(options: ReadingsQueryOptions): ReadingsQueryRunner {
  return options.engine === 'postgres' ? postgresRunner(options) : sqliteRunner(options);
}
