/**
 * Where registry files (module versions, packages, board definitions) live: content-addressed by sha256,
 * streamed in and out, never held in memory. A blob becomes visible only once it is complete; an
 * interrupted or refused write leaves nothing behind. The filesystem store (fs-blob-store.ts) is the
 * default; an object store can stand behind the same interface for several replicas.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
export interface BlobInfo {
  /** Lower-case hex. */
  readonly sha256: string;
  readonly size: number;
}

export interface ByteRange {
  /** First byte, inclusive. */
  readonly start: number;
  /** Last byte, inclusive (as HTTP ranges count). */
  readonly end: number;
}

export interface PutOptions {
  /** A source longer than this is refused with BlobTooLargeError, and nothing is kept. */
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
}

export interface BlobStore {
  put(source: AsyncIterable<Uint8Array>, options: PutOptions): Promise<BlobInfo>;
  /**
   * Takes a complete local file whose sha256 and size the caller computed as its bytes arrived (a resumable
   * upload's part file): moved into place where the store can, else streamed in and checked against
   * `expected`. The file is gone afterwards, whatever the outcome.
   */
  putFile(path: string, expected: BlobInfo, options: PutOptions): Promise<BlobInfo>;
  stat(sha256: string): Promise<BlobInfo | undefined>;
  /** The blob's bytes, or the range of them; throws BlobNotFoundError if there is no such blob. */
  read(sha256: string, range?: ByteRange): AsyncIterable<Uint8Array>;
  delete(sha256: string): Promise<void>;
  /** Removes what writes that never finished (a crashed process) left behind, if older than `olderThanMs`. */
  sweep(olderThanMs: number): Promise<number>;
  /** Every complete blob, with when it was last written, in no particular order: for finding those no row names. */
  list(): AsyncIterable<StoredBlob>;
  /** When the blob was last written (ms since the epoch), or undefined when there is none. */
  writtenAt(sha256: string): Promise<number | undefined>;
}

export interface StoredBlob {
  readonly sha256: string;
  /** When the blob was written (or last written again with the same bytes), in ms since the epoch. */
  readonly writtenAtMs: number;
}

/** `putFile` for a store that cannot take a file by name: its bytes streamed in, then checked. */
export async function putFileByStreaming(store: BlobStore, path: string, expected: BlobInfo, options: PutOptions): Promise<BlobInfo> {
  try {
    const blob = await store.put(createReadStream(path) as AsyncIterable<Buffer>, options);
    if (blob.sha256 !== expected.sha256 || blob.size !== expected.size) {
      throw new Error(`the file changed on disk: it hashed to ${blob.sha256} (${blob.size} bytes) as it arrived`);
    }
    return blob;
  } finally {
    await rm(path, { force: true });
  }
}

export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the file is larger than the limit of ${maxBytes} bytes`);
  }
}

export class BlobNotFoundError extends Error {
  constructor(readonly sha256: string) {
    super(`no blob ${sha256}`);
  }
}

export const isSha256 = (value: string): boolean => /^[0-9a-f]{64}$/.test(value);
