/**
 * The registry's plain-HTTP side, on the same port as the RPCs:
 * - `GET|HEAD /registry/v1/files/<file id>/<name>`: a file's bytes, with a signed link (GetPackage) or a
 *   bearer token; ranges, `ETag` = sha256, and the `x-goog-hash: crc32c=…` viam-server checks downloads by.
 * - `POST /registry/v1/uploads`, then `PATCH /registry/v1/uploads/<id>` with `Upload-Offset`: a resumable
 *   upload of a module version (tus's ideas), for clients that cannot stream a request (browsers,
 *   gRPC-web). Received bytes sit in the data dir; the version becomes visible when the last byte is in.
 */
import {
  failedPrecondition,
  identityOf,
  invalid,
  parseModulePlatform,
  parseModuleVersion,
  resourceExhausted,
  type Actor,
} from '@hangar/domain';
import { registry as store, type Database } from '@hangar/store';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../blobs/blob-store.js';
import type { Logger } from '../log.js';
import type { Guarded } from '../rpc/routes.js';
import { sendError, sendJson, type Request, type Response } from '../http/replies.js';
import { serveBlob } from '../http/serve-blob.js';
import { Crc32c } from './crc32c.js';
import { DOWNLOAD_PATH_PREFIX, type DownloadLinks } from './download-links.js';
import { itemIdOf, type RegistryService } from './registry.service.js';
import { registryPageUrl } from './registry.convert.js';

export const UPLOADS_PATH = '/registry/v1/uploads';
/** An upload nobody has added to for this long is given up and its bytes deleted. */
const UPLOAD_IDLE_MS = 24 * 3600 * 1000;
const MAX_JSON_BYTES = 64 * 1024;
/** When an upload last added to at `at` is given up. */
const expiryFrom = (at: Date): string => new Date(at.getTime() + UPLOAD_IDLE_MS).toISOString();

export interface RegistryHttpDeps {
  readonly db: Database;
  readonly registry: RegistryService;
  readonly blobs: BlobStore;
  readonly links: DownloadLinks;
  readonly log: Logger;
  readonly dataDir: string;
  readonly maxUploadBytes: number;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly baseUrl: (req: Request) => string;
  /** The method table's authorization, for what the file or upload belongs to. */
  readonly authorizeRead: (itemId: string, authorization: string | null) => Promise<Guarded>;
  readonly authorizeUpload: (itemId: string, authorization: string | null) => Promise<Guarded>;
}

