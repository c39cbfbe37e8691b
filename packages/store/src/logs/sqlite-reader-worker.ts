/**
 * A reader of the SQLite logs file on a thread of its own. A filtered query over a part with millions of
 * entries takes a noticeable time, and better-sqlite3 runs synchronously: on the server's main thread it
 * would stall every call, every ingest and every tail meanwhile. WAL lets this connection read while the
 * main thread writes.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

interface Request {
  readonly id: number;
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

const port = parentPort;
if (port === null) throw new Error('sqlite-reader-worker runs as a worker thread');

const file = new Database((workerData as { path: string }).path, { readonly: true, fileMustExist: true });
file.pragma('busy_timeout = 5000');
file.function('unicode_lower', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : s));
const statements = new Map<string, Database.Statement>();

port.on('message', ({ id, sql, parameters }: Request) => {
  try {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = file.prepare(sql);
      if (statements.size >= 128) statements.delete(statements.keys().next().value ?? '');
      statements.set(sql, statement);
    }
    port.postMessage({ id, rows: statement.all(...parameters) });
  } catch (err) {
    port.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
