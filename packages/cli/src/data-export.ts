/**
 * `hangar data export`, with the seed-era CLI's layout (rdk cli/data.go):
 * - binary: `<dst>/data/<name>` and `<dst>/metadata/<name>.json` per file, ids listed by BinaryDataByFilter
 *   (limit min(parallel, 100), until an empty page) and fetched by `parallel` workers with BinaryDataByIDs
 *   (files too large to come inline stream from their `uri`). Files already complete are skipped, so an
 *   interrupted export resumes; names that would land outside <dst> are refused.
 * - tabular: `<dst>/data/data.ndjson` (each reading with TimeRequested, TimeReceived and MetadataIndex, keys
 *   sorted as Go's encoding/json writes them) and `<dst>/metadata/<index>.json` per distinct metadata.
 */
import { Code, HangarError, type DataClient, type dataApi } from '@hangar/sdk';
import { exportLine } from '@hangar/wire';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { CliError } from './errors.js';
import type { FlagFilter } from './data-filter.js';

const DATA_DIR = 'data';
const METADATA_DIR = 'metadata';
const ATTEMPTS = 5;
const GZ = '.gz';

/** Go's time.RFC3339Nano of a UTC instant: fraction without trailing zeros, none when zero. */
export function rfc3339Nano(t: { seconds: bigint; nanos: number } | undefined): string {
  const seconds = Number(t?.seconds ?? 0n);
  const nanos = t?.nanos ?? 0;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  const fraction = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `${base}${fraction}Z`;
}

const goExt = (name: string) => {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot < 0 ? '' : base.slice(dot);
};

/** The name a file is saved under (filenameForDownload), relative to <dst>/data. */
export function filenameForDownload(md: Pick<dataApi.BinaryMetadata, 'timeRequested' | 'fileName' | 'fileExt' | 'id'>): string {
  const requested = rfc3339Nano(md.timeRequested);
  const ext = md.fileExt;
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the file id, as the seed-era CLI names files by
  const id = md.id;
  let name: string;
  if (md.fileName === '') name = `${requested}_${id}${ext}`;
  else if (!md.fileName.includes('/')) name = `${requested}_${md.fileName}`;
  else name = md.fileName;
  if (goExt(name) === GZ) name = name.slice(0, -GZ.length);
  else if (ext !== '' && ext !== GZ && !name.endsWith(ext)) name += ext;
  return name.replace(/:/g, '_');
}

/** `<root>/<name>`, refusing names whose `..` or leading `/` would leave <root>. */
export function inside(root: string, name: string): string {
  const path = resolve(root, name.replace(/^\/+/, ''));
  if (!path.startsWith(resolve(root) + sep)) {
    throw new CliError(`refusing to write ${JSON.stringify(name)}: the name leads outside ${root}`, {
      hint: 'the file was uploaded with a name that climbs out of the destination; export it with a narrower filter or rename it at the source',
      code: 'INVALID_ARGUMENT',
    });
  }
  return path;
}

/** The names of the files directly in `dir` (none if it is missing). */
async function namesIn(dir: string): Promise<Set<string>> {
  try {
    return new Set((await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name));
  } catch {
    return new Set();
  }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

export interface ExportProgress {
  /** A file (or a page of readings) is done: `bytes` written. */
  advance(files: number, bytes: number): void;
  /** A line for people (the seed CLI's "Downloaded N files"), not shown under --json. */
  line(text: string): void;
}

export interface BinaryExportResult {
  readonly files: number;
  readonly skipped: number;
  readonly bytes: number;
}

function isTooLarge(err: unknown): boolean {
  const e = err as { code?: number; message?: string };
  // RESOURCE_EXHAUSTED (8) or UNAVAILABLE (14), or the newer server's words: fetch the file from its uri.
  return e.code === 8 || e.code === 14 || (e.message ?? '').includes('INCLUDE_BINARY_TOO_LARGE');
}

/**
 * Files up to this size come inline in BinaryDataByIDs; larger ones stream from their `uri` to disk, so
 * neither this process nor the server holds a whole large file (--parallel of them) in memory.
 */
const INLINE_MAX_BYTES = 1024 * 1024;
/** Files one BinaryDataByIDs call asks for at most (at most 8 MiB inline). */
const MAX_FILES_PER_CALL = 8;

/** GET with the caller's token into `path`, for files too large to come inline. */
function download(url: string, token: string, path: string): Promise<void> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((done, fail) => {
    client
      .get(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          fail(new CliError(`downloading ${url} failed: HTTP ${res.statusCode ?? 0}`, { hint: 'run the export again: it resumes' }));
          return;
        }
        pipeline(res, createWriteStream(path, { mode: 0o600 })).then(done, fail);
      })
      .on('error', fail);
  });
}

