/**
 * Machine logs for `hangar robots logs` and `hangar robots part logs`: the flags and their checks, the
 * JSON shape and the log-viewer line of one entry, a query that pages through one or more parts newest
 * first (merged by time across parts) and writes as it goes, so memory stays bounded whatever --count
 * asks for, and a live tail that Ctrl-C ends cleanly.
 */
import { once } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { AppClient, JsonObject, LogEntry, LogQueryOptions } from '@hangar/sdk';
import type { Ctx, Env, Invocation } from './context.js';
import { CliError, usageError } from './errors.js';
import { quote } from './format.js';
import { createProgress } from './progress.js';
import { loadedSdk } from './sdk.js';

/** zap's levels, as viam-server sends them (lower case). */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'dpanic', 'panic', 'fatal'] as const;
const ERROR_LEVELS: readonly string[] = ['error', 'dpanic', 'panic', 'fatal'];

export const DEFAULT_LOG_COUNT = 100;
/** The server's largest page of logs. */
const MAX_PAGE = 1000;
/** Entries rendered before they are written out (a page, at most). */
const FLUSH_ENTRIES = 1000;

/** The JSON of one entry: `--json` prints an array of these, `--format json` one per line. */
export interface LogEntryJson {
  readonly partId: string;
  readonly partName: string;
  /** RFC 3339 UTC with every digit the machine sent; null if the entry has no time. */
  readonly time: string | null;
  readonly level: string;
  readonly loggerName: string;
  readonly message: string;
  readonly host: string;
  readonly caller: JsonObject | null;
  readonly stack: string;
  readonly fields: JsonObject[];
}

export interface PartRef {
  readonly id: string;
  readonly name: string;
}

export function logEntryJson(e: LogEntry, part: PartRef): LogEntryJson {
  return {
    partId: part.id,
    partName: part.name,
    time: e.timestamp ?? null,
    level: e.level,
    loggerName: e.loggerName,
    message: e.message,
    host: e.host,
    caller: e.caller ?? null,
    stack: e.stack,
    fields: e.fields,
  };
}

// Flags.

export type LogFormat = 'text' | 'ndjson' | 'json-array';

export interface LogRequest {
  readonly tail: boolean;
  /** 0: all of them. */
  readonly count: number;
  readonly start: Date | undefined;
  readonly end: Date | undefined;
  readonly keyword: string | undefined;
  readonly levels: readonly string[];
  readonly errors: boolean;
  readonly format: LogFormat;
  readonly output: string | undefined;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** The flags both commands take; `tail` adds --tail (part logs only). */
export function addLogOptions(cmd: Command, options: { tail: boolean }): Command {
  cmd
    .option('--errors [bool]', 'only error, dpanic, panic and fatal entries (--errors, --errors true or --errors false; default false)')
    .option('--count <n>', `the newest n entries (default ${DEFAULT_LOG_COUNT}; 0 for all of them)`)
    .option('--start <time>', 'entries at or after this time: RFC 3339 (2026-12-01T10:00:00Z) or a duration ago (30m, 1h, 2d)')
    .option('--end <time>', 'entries before this time, in the same forms as --start')
    .option('--keyword <text>', 'entries whose message contains this text (case-insensitive)')
    .option('--levels <levels>', `entries of these levels, comma-separated or repeated (${LOG_LEVELS.join(', ')})`, collect)
    .addOption(
      new Option(
        '--format <format>',
        'text (a line per entry) or json (a JSON object per line); default text, or one JSON array under --json',
      ),
    )
    .option('--output <file>', 'write the entries to this file instead of printing them (a progress bar shows on a terminal)');
  if (options.tail) {
    cmd.option(
      '--tail [bool]',
      'follow the log: print each new entry as it arrives, until Ctrl-C (--tail, --tail true or --tail false; takes --errors and --keyword only)',
    );
  }
  return cmd;
}

/** --errors, --errors true, --errors false (and the same for --tail). */
function booleanFlag(raw: unknown, flag: string): boolean {
  if (raw === undefined || raw === false) return false;
  if (raw === true) return true;
  const value = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (value === 'true' || value === 'yes' || value === '1') return true;
  if (value === 'false' || value === 'no' || value === '0') return false;
  throw usageError(`${flag} takes true or false, got ${JSON.stringify(raw)}`, `pass ${flag} alone (true), or ${flag} false`);
}

function parseCount(raw: unknown): number {
  if (raw === undefined) return DEFAULT_LOG_COUNT;
  const text = typeof raw === 'string' ? raw.trim() : '';
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
    throw usageError(
      `--count must be a whole number of 0 or more, got ${JSON.stringify(raw)}`,
      `pass e.g. --count 500, or --count 0 for every entry (default ${DEFAULT_LOG_COUNT})`,
    );
  }
  return n;
}

