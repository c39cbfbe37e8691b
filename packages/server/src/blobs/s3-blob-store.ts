/**
 * Blobs as objects in an S3-compatible bucket, laid out as the filesystem store lays out files:
 * `<prefix>sha256/ab/<hash>` for complete ones, `<prefix>incoming/<uuid>` while being written. S3 has no
 * rename, so a finished write is copied into place and the temporary object deleted; readers only ever
 * look at `sha256/`, so they see a whole blob or none.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
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

export interface S3BlobStoreOptions {
  readonly bucket: string;
  /** '' or ending in '/'. */
  readonly prefix: string;
  readonly client: S3Client;
}

// lib-storage holds up to queueSize parts in flight plus the one being filled: ~24 MiB per upload.
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;

/** S3 answers a missing key with 404 (HeadObject: NotFound, GetObject: NoSuchKey). */
const isMissing = (err: unknown): boolean => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

/** Where the bytes a server sent begin: `bytes 0-99/1000` → 0; no Content-Range (a 200) → the whole object. */
function firstByteOf(contentRange: string | undefined): number {
  const match = contentRange === undefined ? null : /^bytes (\d+)-/.exec(contentRange);
  return match === null ? 0 : Number(match[1]);
}

/**
 * HTTP lets a server answer a Range with more than was asked (or all of it), and some S3-compatible ones
 * do (s3rver sends everything for `bytes=0-0`); callers have promised their clients exactly `length` bytes.
 */
async function* window(body: AsyncIterable<Uint8Array>, skip: number, length: number): AsyncIterable<Uint8Array> {
  if (skip < 0) throw new Error(`the object store sent a range starting ${-skip} bytes after the one asked for`);
  let left = length;
  for await (const chunk of body) {
    const part = chunk.subarray(Math.min(skip, chunk.byteLength), Math.min(skip, chunk.byteLength) + left);
    skip = Math.max(0, skip - chunk.byteLength);
    left -= part.byteLength;
    if (part.byteLength > 0) yield part;
    if (left === 0) return;
  }
  throw new Error(`the object store's answer ended ${left} bytes short of the range`);
}

/**
 * The source as the Readable lib-storage wants. Not Readable.from: on abort it waits for the generator to
 * take the error, which a source stalled mid-read (a client gone quiet) never lets it do.
 */
function abortable(source: AsyncIterable<Uint8Array>, signal: AbortSignal | undefined): Readable {
  const iterator = source[Symbol.asyncIterator]();
  return new Readable({
    objectMode: true,
    highWaterMark: 1,
    ...(signal !== undefined && { signal }),
    read() {
      iterator.next().then(
        (next) => {
          if (!this.destroyed) this.push(next.done === true ? null : next.value);
        },
        (err: unknown) => this.destroy(err as Error),
      );
    },
    destroy(err, callback) {
      // Not awaited: the source finishes (and releases what it holds) whenever its pending read does.
      iterator.return?.().catch(() => undefined);
      callback(err);
    },
  });
}