async function readJson(req: Request): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BYTES) throw invalid(`the request body must be a JSON object of at most ${MAX_JSON_BYTES} bytes`);
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw invalid('the request body must be JSON: {"module_id": "...", "version": "1.0.0", "platform": "linux/amd64", "size": 123}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('the request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

export function createRegistryHttp(deps: RegistryHttpDeps) {
  const { db, registry, blobs, links, log, maxUploadBytes, now, newId } = deps;
  const uploadDir = join(deps.dataDir, 'uploads');
  const partPath = (id: string) => join(uploadDir, `${id}.part`);

  async function serveFile(req: Request, res: Response, fileId: string, query: URLSearchParams): Promise<void> {
    const signed = links.verify(fileId, query.get('expires'), query.get('signature'));
    const found = await registry.fileById(fileId);
    if (!signed) {
      // Without a valid link the caller must be allowed to read the item the file belongs to.
      if (found === undefined && (req.headers.authorization ?? '') === '') {
        sendJson(res, 401, {
          code: 'UNAUTHENTICATED',
          message: 'this link has expired or is not valid: ask GetPackage for a new one, or send an access token',
        });
        return;
      }
      if (found === undefined) throw invalid(`no registry file ${fileId}`);
      await deps.authorizeRead(itemIdOf(found.item), req.headers.authorization ?? null);
    }
    if (found === undefined) {
      sendJson(res, 404, { code: 'NOT_FOUND', message: `registry file ${fileId} not found: it was deleted` });
      return;
    }
    const { file } = found;
    await serveBlob(
      req,
      res,
      {
        sha256: file.sha256,
        sizeBytes: file.sizeBytes,
        headers: {
          'content-type': 'application/x-gzip',
          'x-goog-hash': `crc32c=${file.crc32c}`,
          'content-disposition': `attachment; filename="${file.fileName.replace(/[^\w.-]/g, '_')}"`,
        },
        // The whole file's checksum does not describe a part of it.
        wholeFileOnly: ['x-goog-hash'],
        read: (range) => blobs.read(file.sha256, range),
      },
      log,
      `registry file ${fileId}`,
    );
  }

  function uploadView(req: Request, u: store.RegistryUploadRow) {
    return {
      upload_id: u.id,
      location: `${deps.baseUrl(req)}${UPLOADS_PATH}/${u.id}`,
      offset: u.receivedBytes,
      size: u.sizeBytes,
      expires_at: u.expiresAt,
    };
  }

  const sameUploader = (actor: Actor, u: store.RegistryUploadRow) => {
    const who = identityOf(actor);
    return who.type === u.uploaderType && who.id === u.uploaderId;
  };

  async function startUpload(req: Request, res: Response): Promise<void> {
    const body = await readJson(req);
    const moduleId = typeof body.module_id === 'string' ? body.module_id : '';
    const version = typeof body.version === 'string' ? body.version : '';
    const platform = typeof body.platform === 'string' ? body.platform : '';
    const size = body.size;
    if (moduleId === '') throw invalid('module_id is required: the module the version is for, <namespace or organization id>:<name>');
    parseModuleVersion('version', version);
    parseModulePlatform('platform', platform);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0)
      throw invalid('size must be the whole file size in bytes, a positive integer');
    if (size > maxUploadBytes) {
      throw resourceExhausted(
        `the file is larger than this server's limit of ${Math.floor(maxUploadBytes / 1024 / 1024)} MiB (--max-upload-mb)`,
      );
    }
    const { actor } = await deps.authorizeUpload(moduleId, req.headers.authorization ?? null);
    const item = await registry.checkUpload({ itemId: moduleId, version, platform });
    const who = identityOf(actor);
    const at = now();
    const row: store.RegistryUploadRow = {
      id: newId(),
      itemId: item.id,
      version,
      platform,
      sizeBytes: size,
      receivedBytes: 0,
      uploaderType: who.type,
      uploaderId: who.id,
      createdAt: at.toISOString(),
      expiresAt: expiryFrom(at),
    };
    await mkdir(uploadDir, { recursive: true, mode: 0o700 });
    await rm(partPath(row.id), { force: true });
    await store.insertUpload(db, row);
    const view = uploadView(req, row);
    sendJson(res, 201, view, { location: view.location, 'upload-offset': '0', 'upload-length': String(size) });
  }

  async function findUpload(req: Request, id: string): Promise<{ upload: store.RegistryUploadRow; actor: Actor; itemId: string }> {
    const upload = await store.findUpload(db, id);
    const item = upload && (await store.findItem(db, upload.itemId));
    if (upload === undefined || item === undefined) throw new NotFoundUpload(id);
    const { actor } = await deps.authorizeUpload(itemIdOf(item), req.headers.authorization ?? null);
    if (!sameUploader(actor, upload)) throw new NotFoundUpload(id);
    return { upload, actor, itemId: itemIdOf(item) };
  }

  /**
   * Hashes of the bytes each upload has so far, kept while its chunks come in order to this process, so
   * that the complete file goes to the blob store by name instead of being read again. An upload resumed
   * after a restart has none, and is hashed from its part file at the end.
   */
  const progress = new Map<string, { readonly offset: number; readonly sha256: Hash; readonly crc32c: Crc32c }>();
  /** Part files being flushed to disk behind the chunks already answered. */
  const flushing = new Map<string, Promise<void>>();
  /** Uploads a PATCH is adding to right now: a second one at the same time would interleave the bytes. */
  const busy = new Set<string>();

  async function appendChunk(req: Request, res: Response, id: string): Promise<void> {
    const found = await findUpload(req, id);
    if (busy.has(id))
      throw failedPrecondition('another request is adding to this upload right now; wait for it, then ask HEAD for the offset');
    busy.add(id);
    try {
      await appendChunkAlone(req, res, found);
    } finally {
      busy.delete(id);
    }
  }

  /**
   * The part file as the database says it is: bytes past the recorded offset (a crash between the write
   * and the record) are cut; bytes missing from it (lost from the disk's cache in a crash, or a different
   * replica took the upload) move the offset back, so the client resends them.
   */
  async function reconcilePart(upload: store.RegistryUploadRow): Promise<number> {
    const path = partPath(upload.id);
    const onDisk = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    if (onDisk > upload.receivedBytes) await truncate(path, upload.receivedBytes);
    if (onDisk >= upload.receivedBytes) return upload.receivedBytes;
    const expires = expiryFrom(now());
    if (!(await store.advanceUpload(db, upload.id, upload.receivedBytes, onDisk, expires))) throw concurrentChunk();
    progress.delete(upload.id);
    log.warn(
      { uploadId: upload.id, recorded: upload.receivedBytes, onDisk },
      'a registry upload had lost bytes; the client resends from where its part file ends',
    );
    return onDisk;
  }

  async function appendChunkAlone(
    req: Request,
    res: Response,
    { upload, actor, itemId }: { upload: store.RegistryUploadRow; actor: Actor; itemId: string },
  ): Promise<void> {
    const { id } = upload;
    const at = await reconcilePart(upload);
    const offset = Number(req.headers['upload-offset']);
    if (!Number.isSafeInteger(offset) || offset !== at) {
      sendJson(
        res,
        409,
        {
          code: 'FAILED_PRECONDITION',
          message: `Upload-Offset must be ${at}, the bytes received so far; resume from there`,
          offset: at,
        },
        { 'upload-offset': String(at) },
      );
      return;
    }
    // Copies: a chunk that fails half-way must leave the hashes as they were.
    const carried = progress.get(id);
    const start = carried?.offset === offset ? carried : offset === 0 ? { sha256: createHash('sha256'), crc32c: new Crc32c() } : undefined;
    const sha256 = start?.sha256.copy();
    const crc32c = start?.crc32c.copy();
    const room = upload.sizeBytes - offset;
    let written = 0;
    const path = partPath(id);
    try {
      await pipeline(
        req as NodeJS.ReadableStream,
        async function* (source: AsyncIterable<Buffer | string>) {
          for await (const piece of source) {
            // The request is never decoded as text, so its pieces are bytes.
            const chunk = piece as Buffer;
            written += chunk.length;
            if (written > room) throw resourceExhausted(`the chunk goes past the declared size of ${upload.sizeBytes} bytes`);
            sha256?.update(chunk);
            crc32c?.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(path, { flags: 'a', mode: 0o600, highWaterMark: 1024 * 1024 }),
      );
    } catch (err) {
      // A chunk counts whole or not at all: the client resends it from the last offset it was told.
      await truncate(path, offset).catch(() => undefined);
      throw err;
    }
    const received = offset + written;
    const expires = expiryFrom(now());
    if (!(await store.advanceUpload(db, id, offset, received, expires))) {
      await truncate(path, offset).catch(() => undefined);
      throw concurrentChunk();
    }
    if (sha256 !== undefined && crc32c !== undefined) progress.set(id, { offset: received, sha256, crc32c });
    else progress.delete(id);
    if (received < upload.sizeBytes) {
      res.writeHead(204, { 'upload-offset': String(received), 'upload-length': String(upload.sizeBytes) }).end();
      // While the next chunk comes, the disk takes this one: the flush before the file becomes a blob then
      // has only the last chunk left, instead of the whole file.
      const previous = flushing.get(id) ?? Promise.resolve();
      flushing.set(
        id,
        previous.then(() => flushQuietly(path)),
      );
      return;
    }
    await flushing.get(id);
    flushing.delete(id);
    // Complete: into the blob store and visible, or nothing (the registry re-checks the version is free).
    const target = { itemId, version: upload.version, platform: upload.platform };
    try {
      const file =
        sha256 !== undefined && crc32c !== undefined
          ? await registry.uploadPreparedFile(actor, target, {
              path,
              sha256: sha256.digest('hex'),
              size: received,
              crc32c: crc32c.digestBase64(),
            })
          : await registry.upload(actor, target, createReadStream(path));
      const found = await registry.fileById(file.id);
      sendJson(
        res,
        201,
        {
          module_id: itemId,
          version: file.version,
          platform: file.platform,
          size: file.sizeBytes,
          sha256: file.sha256,
          url: found === undefined ? '' : registryPageUrl(found.item, deps.baseUrl(req)),
        },
        { 'upload-offset': String(received) },
      );
    } finally {
      await discard(id);
    }
  }

  async function discard(id: string): Promise<void> {
    progress.delete(id);
    await flushing.get(id);
    flushing.delete(id);
    await store.deleteUpload(db, id);
    await rm(partPath(id), { force: true });
  }

  /** Uploads left idle past their expiry, and part files no upload owns (a crash between the two). */
  async function sweep(): Promise<number> {
    let removed = 0;
    for (const id of await store.expiredUploads(db, now().toISOString(), 1000)) {
      await discard(id);
      removed++;
    }
    const names = await readdir(uploadDir).catch(() => [] as string[]);
    for (const name of names) {
      const id = name.replace(/\.part$/, '');
      if ((await store.findUpload(db, id)) === undefined) {
        const age = now().getTime() - (await stat(join(uploadDir, name))).mtimeMs;
        if (age > 60_000) {
          await rm(join(uploadDir, name), { force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  async function route(req: Request, res: Response, path: string, query: URLSearchParams): Promise<void> {
    if (path.startsWith(DOWNLOAD_PATH_PREFIX) && (req.method === 'GET' || req.method === 'HEAD')) {
      const fileId = path.slice(DOWNLOAD_PATH_PREFIX.length).split('/')[0] ?? '';
      await serveFile(req, res, decodeURIComponent(fileId), query);
      return;
    }
    if (path === UPLOADS_PATH && req.method === 'POST') {
      await startUpload(req, res);
      return;
    }
    const id = path.startsWith(`${UPLOADS_PATH}/`) ? decodeURIComponent(path.slice(UPLOADS_PATH.length + 1)) : '';
    if (id === '' || id.includes('/')) {
      sendJson(res, 404, { code: 'NOT_FOUND', message: `no registry endpoint ${req.method} ${path}` });
      return;
    }
    if (req.method === 'PATCH') {
      await appendChunk(req, res, id);
      return;
    }
    if (req.method === 'HEAD' || req.method === 'GET') {
      const { upload } = await findUpload(req, id);
      const view = uploadView(req, upload);
      if (req.method === 'HEAD')
        res
          .writeHead(200, {
            'upload-offset': String(upload.receivedBytes),
            'upload-length': String(upload.sizeBytes),
            'cache-control': 'no-store',
          })
          .end();
      else sendJson(res, 200, view, { 'upload-offset': String(upload.receivedBytes), 'cache-control': 'no-store' });
      return;
    }
    if (req.method === 'DELETE') {
      await findUpload(req, id);
      await discard(id);
      res.writeHead(204).end();
      return;
    }
    sendJson(res, 405, { code: 'UNIMPLEMENTED', message: `${req.method} is not supported on ${path}` });
  }

  /** Handles the request if it is the registry's; false for every other path. */
  function handle(req: Request, res: Response): boolean {
    const url = new URL(req.url ?? '/', 'http://registry');
    if (!url.pathname.startsWith('/registry/v1/')) return false;
    route(req, res, url.pathname, url.searchParams).catch((err: unknown) => {
      if (err instanceof NotFoundUpload) {
        sendJson(res, 404, { code: 'NOT_FOUND', message: err.message });
        return;
      }
      sendError(res, err, log, `${req.method ?? 'GET'} ${url.pathname}`);
    });
    return true;
  }

  return { handle, sweep };
}

/** Flushes a part file; a failure here is the final flush's to report, which runs again on the whole file. */
async function flushQuietly(path: string): Promise<void> {
  try {
    const file = await open(path, 'r+');
    try {
      await file.datasync();
    } finally {
      await file.close();
    }
  } catch {
    // Reported by the flush the blob store does before it names the file.
  }
}

const concurrentChunk = () => invalid('another request added to this upload at the same time; ask HEAD for the offset and resume from it');

class NotFoundUpload extends Error {
  constructor(id: string) {
    super(`upload ${id} not found: it finished, expired or was cancelled; start a new one with POST ${UPLOADS_PATH}`);
  }
}