export async function exportBinary(options: {
  readonly data: DataClient;
  readonly filter: FlagFilter;
  readonly destination: string;
  readonly parallel: number;
  readonly token: () => string;
  readonly progress: ExportProgress;
  readonly signal?: AbortSignal;
}): Promise<BinaryExportResult> {
  const { data, filter, destination, parallel, progress } = options;
  const dataRoot = join(destination, DATA_DIR);
  const metadataRoot = join(destination, METADATA_DIR);
  await mkdir(dataRoot, { recursive: true, mode: 0o700 });
  await mkdir(metadataRoot, { recursive: true, mode: 0o700 });
  const result = { files: 0, skipped: 0, bytes: 0 };
  let failure: unknown = undefined;
  // What an earlier run left complete, read once: files in the top folders (nested names are checked one by one).
  const [dataBefore, metadataBefore] = await Promise.all([namesIn(dataRoot), namesIn(metadataRoot)]);
  const complete = async (name: string, target: string, metaTarget: string) =>
    name.includes('/') ? (await exists(target)) && (await exists(metaTarget)) : dataBefore.has(name) && metadataBefore.has(`${name}.json`);

  // Nested names need their folders; each is made once, not once per file.
  const made = new Set([dataRoot, metadataRoot]);
  async function directory(path: string): Promise<void> {
    if (made.has(path)) return;
    await mkdir(path, { recursive: true, mode: 0o700 });
    made.add(path);
  }

  interface Pending {
    readonly listed: dataApi.BinaryMetadata;
    readonly name: string;
    readonly target: string;
    readonly metaTarget: string;
    readonly temp: string;
  }

  /** Where a listed file goes; undefined when an earlier run completed it. */
  async function place(listed: dataApi.BinaryMetadata): Promise<Pending | undefined> {
    const name = filenameForDownload(listed);
    const target = inside(dataRoot, name);
    const metaTarget = inside(metadataRoot, `${name}.json`);
    if (await complete(name, target, metaTarget)) {
      result.skipped++;
      return undefined;
    }
    await directory(dirname(target));
    await directory(dirname(metaTarget));
    return { listed, name, target, metaTarget, temp: `${target}.part` };
  }

  /** Moves a fetched file (in its temp file) into place with its metadata. */
  async function finish(file: Pending, md: dataApi.BinaryMetadata, knownSize: number | undefined): Promise<void> {
    let size = knownSize;
    if (md.fileExt === GZ) {
      const unzipped = `${file.target}.unzipped`;
      await pipeline(createReadStream(file.temp), createGunzip(), createWriteStream(unzipped, { mode: 0o600 }));
      await rename(unzipped, file.temp);
      size = undefined;
    }
    const bytes = size ?? (await stat(file.temp)).size;
    await rename(file.temp, file.target);
    const saved = md.clone();
    saved.fileName = file.name;
    await writeFile(file.metaTarget, JSON.stringify(saved.toJson(), null, 2) + '\n', { mode: 0o600 });
    result.files++;
    result.bytes += bytes;
    progress.advance(1, bytes);
    if (result.files % 100 === 0) progress.line(`Downloaded ${result.files} files`);
  }

  /** Fetches the listed files an earlier run did not complete. */
  async function fetchBatch(listed: readonly dataApi.BinaryMetadata[]): Promise<void> {
    const files = (await Promise.all(listed.map(place))).filter((f): f is Pending => f !== undefined);
    if (files.length > 0) await fetchPlaced(files);
  }

  /**
   * Fetches files in one BinaryDataByIDs call (small files inline, in request order). A file too large to
   * come inline fails the call: alone, it streams from its uri; in a batch, each is fetched on its own.
   */
  async function fetchPlaced(files: readonly Pending[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const got = await data.binaryDataByIds(
          files.map((f) => f.listed.binaryDataId),
          true,
          { inlineMaxBytes: INLINE_MAX_BYTES },
        );
        for (const [i, file] of files.entries()) {
          const datum = got[i];
          if (datum?.metadata === undefined) throw new CliError(`the server returned nothing for ${file.listed.binaryDataId}`);
          await writeFile(file.temp, datum.binary, { mode: 0o600 });
          await finish(file, datum.metadata, datum.binary.length);
        }
        return;
      } catch (err) {
        if (isTooLarge(err)) {
          const [only] = files;
          if (files.length === 1 && only !== undefined) {
            await download(only.listed.uri, options.token(), only.temp);
            await finish(only, only.listed, undefined);
          } else {
            for (const file of files) await fetchPlaced([file]);
          }
          return;
        }
        if (attempt >= ATTEMPTS || options.signal?.aborted === true) throw err;
      }
    }
  }

  // Listed files queue ahead of `parallel` workers, each with one call in flight: `parallel` calls at once.
  // A worker takes several small files per call when enough are waiting for every worker to have as many
  // (so a short export still has `parallel` calls at once); the first failure stops all.
  const queue = new BoundedQueue<dataApi.BinaryMetadata>(parallel * MAX_FILES_PER_CALL);
  const worker = async (): Promise<void> => {
    for (let next = await queue.take(); next !== undefined; next = await queue.take()) {
      const share = Math.min(MAX_FILES_PER_CALL, Math.max(1, Math.floor((queue.size + 1) / parallel)));
      const batch = [next, ...queue.drain(share - 1)];
      try {
        await fetchBatch(batch);
      } catch (err) {
        failure ??= err;
        queue.close();
        return;
      }
    }
  };
  const workers = Array.from({ length: parallel }, () => worker());
  let last = '';
  try {
    for (;;) {
      if (failure !== undefined || options.signal?.aborted === true) break;
      const page = await data.binaryDataByFilter(filter, {
        limit: Math.min(parallel * MAX_FILES_PER_CALL, 100),
        last,
        includeBinaryData: false,
      });
      if (page.data.length === 0) break;
      for (const d of page.data) if (d.metadata !== undefined && !(await queue.put(d.metadata))) break;
      last = page.last;
    }
  } catch (err) {
    failure ??= err;
  } finally {
    queue.end();
  }
  await Promise.all(workers);
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error('the export failed', { cause: failure });
  if (options.signal?.aborted === true)
    throw new CliError('the export was interrupted', { hint: 'run it again: files already complete are skipped' });
  if (result.files % 100 !== 0 || result.files === 0) progress.line(`Downloaded ${result.files} files`);
  return result;
}

