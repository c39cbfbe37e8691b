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
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
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

/** The parts of an HTTP answer these transfers read. */
interface Reply {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  /** The body, streamed; read it, or `text()`/`json()` it, or it holds the connection. */
  readonly body: IncomingMessage;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

interface RequestInit {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Readable | string;
  readonly signal?: AbortSignal | undefined;
}

/**
 * One HTTP request with node:http rather than fetch: a file streams into the socket and out of it
 * through Node streams directly, where fetch's web streams would cost as much CPU as the rest of the
 * transfer.
 */
function request(url: string, { method = 'GET', headers = {}, body, signal }: RequestInit = {}): Promise<Reply> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<Reply>((resolve, reject) => {
    const req = client.request(target, { method, headers, ...(signal !== undefined && { signal }) });
    req.on('error', reject);
    req.once('response', (res) => {
      const text = async () => {
        res.setEncoding('utf8');
        let all = '';
        for await (const piece of res) all += piece as string;
        return all;
      };
      const status = res.statusCode ?? 0;
      resolve({
        status,
        ok: status >= 200 && status < 300,
        headers: {
          get: (name) => {
            const value = res.headers[name.toLowerCase()];
            return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
          },
        },
        body: res,
        text,
        json: async () => JSON.parse(await text()) as unknown,
      });
    });
    if (body === undefined || typeof body === 'string') req.end(body);
    else body.once('error', (err) => req.destroy(err)).pipe(req);
  });
}

async function failure(res: Reply, what: string): Promise<HangarError> {
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
  const started = await request(`${options.baseUrl}/registry/v1/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth() },
    body: JSON.stringify({ module_id: target.moduleId, version: target.version, platform: target.platform, size }),
    signal: options.signal,
  });
  if (started.status !== 201) throw await failure(started, 'starting the upload');
  const { location } = (await started.json()) as { location: string };
  let offset = 0;
  let retries = options.retries ?? 5;
  options.onProgress?.({ done: 0, total: size });
  for (;;) {
    const end = Math.min(size, offset + chunk);
    try {
      const res = await request(location, {
        method: 'PATCH',
        headers: {
          ...auth(),
          'content-type': 'application/offset+octet-stream',
          'upload-offset': String(offset),
          'content-length': String(end - offset),
        },
        body: createReadStream(path, { start: offset, end: end - 1, highWaterMark: 1024 * 1024 }),
        signal: options.signal,
      });
      if (res.status === 201) {
        const done = (await res.json()) as { url: string; sha256: string; size: number };
        options.onProgress?.({ done: size, total: size });
        return done;
      }
      if (res.status === 204) {
        res.body.resume();
        offset = Number(res.headers.get('upload-offset'));
        options.onProgress?.({ done: offset, total: size });
        continue;
      }
      if (res.status === 409 && res.headers.get('upload-offset') !== null) {
        res.body.resume();
        offset = Number(res.headers.get('upload-offset'));
        continue;
      }
      throw await failure(res, 'uploading');
    } catch (err) {
      if (options.signal?.aborted === true || !isRetryable(err) || retries-- <= 0)
        throw err instanceof HangarError ? err : HangarError.from(err);
      // Ask where the server got to, then go on from there.
      const head = await request(location, { method: 'HEAD', headers: auth() }).catch(() => undefined);
      head?.body.resume();
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
  const res = await request(url, { headers, signal: options.signal });
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
  await pipeline(
    res.body,
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
