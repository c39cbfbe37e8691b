/**
 * Blobs as files under a directory: `sha256/ab/<hash>` for complete ones, `incoming/<uuid>` while being
 * written. A write hashes as it streams, is flushed to disk, then renamed into place: a reader sees the
 * whole file or none. The same content written twice is kept once.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BlobNotFoundError,
  BlobTooLargeError,
  isSha256,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type PutOptions,
} from './blob-store.js';

export function createFsBlobStore(root: string): BlobStore {
  const incoming = join(root, 'incoming');
  const pathOf = (sha256: string) => {
    if (!isSha256(sha256)) throw new BlobNotFoundError(sha256);
    return join(root, 'sha256', sha256.slice(0, 2), sha256);
  };

  return {
    async put(source: AsyncIterable<Uint8Array>, { maxBytes, signal }: PutOptions): Promise<BlobInfo> {
      await mkdir(incoming, { recursive: true });
      const temp = join(incoming, randomUUID());
      const file = await open(temp, 'wx', 0o600);
      const hash = createHash('sha256');
      let size = 0;
      try {
        for await (const chunk of source) {
          signal?.throwIfAborted();
          size += chunk.length;
          if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
          hash.update(chunk);
          await file.write(chunk);
        }
        signal?.throwIfAborted();
        await file.sync();
        await file.close();
      } catch (err) {
        await file.close().catch(() => undefined);
        await unlink(temp).catch(() => undefined);
        throw err;
      }
      const sha256 = hash.digest('hex');
      const target = pathOf(sha256);
      await mkdir(join(target, '..'), { recursive: true });
      // Content-addressed: an existing file with this name holds these bytes already.
      if ((await stat(target).catch(() => undefined)) !== undefined) await unlink(temp);
      else await rename(temp, target);
      return { sha256, size };
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
}
