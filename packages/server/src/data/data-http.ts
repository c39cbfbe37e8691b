/**
 * `GET|HEAD /data/v1/binary/<file id>`: a captured file's bytes, the `uri` of its BinaryMetadata. The
 * caller sends its access token (`authorization: Bearer …`), or an API key as the newer viam CLI does
 * (headers `key_id` and `key`), and sees only files its grants reach, as
 * BinaryDataByIDs would; ranges and `ETag` = sha256, so large files stream and resume. A signed URL
 * (CreateBinaryDataSignedURL: `?expires=…&signature=…`) stands in for the credential until it expires.
 */
import { notFound, unauthenticated, type Actor } from '@hangar/domain';
import type { UrlSigner } from '../crypto/url-signer.js';
import { sendError, sendJson, type Request, type Response } from '../http/replies.js';
import { serveBlob } from '../http/serve-blob.js';
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
    await serveBlob(
      req,
      res,
      {
        sha256: row.sha256,
        sizeBytes: row.size_bytes,
        headers: { 'content-type': row.mime_type || 'application/octet-stream' },
        read: (range) => data.readBlob(row.sha256, range),
      },
      log,
      `data file ${fileId}`,
    );
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
