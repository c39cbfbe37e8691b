/** A small pool of reader threads over the SQLite logs file (see sqlite-reader-worker.ts). */
import type { PackedRows } from './sqlite-reader-worker.js';
import { Worker } from 'node:worker_threads';

interface Pending {
  readonly resolve: (rows: unknown[]) => void;
  readonly reject: (err: Error) => void;
}

interface Reader {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

export interface SqliteReaders {
  all(sql: string, parameters: readonly unknown[]): Promise<unknown[]>;
  close(): Promise<void>;
}

export function createSqliteReaders(path: string, size: number): SqliteReaders {
  const readers: Reader[] = [];
  let next = 0;
  let closed = false;

  function start(): Reader {
    const worker = new Worker(new URL('./sqlite-reader-worker.js', import.meta.url), { workerData: { path } });
    // Readers never keep the process alive by themselves.
    worker.unref();
    const reader: Reader = { worker, pending: new Map() };
    worker.on('message', (m: PackedRows | { id: number; error: string }) => {
      const p = reader.pending.get(m.id);
      if (p === undefined) return;
      reader.pending.delete(m.id);
      if ('error' in m) p.reject(new Error(m.error));
      else p.resolve(unpack(m));
    });
    const fail = (err: Error) => {
      for (const p of reader.pending.values()) p.reject(err);
      reader.pending.clear();
      const at = readers.indexOf(reader);
      if (at >= 0) readers.splice(at, 1);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      fail(new Error(`the log reader thread exited (${code})`));
    });
    readers.push(reader);
    return reader;
  }

  /** The least busy reader, starting one more while the pool is not full. */
  function pick(): Reader {
    const idle = readers.find((r) => r.pending.size === 0);
    if (idle !== undefined) return idle;
    if (readers.length < size) return start();
    return readers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  return {
    all(sql, parameters) {
      if (closed) return Promise.reject(new Error('the log store is closed'));
      const reader = pick();
      const id = next++;
      return new Promise((resolve, reject) => {
        reader.pending.set(id, { resolve, reject });
        reader.worker.ref();
        reader.worker.postMessage({ id, sql, parameters });
      }).finally(() => {
        if (reader.pending.size === 0) reader.worker.unref();
      }) as Promise<unknown[]>;
    },
    async close() {
      closed = true;
      await Promise.all(readers.map((r) => r.worker.terminate()));
      readers.length = 0;
    },
  };
}

/** The worker's packed rows as objects keyed by column, blobs as Buffers over the one transferred buffer. */
function unpack({ columns, rows, blob, blobCells }: PackedRows): Record<string, unknown>[] {
  for (let i = 0; i < blobCells.length; i += 4) {
    const row = rows[blobCells[i] ?? 0];
    if (row !== undefined)
      row[blobCells[i + 1] ?? 0] = Buffer.from(blob.buffer, blob.byteOffset + (blobCells[i + 2] ?? 0), blobCells[i + 3]);
  }
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    columns.forEach((name, c) => {
      out[name] = row[c];
    });
    return out;
  });
}