const TIME_HINT = 'pass e.g. --start 1h for the last hour, or --start 2026-12-01T00:00:00Z --end 2026-12-02T00:00:00Z';
const ISO_TIME = /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([Zz]|[+-]\d{2}:?\d{2})?)?$/;
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** RFC 3339 / ISO-8601 (without an offset: local time), or a duration such as 90s, 30m, 1h30m, 2d meaning that long ago. */
export function parseLogTime(raw: string, flag: string, now: Date): Date {
  const text = raw.trim();
  if (DURATION.test(text)) {
    let ms = 0;
    for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) ms += Number(amount) * (UNIT_MS[unit ?? ''] ?? 0);
    return new Date(now.getTime() - Math.round(ms));
  }
  const m = ISO_TIME.exec(text);
  if (m !== null) {
    const [, date, clock, zone] = m;
    const offset = zone === undefined ? '' : /^[Zz]$/.test(zone) ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
    // A date alone is midnight UTC (as Date.parse reads it); a time without an offset is local time.
    const at = Date.parse(clock === undefined ? (date ?? '') : `${date ?? ''}T${clock}${offset}`);
    if (!Number.isNaN(at) && Math.abs(at) <= 8.64e15 && isCalendarDate(date ?? '')) return new Date(at);
  }
  throw usageError(
    `${flag}: expected an RFC 3339 time such as 2026-12-01T10:00:00Z, or a duration ago such as 30m, 1h or 2d; got ${JSON.stringify(raw)}`,
    TIME_HINT,
  );
}

/** Date.parse rolls 2026-02-30 over to March 2; a day the calendar does not have is a mistake. */
function isCalendarDate(date: string): boolean {
  const [y, m, d] = date.split('-').map(Number);
  if (y === undefined || m === undefined || d === undefined) return false;
  const utc = new Date(Date.UTC(y, m - 1, d));
  return utc.getUTCFullYear() === y && utc.getUTCMonth() === m - 1 && utc.getUTCDate() === d;
}

function parseLevels(raw: unknown): string[] {
  if (raw === undefined) return [];
  const given = (Array.isArray(raw) ? raw : [raw]).map(String);
  const levels = [
    ...new Set(
      given
        .flatMap((v) => v.split(','))
        .map((l) => l.trim().toLowerCase())
        .filter((l) => l !== ''),
    ),
  ];
  if (levels.length === 0) {
    throw usageError('--levels must name at least one level', `pass e.g. --levels warn,error (levels: ${LOG_LEVELS.join(', ')})`);
  }
  const known: readonly string[] = LOG_LEVELS;
  const unknown = levels.filter((l) => !known.includes(l));
  if (unknown.length > 0) {
    throw usageError(
      `--levels: ${unknown.map((l) => JSON.stringify(l)).join(', ')} ${unknown.length === 1 ? 'is not a log level' : 'are not log levels'}`,
      `pass levels from: ${LOG_LEVELS.join(', ')} (e.g. --levels warn,error)`,
    );
  }
  return levels;
}