export function createS3BlobStore({ bucket, prefix, client }: S3BlobStoreOptions): BlobStore {
  const incoming = `${prefix}incoming/`;
  const keyOf = (sha256: string) => {
    if (!isSha256(sha256)) throw new BlobNotFoundError(sha256);
    return `${prefix}sha256/${sha256.slice(0, 2)}/${sha256}`;
  };
  const remove = (key: string) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  const head = (key: string) =>
    client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch((err: unknown) => {
      if (isMissing(err)) return undefined;
      throw err;
    });

  const store: BlobStore = {
    async put(source: AsyncIterable<Uint8Array>, { maxBytes, signal }: PutOptions): Promise<BlobInfo> {
      signal?.throwIfAborted();
      const temp = `${incoming}${randomUUID()}`;
      const hash = createHash('sha256');
      let size = 0;
      async function* measured(): AsyncIterable<Uint8Array> {
        for await (const chunk of source) {
          size += chunk.byteLength;
          if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
          hash.update(chunk);
          yield chunk;
        }
      }
      const upload = new Upload({
        client,
        params: {
          Bucket: bucket,
          Key: temp,
          Body: abortable(measured(), signal),
          ContentType: 'application/octet-stream',
        },
        partSize: PART_SIZE,
        queueSize: QUEUE_SIZE,
        // We abort the multipart upload ourselves: lib-storage would throw a failed abort in place of the
        // error that caused it (and some S3-compatible servers do not implement AbortMultipartUpload).
        leavePartsOnError: true,
      });
      try {
        await upload.done();
        // The last part may have gone out after the caller gave up.
        signal?.throwIfAborted();
      } catch (err) {
        if (upload.uploadId !== undefined) {
          await client
            .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: temp, UploadId: upload.uploadId }))
            .catch(() => undefined);
        }
        await remove(temp).catch(() => undefined);
        throw signal?.aborted === true ? signal.reason : err;
      }
      const sha256 = hash.digest('hex');
      const target = keyOf(sha256);
      try {
        // Content-addressed: an existing object with this name holds these bytes already.
        if ((await head(target)) === undefined) {
          const copySource = `${bucket}/${temp.split('/').map(encodeURIComponent).join('/')}`;
          await client.send(new CopyObjectCommand({ Bucket: bucket, Key: target, CopySource: copySource }));
        }
      } finally {
        // A failed copy leaves the temporary object to sweep() if this delete fails too.
        await remove(temp).catch(() => undefined);
      }
      return { sha256, size };
    },

    async stat(sha256: string): Promise<BlobInfo | undefined> {
      if (!isSha256(sha256)) return undefined;
      const found = await head(keyOf(sha256));
      return found === undefined ? undefined : { sha256, size: found.ContentLength ?? 0 };
    },

    async *read(sha256: string, range?: ByteRange): AsyncIterable<Uint8Array> {
      const key = keyOf(sha256);
      const Range = range === undefined ? undefined : `bytes=${range.start}-${range.end}`;
      const object = await client
        .send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(Range !== undefined && { Range }) }))
        .catch((err: unknown) => {
          if (isMissing(err)) throw new BlobNotFoundError(sha256);
          throw err;
        });
      // In Node the body is an IncomingMessage; a consumer that stops early destroys it through yield*.
      const body = object.Body as AsyncIterable<Uint8Array>;
      if (range === undefined) {
        yield* body;
        return;
      }
      const length = range.end - range.start + 1;
      const skip = range.start - firstByteOf(object.ContentRange);
      // The exact answer is passed through whole, so its connection goes back to the pool.
      yield* skip === 0 && object.ContentLength === length ? body : window(body, skip, length);
    },

    async delete(sha256: string): Promise<void> {
      await remove(keyOf(sha256));
    },

    async writtenAt(sha256: string): Promise<number | undefined> {
      if (!isSha256(sha256)) return undefined;
      return (await head(keyOf(sha256)))?.LastModified?.getTime();
    },

    async *list(): AsyncIterable<StoredBlob> {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: `${prefix}sha256/`,
            ...(token !== undefined && { ContinuationToken: token }),
          }),
        );
        for (const object of page.Contents ?? []) {
          const sha256 = object.Key?.slice(object.Key.lastIndexOf('/') + 1) ?? '';
          if (isSha256(sha256) && object.LastModified !== undefined) yield { sha256, writtenAtMs: object.LastModified.getTime() };
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    },

    async sweep(olderThanMs: number): Promise<number> {
      const cutoff = Date.now() - olderThanMs;
      let removed = 0;
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: incoming, ...(token !== undefined && { ContinuationToken: token }) }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined || object.LastModified === undefined || object.LastModified.getTime() >= cutoff) continue;
          await remove(object.Key);
          removed++;
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return removed;
    },
    putFile: (path, expected, options) => putFileByStreaming(store, path, expected, options),
  };
  return store;
}
