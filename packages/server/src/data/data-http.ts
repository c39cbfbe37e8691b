/**
 * `GET|HEAD /data/v1/binary/<file id>`: a captured file's bytes, the `uri` of its BinaryMetadata. The
 * caller sends its access token (`authorization: Bearer …`), or an API key as the newer viam CLI does
 * (headers `key_id` and `key`), and sees only files its grants reach, as
 * BinaryDataByIDs would; ranges and `ETag` = sha256, so large files stream and resume. A signed URL
 * (CreateBinaryDataSignedURL: `?expires=…&signature=…`) stands in for the credential until it expires.
 */
import { notFound, unauthenticated, type Actor } from '@hangar/domain';
import type { UrlSigner } from '../crypto/url-signer.js';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseRange, sendError, sendJson, type Request, type Response } from '../http/replies.js';
import type { Logger } from '../log.js';
import type { DataService } from './data.service.js';

export const DATA_BINARY_PATH = '/data/v1/binary/';

export interface DataHttpDeps {
  readonly data: DataService;
  readonly log: Logger;
  /** The method table's authentication (a signed-in caller), from the request's authorization header. */
  readonly authenticate: (authorization: string | null) => Promise<Actor>;
  /** An API key's id and secret exchanged for an access token, as AuthService/Authenticate does. */
  readonly signInWithKey: (keyId: string, key: string, address: string) => Promise<string>;
  /** Signs and checks the links CreateBinaryDataSignedURL hands out. */
  readonly signer: UrlSigner;
}

/** CreateBinaryDataSignedURL's defaults (data.proto): 15 minutes, at most 7 days. */
export const SIGNED_URL_DEFAULT_MINUTES = 15;
export const SIGNED_URL_MAX_MINUTES = 10_080;

export type DataHttp = ReturnType<typeof createDataHttp>;

export function createDataHttp({ data, log, authenticate, signInWithKey, signer }: DataHttpDeps) {
  /** The file, if the request may read it: a valid signed link, or a caller whose grants reach it. */
  async function fileFor(req: Request, url: URL, fileId: string) {
    const signature = url.searchParams.get('signature');
    if (signature !== null) {
      if (!signer.verify(fileId, url.searchParams.get('expires'), signature))
        throw unauthenticated('this signed URL is invalid or has expired: ask for a new one (CreateBinaryDataSignedURL)');
      const row = await data.binaryByLink(fileId);
      if (row === undefined) throw notFound('binary data', fileId);
      return row;
    }
    const keyId = req.headers.key_id;
    const key = req.headers.key;
    const authorization =
      typeof keyId === 'string' && typeof key === 'string' && req.headers.authorization === undefined
        ? `Bearer ${await signInWithKey(keyId, key, req.socket.remoteAddress ?? '')}`
        : (req.headers.authorization ?? null);
    const actor = await authenticate(authorization);
    const [row] = await data.binaryByIds(actor, [fileId]);
    return row;
  }

  async function serve(req: Request, res: Response, url: URL, fileId: string): Promise<void> {
    const row = await fileFor(req, url, fileId);
    if (row === undefined) return;
    const etag = `"${row.sha256}"`;
    const headers: Record<string, string> = {
      'content-type': row.mime_type || 'application/octet-stream',
      etag,
      'accept-ranges': 'bytes',
      'cache-control': 'private, max-age=31536000, immutable',
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end();
      return;
    }
    const ifRange = req.headers['if-range'];
    const range = ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, row.size_bytes) : undefined;
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${row.size_bytes}` }).end();
      return;
    }
    if (range !== undefined) headers['content-range'] = `bytes ${range.start}-${range.end}/${row.size_bytes}`;
    headers['content-length'] = String(range === undefined ? row.size_bytes : range.end - range.start + 1);
    const status = range === undefined ? 200 : 206;
    if (req.method === 'HEAD' || row.size_bytes === 0) {
      res.writeHead(status, headers).end();
      return;
    }
    res.writeHead(status, headers);
    await pipeline(Readable.from(data.readBlob(row.sha256, range)), res as NodeJS.WritableStream).catch((err: unknown) => {
      // The client stopped reading: nothing to answer.
      if ((err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
      throw err;
    });
  }

  /** Handles the request if it is a data download; false for every other path. */
  function handle(req: Request, res: Response): boolean {
    const url = new URL(req.url ?? '/', 'http://data');
    if (!url.pathname.startsWith(DATA_BINARY_PATH)) return false;
    const fileId = decodeURIComponent(url.pathname.slice(DATA_BINARY_PATH.length));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { code: 'UNIMPLEMENTED', message: `${req.method ?? ''} is not supported on ${url.pathname}: use GET` });
      return true;
    }
    serve(req, res, url, fileId).catch((err: unknown) => {
      sendError(res, err, log, `GET ${DATA_BINARY_PATH}`);
    });
    return true;
  }

  return {
    handle,
    /** `<base>/data/v1/binary/<file id>?expires=…&signature=…`, valid for `minutes`. */
    signedUrl(baseUrl: string, fileId: string, minutes: number): { url: string; expiresAt: Date } {
      const { query, expiresAt } = signer.query(fileId, minutes * 60);
      return { url: `${baseUrl}${DATA_BINARY_PATH}${encodeURIComponent(fileId)}?${query}`, expiresAt };
    },
  };
}
