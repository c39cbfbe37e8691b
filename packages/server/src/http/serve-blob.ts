/**
 * Sends one stored file over plain HTTP, as registry downloads and data downloads both do: `ETag` = its
 * sha256 (so `If-None-Match` answers 304), one byte range (`Range`, honoured under `If-Range` only when it
 * names the same ETag; 206, or 416 past the end), HEAD without a body, and a missing blob answered 500
 * before the status line rather than as a truncated 200.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobNotFoundError } from '../blobs/blob-store.js';
import type { Logger } from '../log.js';
import { parseRange, sendJson, type Request, type Response } from './replies.js';

export interface StoredFile {
  readonly sha256: string;
  readonly sizeBytes: number;
  /** Headers of the whole file (content-type, disposition, …). */
  readonly headers: Record<string, string>;
  /** Headers that describe the whole file only, left out of a partial answer (a whole-file checksum). */
  readonly wholeFileOnly?: readonly string[];
  /** The bytes, or a range of them (end inclusive). */
  read(range?: { start: number; end: number }): AsyncIterable<Uint8Array>;
}

export async function serveBlob(req: Request, res: Response, file: StoredFile, log: Logger, what: string): Promise<void> {
  const etag = `"${file.sha256}"`;
  const headers: Record<string, string> = {
    ...file.headers,
    etag,
    'accept-ranges': 'bytes',
    'cache-control': 'private, max-age=31536000, immutable',
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  const ifRange = req.headers['if-range'];
  const range = ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, file.sizeBytes) : undefined;
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${file.sizeBytes}` }).end();
    return;
  }
  const partial = range === undefined ? {} : { 'content-range': `bytes ${range.start}-${range.end}/${file.sizeBytes}` };
  const sent = Object.fromEntries(
    Object.entries({ ...headers, ...partial }).filter(([name]) => range === undefined || !(file.wholeFileOnly ?? []).includes(name)),
  );
  sent['content-length'] = String(range === undefined ? file.sizeBytes : range.end - range.start + 1);
  const status = range === undefined ? 200 : 206;
  if (req.method === 'HEAD' || file.sizeBytes === 0) {
    res.writeHead(status, sent).end();
    return;
  }
  // Fail before the status line if the blob is gone (the store throws on the first read).
  const iterator = file.read(range)[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array>;
  try {
    first = await iterator.next();
  } catch (err) {
    if (err instanceof BlobNotFoundError) {
      log.error({ what, sha256: file.sha256 }, 'a stored file has no blob: the blob store lost it');
      sendJson(res, 500, { code: 'INTERNAL', message: 'the file is missing from the blob store; the server log says more' });
      return;
    }
    throw err;
  }
  res.writeHead(status, sent);
  await pipeline(
    Readable.from(
      (async function* () {
        if (first.done !== true) yield first.value;
        for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield next.value;
      })(),
    ),
    res as NodeJS.WritableStream,
  ).catch((err: unknown) => {
    // The client stopped reading (it had what it wanted, or went away): nothing to answer.
    if ((err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw err;
  });
}