/** A queue that holds at most `capacity` items: `put` waits for room, `take` for an item (undefined once ended and empty). */
export class BoundedQueue<T> {
  private readonly items: T[] = [];
  private readonly takers: ((item: T | undefined) => void)[] = [];
  private readonly putters: (() => void)[] = [];
  private ended = false;
  private closed = false;

  constructor(private readonly capacity: number) {}

  /** False when the queue was closed (a consumer failed): stop producing. */
  async put(item: T): Promise<boolean> {
    while (!this.closed && this.items.length >= this.capacity) await new Promise<void>((r) => this.putters.push(r));
    if (this.closed) return false;
    const taker = this.takers.shift();
    if (taker !== undefined) taker(item);
    else this.items.push(item);
    return true;
  }

  /** Items waiting. */
  get size(): number {
    return this.items.length;
  }

  /** Up to `max` waiting items, at once (none if none wait). */
  drain(max: number): T[] {
    if (this.closed || max <= 0) return [];
    const taken = this.items.splice(0, max);
    // Each item taken makes room for one waiting producer.
    this.putters.splice(0, taken.length).forEach((wake) => {
      wake();
    });
    return taken;
  }

  take(): Promise<T | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const item = this.items.shift();
    if (item !== undefined) {
      this.putters.shift()?.();
      return Promise.resolve(item);
    }
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((r) => this.takers.push(r));
  }

  /** No more items will come: takers finish once the queue is empty. */
  end(): void {
    this.ended = true;
    for (const taker of this.takers.splice(0)) taker(undefined);
  }

  /** Stop now: waiting producers and consumers are released, what is queued is dropped. */
  close(): void {
    this.closed = true;
    this.items.length = 0;
    for (const taker of this.takers.splice(0)) taker(undefined);
    for (const putter of this.putters.splice(0)) putter();
  }
}

// ---- tabular ----

/** Readings per TabularDataByFilter page: the most the server answers at once. */
const TABULAR_PAGE_ROWS = 1000;

