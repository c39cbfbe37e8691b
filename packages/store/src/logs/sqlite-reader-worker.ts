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
      statement = file.prepare(sql).raw(true);
      if (statements.size >= 128) statements.delete(statements.keys().next().value ?? '');
      statements.set(sql, statement);
    }
    const packed = pack(id, statement, statement.all(...parameters) as unknown[][]);
    port.postMessage(packed, [packed.blob.buffer as ArrayBuffer]);
  } catch (err) {
    port.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});

/**
 * Rows as arrays, and every blob copied into one buffer handed over without a copy: a Buffer cell would be
 * cloned with the whole pool slab it sits in (8 KiB a row), which made a page of 1,000 entries cost 17 ms.
 */
function pack(id: number, statement: Database.Statement, rows: unknown[][]): PackedRows {
  let total = 0;
  for (const row of rows) for (const cell of row) if (cell instanceof Uint8Array) total += cell.length;
  const blob = new Uint8Array(total);
  const blobCells: number[] = [];
  let at = 0;
  rows.forEach((row, r) => {
    row.forEach((cell, c) => {
      if (!(cell instanceof Uint8Array)) return;
      blob.set(cell, at);
      blobCells.push(r, c, at, cell.length);
      row[c] = null;
      at += cell.length;
    });
  });
  return { id, columns: statement.columns().map((c) => c.name), rows, blob, blobCells };
}

export interface PackedRows {
  readonly id: number;
  readonly columns: readonly string[];
  readonly rows: unknown[][];
  readonly blob: Uint8Array;
  /** Row, column, offset and length of each blob cell, four numbers a cell. */
  readonly blobCells: readonly number[];
}