/** Reads and checks every log flag before anything is sent, so bad usage exits 2 without a session. */
export function logRequest(opts: Record<string, unknown>, options: { json: boolean; now: Date }): LogRequest {
  const tail = booleanFlag(opts.tail, '--tail');
  const errors = booleanFlag(opts.errors, '--errors');
  if (tail) {
    const refused = (['count', 'start', 'end', 'levels'] as const).filter((k) => opts[k] !== undefined).map((k) => `--${k}`);
    if (refused.length > 0) {
      throw usageError(
        `--tail prints new entries as they arrive, so ${refused.join(', ')} ${refused.length === 1 ? 'does' : 'do'} not apply to it`,
        'drop them (a tail takes --errors and --keyword), or drop --tail to list past entries',
      );
    }
  }
  const count = parseCount(opts.count);
  const now = options.now;
  const start = typeof opts.start === 'string' ? parseLogTime(opts.start, '--start', now) : undefined;
  const end = typeof opts.end === 'string' ? parseLogTime(opts.end, '--end', now) : undefined;
  if (start !== undefined && end !== undefined && end.getTime() < start.getTime()) {
    throw usageError(`--end (${end.toISOString()}) is before --start (${start.toISOString()})`, TIME_HINT);
  }
  let keyword: string | undefined;
  if (typeof opts.keyword === 'string') {
    keyword = opts.keyword;
    if (keyword.trim() === '')
      throw usageError('--keyword must not be empty', 'pass some text the messages contain, or leave --keyword out');
  }
  const levels = parseLevels(opts.levels);
  if (errors && levels.length > 0 && !levels.some((l) => ERROR_LEVELS.includes(l))) {
    throw usageError(
      `--errors keeps only ${ERROR_LEVELS.join(', ')} entries, and --levels ${levels.join(',')} names none of them`,
      'drop --errors, or add an error level to --levels',
    );
  }
  let format: LogFormat;
  if (opts.format === undefined) format = options.json ? (tail ? 'ndjson' : 'json-array') : 'text';
  else {
    const value = typeof opts.format === 'string' ? opts.format.trim().toLowerCase() : '';
    if (value !== 'text' && value !== 'json') {
      throw usageError(`--format must be text or json, got ${JSON.stringify(opts.format)}`, 'pass --format text or --format json');
    }
    if (value === 'text' && options.json) {
      throw usageError('--json asks for JSON and --format text for text', 'pass one of them: --json, --format json or --format text');
    }
    format = value === 'text' ? 'text' : 'ndjson';
  }
  return {
    tail,
    count,
    start,
    end,
    keyword,
    levels,
    errors,
    format,
    output: typeof opts.output === 'string' ? opts.output : undefined,
  };
}

// Rendering.

const COLOURS: Readonly<Record<string, string>> = {
  error: '31',
  fatal: '31',
  panic: '31',
  dpanic: '31',
  warn: '33',
  warning: '33',
  debug: '2',
};

export interface LineStyle {
  readonly colour: boolean;
  /** Prefix each line with the part's name, padded to this width (several parts). */
  readonly partWidth?: number | undefined;
}

/** `2026-12-01T10:00:00.123456Z  ERROR  rdk.resource_manager  message  {"k":"v"}`, as a log viewer shows it. */
export function logLine(e: LogEntryJson, style: LineStyle): string {
  const cells: string[] = [];
  if (style.partWidth !== undefined) cells.push(e.partName.padEnd(style.partWidth));
  const level = e.level.toUpperCase().padEnd(5);
  const sgr = style.colour ? COLOURS[e.level.toLowerCase()] : undefined;
  cells.push(e.time ?? '-', sgr === undefined ? level : `\x1b[${sgr}m${level}\x1b[0m`, e.loggerName === '' ? '-' : e.loggerName, e.message);
  if (e.fields.length > 0) cells.push(e.fields.map((f) => JSON.stringify(f)).join(' '));
  return cells.join('  ') + '\n';
}

/** NO_COLOR (https://no-color.org): set and not empty turns colour off. */
export function colourAllowed(env: Env, isTTY: boolean): boolean {
  const noColor = env.NO_COLOR;
  return isTTY && (noColor === undefined || noColor === '');
}

interface Formatter {
  entry(e: LogEntryJson): string;
  end(): string;
}

function formatter(format: LogFormat, style: LineStyle): Formatter {
  switch (format) {
    case 'text':
      return { entry: (e) => logLine(e, style), end: () => '' };
    case 'ndjson':
      return { entry: (e) => JSON.stringify(e) + '\n', end: () => '' };
    case 'json-array': {
      // Written as it comes, byte for byte what JSON.stringify(entries, null, 2) would print.
      let first = true;
      return {
        entry(e) {
          const text = (first ? '[\n' : ',\n') + JSON.stringify(e, null, 2).replace(/^/gm, '  ');
          first = false;
          return text;
        },
        end: () => (first ? '[]\n' : '\n]\n'),
      };
    }
  }
}

