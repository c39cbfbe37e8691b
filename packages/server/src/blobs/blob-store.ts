/**
 * Where registry files (module versions, packages, board definitions) live: content-addressed by sha256,
 * streamed in and out, never held in memory. A blob becomes visible only once it is complete; an
 * interrupted or refused write leaves nothing behind. The filesystem store (fs-blob-store.ts) is the
 * default; an object store can stand behind the same interface for several replicas.
 */
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
  stat(sha256: string): Promise<BlobInfo | undefined>;
  /** The blob's bytes, or the range of them; throws BlobNotFoundError if there is no such blob. */
  read(sha256: string, range?: ByteRange): AsyncIterable<Uint8Array>;
  delete(sha256: string): Promise<void>;
  /** Removes what writes that never finished (a crashed process) left behind, if older than `olderThanMs`. */
  sweep(olderThanMs: number): Promise<number>;
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
