/**
 * Moving registry files over plain HTTP: the resumable upload (`POST /registry/v1/uploads`, then `PATCH`
 * chunks at offsets) that works through any proxy and picks up where a broken connection left off, and
 * downloads from the links GetPackage hands out, resumed with a range request. Files stream from and to
 * disk; nothing holds a whole file in memory.
 */
import { Code } from '@connectrpc/connect';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HangarError } from './errors.js';

export interface TransferProgress {
  /** Bytes done so far (including those done before a resume). */
  readonly done: number;
  readonly total: number;
}

export interface UploadTarget {
  readonly moduleId: string;
  readonly version: string;
  readonly platform: string;
}

export interface UploadResult {
  readonly url: string;
  readonly sha256: string;
  readonly size: number;
}

export interface HttpUploadOptions {
  readonly baseUrl: string;
  readonly token: () => string;
  readonly chunkBytes?: number;
  readonly onProgress?: (p: TransferProgress) => void;
  readonly signal?: AbortSignal;
  /** How often a failed chunk is retried (from the offset the server reports) before giving up. */
  readonly retries?: number;
}

const DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024;
const CODES: Record<string, Code> = Object.fromEntries(
  Object.entries(Code)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [k.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase(), v as Code]),
);

async function failure(res: Response, what: string): Promise<HangarError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { code?: string; message?: string };
    return new HangarError(CODES[body.code ?? ''] ?? Code.Unknown, body.message ?? `${what}: HTTP ${res.status}`);
  } catch {
    return new HangarError(res.status === 401 ? Code.Unauthenticated : Code.Unknown, `${what}: HTTP ${res.status} ${text.slice(0, 200)}`);
  }
}

const isRetryable = (err: unknown) => !(err instanceof HangarError) || err.code === Code.Unavailable || err.code === Code.Unknown;

/** Uploads the file at `path` as a module version through the resumable HTTP upload. */
export async function uploadFileOverHttp(path: string, target: UploadTarget, options: HttpUploadOptions): Promise<UploadResult> {
  const size = (await stat(path)).size;
  const chunk = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const auth = () => ({ authorization: `Bearer ${options.token()}` });
  const started = await fetch(`${options.baseUrl}/registry/v1/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth() },
    body: JSON.stringify({ module_id: target.moduleId, version: target.version, platform: target.platform, size }),
    ...(options.signal !== undefined && { signal: options.signal }),
  });
  if (started.status !== 201) throw await failure(started, 'starting the upload');
  const { location } = (await started.json()) as { location: string };
  let offset = 0;
  let retries = options.retries ?? 5;
  options.onProgress?.({ done: 0, total: size });
  for (;;) {
    const end = Math.min(size, offset + chunk);
    try {
      const res = await fetch(location, {
        method: 'PATCH',
        headers: {
          ...auth(),
          'content-type': 'application/offset+octet-stream',
          'upload-offset': String(offset),
          'content-length': String(end - offset),
        },
        body: Readable.toWeb(createReadStream(path, { start: offset, end: end - 1 })) as ReadableStream,
        duplex: 'half',
        ...(options.signal !== undefined && { signal: options.signal }),
      });
      if (res.status === 201) {
        const done = (await res.json()) as { url: string; sha256: string; size: number };
        options.onProgress?.({ done: size, total: size });
        return done;
      }
      if (res.status === 204) {
        offset = Number(res.headers.get('upload-offset'));
        options.onProgress?.({ done: offset, total: size });
        continue;
      }
      if (res.status === 409 && res.headers.get('upload-offset') !== null) {
        offset = Number(res.headers.get('upload-offset'));
        continue;
      }
      throw await failure(res, 'uploading');
    } catch (err) {
      if (options.signal?.aborted === true || !isRetryable(err) || retries-- <= 0)
        throw err instanceof HangarError ? err : HangarError.from(err);
      // Ask where the server got to, then go on from there.
      const head = await fetch(location, { method: 'HEAD', headers: auth() }).catch(() => undefined);
      const at = head?.headers.get('upload-offset');
      if (head?.ok === true && at !== null && at !== undefined) offset = Number(at);
    }
  }
}

export interface DownloadOptions {
  readonly token?: () => string;
  readonly onProgress?: (p: TransferProgress) => void;
  readonly signal?: AbortSignal;
  /** The sha256 the file must have (checked; a mismatch deletes it). */
  readonly sha256?: string;
}

/**
 * Downloads `url` to `destination`, through `<destination>.part`: an earlier interrupted download is
 * resumed with a range request if the server still has the same file (its ETag). Returns the sha256.
 */
export async function downloadFile(
  url: string,
  destination: string,
  options: DownloadOptions = {},
): Promise<{ sha256: string; size: number }> {
  const partial = `${destination}.part`;
  const have = await stat(partial).then(
    (s) => s.size,
    () => 0,
  );
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token()}`;
  if (have > 0 && options.sha256 !== undefined) {
    headers.range = `bytes=${have}-`;
    headers['if-range'] = `"${options.sha256}"`;
  }
  const res = await fetch(url, { headers, ...(options.signal !== undefined && { signal: options.signal }) });
  if (res.status !== 200 && res.status !== 206) throw await failure(res, 'downloading');
  const resumed = res.status === 206;
  const length = Number(res.headers.get('content-length') ?? '0');
  const total = resumed ? have + length : length;
  const hash = createHash('sha256');
  if (resumed) {
    for await (const chunk of createReadStream(partial)) hash.update(chunk as Buffer);
  }
  let done = resumed ? have : 0;
  options.onProgress?.({ done, total });
  if (res.body === null) throw new HangarError(Code.Unknown, 'the download had no body');
  await pipeline(
    Readable.fromWeb(res.body),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk);
        done += chunk.length;
        options.onProgress?.({ done, total });
        yield chunk;
      }
    },
    createWriteStream(partial, { flags: resumed ? 'a' : 'w' }),
  );
  const sha256 = hash.digest('hex');
  if (options.sha256 !== undefined && sha256 !== options.sha256) {
    await rm(partial, { force: true });
    throw new HangarError(
      Code.DataLoss,
      `the download's sha256 is ${sha256}, not ${options.sha256}: it was corrupted on the way; try again`,
    );
  }
  await rename(partial, destination);
  return { sha256, size: done };
}
