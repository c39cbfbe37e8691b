/**
 * Blobs as files under a directory: `sha256/ab/<hash>` for complete ones, `incoming/<uuid>` while being
 * written. A write hashes as it streams, is flushed to disk, then renamed into place: a reader sees the
 * whole file or none. The same content written twice is kept once.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BlobNotFoundError,
  BlobTooLargeError,
  isSha256,
  putFileByStreaming,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type PutOptions,
  type StoredBlob,
} from './blob-store.js';

export function createFsBlobStore(root: string): BlobStore {
  const incoming = join(root, 'incoming');
  const pathOf = (sha256: string) => {
    if (!isSha256(sha256)) throw new BlobNotFoundError(sha256);
    return join(root, 'sha256', sha256.slice(0, 2), sha256);
  };

  /**
   * Gives a complete, flushed file its content's name, or drops it when that name holds these bytes already.
   * Either way the blob's time is now: the sweep of blobs no row names leaves recent ones alone, and the row
   * that will name these bytes is being written.
   */
  async function settle(path: string, blob: BlobInfo): Promise<BlobInfo> {
    const target = pathOf(blob.sha256);
    await mkdir(join(target, '..'), { recursive: true });
    if ((await stat(target).catch(() => undefined)) !== undefined) {
      await unlink(path);
      const at = new Date();
      await utimes(target, at, at).catch(() => undefined);
    } else await rename(path, target);
    return blob;
  }

  const store: BlobStore = {
    async put(source: AsyncIterable<Uint8Array>, { maxBytes, signal }: PutOptions): Promise<BlobInfo> {
      await mkdir(incoming, { recursive: true });
      const temp = join(incoming, randomUUID());
      const file = await open(temp, 'wx', 0o600);
      const hash = createHash('sha256');
      const writer = batchedWriter(file);
      let size = 0;
      try {
        for await (const chunk of source) {
          signal?.throwIfAborted();
          size += chunk.length;
          if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
          hash.update(chunk);
          await writer.write(chunk);
        }
        signal?.throwIfAborted();
        await writer.end();
        await file.sync();
        await file.close();
      } catch (err) {
        await writer.drain();
        await file.close().catch(() => undefined);
        await unlink(temp).catch(() => undefined);
        throw err;
      }
      return settle(temp, { sha256: hash.digest('hex'), size });
    },

    async putFile(path: string, expected: BlobInfo, options: PutOptions): Promise<BlobInfo> {
      if (expected.size > options.maxBytes) throw new BlobTooLargeError(options.maxBytes);
      // What a crash would lose must not be a blob: flushed before it gets the name that says it is whole.
      const file = await open(path, 'r+');
      try {
        await file.sync();
      } finally {
        await file.close();
      }
      try {
        return await settle(path, expected);
      } catch (err) {
        // Another filesystem: copy it in, checking the bytes on the way.
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        return putFileByStreaming(store, path, expected, options);
      }
    },

    async stat(sha256: string): Promise<BlobInfo | undefined> {
      if (!isSha256(sha256)) return undefined;
      const s = await stat(pathOf(sha256)).catch(() => undefined);
      return s === undefined ? undefined : { sha256, size: s.size };
    },

    async *read(sha256: string, range?: ByteRange): AsyncIterable<Uint8Array> {
      const path = pathOf(sha256);
      if ((await stat(path).catch(() => undefined)) === undefined) throw new BlobNotFoundError(sha256);
      yield* createReadStream(path, range === undefined ? {} : { start: range.start, end: range.end }) as AsyncIterable<Buffer>;
    },

    async delete(sha256: string): Promise<void> {
      await rm(pathOf(sha256), { force: true });
    },

    async writtenAt(sha256: string): Promise<number | undefined> {
      if (!isSha256(sha256)) return undefined;
      return (await stat(pathOf(sha256)).catch(() => undefined))?.mtimeMs;
    },

    async *list(): AsyncIterable<StoredBlob> {
      const top = join(root, 'sha256');
      for (const shard of await readdir(top).catch(() => [] as string[])) {
        for (const name of await readdir(join(top, shard)).catch(() => [] as string[])) {
          if (!isSha256(name)) continue;
          const s = await stat(join(top, shard, name)).catch(() => undefined);
          if (s !== undefined) yield { sha256: name, writtenAtMs: s.mtimeMs };
        }
      }
    },

    async sweep(olderThanMs: number): Promise<number> {
      const names = await readdir(incoming).catch(() => [] as string[]);
      let removed = 0;
      for (const name of names) {
        const path = join(incoming, name);
        const s = await stat(path).catch(() => undefined);
        if (s !== undefined && Date.now() - s.mtimeMs > olderThanMs) {
          await unlink(path).catch(() => undefined);
          removed++;
        }
      }
      return removed;
    },
  };
  return store;
}

/**
 * Writes from many small chunks gathered into few large ones, one always in flight while the next gathers.
 * Every `syncEveryBytes` it also starts flushing what is written to the disk, beside the writes: the
 * flush a blob needs before it is named then has only the last stretch left, instead of the whole file
 * (for 64 MiB, 120 ms here: longer than copying the file).
 */
function batchedWriter(file: FileHandle, batchBytes = 1024 * 1024, syncEveryBytes = 8 * 1024 * 1024) {
  let batch: Uint8Array[] = [];
  let gathered = 0;
  let unsynced = 0;
  let inFlight: Promise<void> = Promise.resolve();
  let syncing: Promise<void> | undefined;
  // Kept, not thrown from the write's own promise: nothing may be left unawaited when the source fails.
  const state: { failed?: Error } = {};
  const fail = (err: unknown) => {
    state.failed ??= err instanceof Error ? err : new Error(String(err));
  };
  const check = () => {
    if (state.failed !== undefined) throw state.failed;
  };
  const flush = () => {
    const buffers = batch;
    const bytes = gathered;
    batch = [];
    gathered = 0;
    inFlight = file.writev(buffers).then(() => {
      unsynced += bytes;
      if (unsynced < syncEveryBytes || syncing !== undefined) return;
      unsynced = 0;
      syncing = file.datasync().then(
        () => {
          syncing = undefined;
        },
        (err: unknown) => {
          syncing = undefined;
          fail(err);
        },
      );
    }, fail);
  };
  return {
    async write(chunk: Uint8Array): Promise<void> {
      check();
      batch.push(chunk);
      gathered += chunk.length;
      if (gathered < batchBytes) return;
      await inFlight;
      check();
      flush();
    },
    /** Waits for what is under way without writing what is gathered (the file is being given up). */
    async drain(): Promise<void> {
      await inFlight;
      await syncing;
    },
    /** Writes what is gathered and waits for every write, and any flush under way; the caller flushes the rest. */
    async end(): Promise<void> {
      await inFlight;
      if (state.failed === undefined && gathered > 0) {
        flush();
        await inFlight;
      }
      await syncing;
      check();
    },
  };
}