/** Where a tabular export's readings go as they come; counts what it wrote. */
interface ReadingsSink {
  write(text: string | Uint8Array, readings: number): Promise<void>;
  /** Records a metadata entry; returns its export-wide index (entries equal in content share one). */
  metadataIndex(md: dataApi.CaptureMetadata | undefined): number;
  /** The export-wide metadata entries, in index order. */
  readonly metadata: dataApi.CaptureMetadata[];
  readonly written: number;
}

export async function exportTabular(options: {
  readonly data: DataClient;
  readonly filter: FlagFilter;
  readonly destination: string;
  readonly progress: ExportProgress & { dot(): void };
}): Promise<{ readings: number; metadata: number }> {
  const { data, filter, destination, progress } = options;
  const dataRoot = join(destination, DATA_DIR);
  const metadataRoot = join(destination, METADATA_DIR);
  await mkdir(dataRoot, { recursive: true, mode: 0o700 });
  await mkdir(metadataRoot, { recursive: true, mode: 0o700 });
  const path = join(dataRoot, 'data.ndjson');
  const temp = `${path}.part`;
  const out = createWriteStream(temp, { mode: 0o600 });
  const indexes = new Map<string, number>();
  const sink: ReadingsSink & { written: number } = {
    metadata: [],
    written: 0,
    write(text, readings) {
      this.written += readings;
      progress.advance(readings, typeof text === 'string' ? Buffer.byteLength(text) : text.length);
      return new Promise<void>((done, fail) => {
        out.write(text, (err) => (err ? fail(err) : done()));
      });
    },
    metadataIndex(md) {
      const key = md === undefined ? '' : md.toJsonString();
      let index = indexes.get(key);
      if (index === undefined) {
        index = this.metadata.length;
        indexes.set(key, index);
        if (md !== undefined) this.metadata.push(md);
      }
      return index;
    },
  };
  try {
    try {
      await streamReadings(data, filter, sink, progress);
    } catch (err) {
      // A server without Hangar's export stream (it said so before anything was written): page through.
      if (!(err instanceof HangarError && err.code === Code.Unimplemented && sink.written === 0)) throw err;
      await pageReadings(data, filter, sink, progress);
    }
    await new Promise<void>((done, fail) => out.end((err?: Error | null) => (err ? fail(err) : done())));
    await rename(temp, path);
  } catch (err) {
    out.destroy();
    await rm(temp, { force: true });
    throw err;
  }
  for (const [i, md] of sink.metadata.entries()) {
    await writeFile(join(metadataRoot, `${i}.json`), JSON.stringify(md.toJson(), null, 2) + '\n', { mode: 0o600 });
  }
  return { readings: sink.written, metadata: sink.metadata.length };
}

/** Hangar's ExportReadings: the server sends the lines ready; they go to the file as they are. */
async function streamReadings(data: DataClient, filter: FlagFilter, sink: ReadingsSink, progress: { dot(): void }): Promise<void> {
  for await (const message of data.exportReadings(filter)) {
    progress.dot();
    // The server numbers entries in the order it first sends them, as the sink does.
    for (const md of message.metadata) sink.metadataIndex(md);
    if (message.readings > 0) await sink.write(message.lines, message.readings);
  }
}

/** TabularDataByFilter, page after page, each reading re-encoded as the seed-era CLI writes it. */
async function pageReadings(data: DataClient, filter: FlagFilter, sink: ReadingsSink, progress: { dot(): void }): Promise<void> {
  const fetchPage = (after: string) => {
    const pending = data.tabularReadings(filter, { limit: TABULAR_PAGE_ROWS, last: after });
    // Awaited below; until then a failure must not count as unhandled.
    pending.catch(() => undefined);
    return pending;
  };
  const us = (ms: number | undefined) => (ms === undefined ? undefined : Math.round(ms * 1000));
  let next = fetchPage('');
  for (;;) {
    const page = await next;
    progress.dot();
    if (page.readings.length === 0) break;
    // The next page is on its way while this one is written: the server and this process overlap.
    if (page.last !== '') next = fetchPage(page.last);
    // A page's readings point at a few metadata entries: each is keyed once per page.
    const onPage = new Map<number, number>();
    let text = '';
    for (const row of page.readings) {
      let index = onPage.get(row.metadataIndex);
      if (index === undefined) {
        index = sink.metadataIndex(page.metadata[row.metadataIndex]);
        onPage.set(row.metadataIndex, index);
      }
      text += `${exportLine(row.data, us(row.timeRequestedMs), us(row.timeReceivedMs), index)}\n`;
    }
    // One write per page, not per line.
    await sink.write(text, page.readings.length);
    if (page.last === '') break;
  }
}