// Where the entries go.

interface Destination {
  readonly isTTY: boolean;
  readonly isFile: boolean;
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

function streamDestination(stream: NodeJS.WritableStream & { isTTY?: boolean }): Destination {
  return {
    isTTY: stream.isTTY === true,
    isFile: false,
    async write(text) {
      // Wait for a slow reader (a pager, a pipe), so a large download is not buffered in memory.
      if (text !== '' && !stream.write(text)) await once(stream, 'drain');
    },
    close: () => Promise.resolve(),
  };
}

async function fileDestination(path: string): Promise<Destination> {
  const failed = (err: unknown) =>
    new CliError(`cannot write ${path}: ${(err as Error).message}`, {
      code: 'INVALID_ARGUMENT',
      hint: 'check the path and its permissions, or leave out --output to print the logs',
    });
  let handle: FileHandle;
  try {
    handle = await open(path, 'w');
  } catch (err) {
    throw failed(err);
  }
  let closed = false;
  return {
    isTTY: false,
    isFile: true,
    async write(text) {
      try {
        if (text !== '') await handle.write(text);
      } catch (err) {
        throw failed(err);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

function destinationFor(ctx: Ctx, output: string | undefined): Promise<Destination> {
  return output === undefined ? Promise.resolve(streamDestination(ctx.stdout)) : fileDestination(output);
}

// The query.

/** A part's entries newest first, a page at a time, `count` at most (0: all). */
async function* partPages(client: AppClient, partId: string, query: LogQueryOptions, count: number): AsyncGenerator<LogEntry[]> {
  let left = count === 0 ? Infinity : count;
  let pageToken = '';
  while (left > 0) {
    const page = await client.getRobotPartLogsPage(partId, { ...query, pageToken, limit: Math.min(MAX_PAGE, left) });
    const batch = left === Infinity ? page.logs : page.logs.slice(0, left);
    left -= batch.length;
    if (batch.length > 0) yield batch;
    if (page.nextPageToken === '') return;
    pageToken = page.nextPageToken;
  }
}

interface Cursor {
  readonly part: PartRef;
  readonly pages: AsyncGenerator<LogEntry[]>;
  buffer: LogEntry[];
  at: number;
  done: boolean;
}

async function fill(c: Cursor): Promise<void> {
  while (c.at >= c.buffer.length && !c.done) {
    const next = await c.pages.next();
    if (next.done === true) c.done = true;
    else {
      c.buffer = next.value;
      c.at = 0;
    }
  }
}

/** Whether a was logged after b (full precision: seconds, then nanoseconds). */
function isNewer(a: LogEntry, b: LogEntry): boolean {
  const ta = a.proto.time;
  const tb = b.proto.time;
  if (ta === undefined) return false;
  if (tb === undefined) return true;
  return ta.seconds > tb.seconds || (ta.seconds === tb.seconds && ta.nanos > tb.nanos);
}

export interface QueryTarget {
  /** The parts to read, in the order ties between them are broken (main part first). */
  readonly parts: readonly PartRef[];
  /** Prefix each text line with the part's name. */
  readonly prefixPart: boolean;
  /** What the logs are of, for notices: `part "rover-main"`. */
  readonly what: string;
}

function queryOf(r: LogRequest): LogQueryOptions {
  return {
    ...(r.keyword !== undefined && { filter: r.keyword }),
    ...(r.levels.length > 0 && { logLevels: r.levels }),
    errorsOnly: r.errors,
    ...(r.start !== undefined && { start: r.start }),
    ...(r.end !== undefined && { end: r.end }),
  };
}

function isFiltered(r: LogRequest): boolean {
  return r.keyword !== undefined || r.levels.length > 0 || r.errors || r.start !== undefined || r.end !== undefined;
}

/** The newest entries of the parts, merged newest first, written as they are read. */
export async function printLogs(ctx: Ctx, inv: Invocation, client: AppClient, target: QueryTarget, r: LogRequest): Promise<void> {
  const query = queryOf(r);
  const cursors: Cursor[] = target.parts.map((part) => ({
    part,
    pages: partPages(client, part.id, query, r.count),
    buffer: [],
    at: 0,
    done: false,
  }));
  // Read the first page of every part before creating the file, so a refused query leaves no empty file behind.
  await Promise.all(cursors.map(fill));
  const dest = await destinationFor(ctx, r.output);
  const style: LineStyle = {
    colour: colourAllowed(ctx.env, dest.isTTY),
    partWidth: target.prefixPart ? Math.max(0, ...target.parts.map((p) => p.name.length)) : undefined,
  };
  const format = formatter(r.format, style);
  const progress = createProgress({ stderr: ctx.stderr, enabled: dest.isFile && !inv.json, unit: 'entries', label: 'Downloading logs' });
  const limit = r.count === 0 ? Infinity : r.count;
  let written = 0;
  let pending: string[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const n = pending.length;
    const text = pending.join('');
    pending = [];
    await dest.write(text);
    progress.advance(n);
  };
  progress.start(r.count === 0 ? undefined : r.count);
  try {
    while (written < limit) {
      let best: Cursor | undefined;
      for (const c of cursors) {
        const head = c.buffer[c.at];
        if (head === undefined) continue;
        const bestHead = best?.buffer[best.at];
        if (bestHead === undefined || isNewer(head, bestHead)) best = c;
      }
      const e = best?.buffer[best.at];
      if (best === undefined || e === undefined) break;
      best.at += 1;
      pending.push(format.entry(logEntryJson(e, best.part)));
      written += 1;
      if (pending.length >= FLUSH_ENTRIES) await flush();
      if (best.at >= best.buffer.length && !best.done && written < limit) {
        await flush();
        await fill(best);
      }
    }
    await flush();
    await dest.write(format.end());
  } finally {
    progress.done();
    await dest.close();
    await Promise.all(cursors.map((c) => c.pages.return(undefined)));
  }
  if (written === 0) {
    inv.out.notice(`No log entries${isFiltered(r) ? ' match these filters' : ''} for ${target.what}.`);
  } else if (r.output !== undefined) {
    inv.out.notice(`Wrote ${written} log ${written === 1 ? 'entry' : 'entries'} of ${target.what} to ${r.output}.`);
  }
}

// The tail.

/**
 * New entries of the part as they arrive, until Ctrl-C (exit 0) or the server ends the stream (an error).
 * SIGINT normally exits 130 at once (main.ts); here it is taken over to end the stream and close the
 * output cleanly. A second Ctrl-C still exits 130 at once, should the stream not end.
 */
export async function tailLogs(ctx: Ctx, inv: Invocation, client: AppClient, part: PartRef, r: LogRequest): Promise<void> {
  const dest = await destinationFor(ctx, r.output);
  const format = formatter(r.format, { colour: colourAllowed(ctx.env, dest.isTTY) });
  const controller = new AbortController();
  const restore = ctx.onInterrupt(() => {
    controller.abort();
  });
  inv.out.notice(`Tailing the logs of part ${quote(part.name)} (${part.id}); press Ctrl-C to stop.`);
  try {
    for await (const batch of client.tailRobotPartLogs(part.id, r.errors, r.keyword, { signal: controller.signal })) {
      await dest.write(batch.map((e) => format.entry(logEntryJson(e, part))).join(''));
    }
    if (!controller.signal.aborted) inv.out.warn('the server ended the live tail; run the command again to resume it');
  } catch (err) {
    throw tailEnded(err);
  } finally {
    restore();
    await dest.close();
  }
}

/** What ended a tail, with what to do next. */
function tailEnded(err: unknown): unknown {
  const sdk = loadedSdk();
  if (sdk === undefined || !(err instanceof sdk.HangarError)) return err;
  const again = 'without --tail, the command lists what was logged in between';
  if (err.code === sdk.Code.ResourceExhausted && err.retryAfterSeconds === undefined) {
    return new CliError(`the server ended the live tail: ${err.message}`, {
      code: err.codeName,
      hint: `run the command again to resume it, narrowed with --errors or --keyword if it keeps falling behind (${again})`,
      cause: err,
    });
  }
  if (err.code === sdk.Code.Unavailable) {
    return new CliError(`the live tail ended: ${err.message}`, {
      code: err.codeName,
      hint: `the server stopped or restarted: run the command again in a few seconds to resume the tail (${again})`,
      cause: err,
    });
  }
  return err;
}
