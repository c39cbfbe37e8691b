/** Log entries between the wire (viam.common.v1.LogEntry) and the log store. */
import { Timestamp, type BinaryWriteOptions, type JsonValue, type JsonWriteOptions } from '@bufbuild/protobuf';
import { chooseLevels, decodeLogPageToken, invalid, logPageSize, MAX_LOG_TIME_US, parseLogNeedle, truncate } from '@hangar/domain';
import type { NewLogEntry, StoredLogEntry } from '@hangar/store';
import { appApi, commonApi } from '@hangar/wire';
import {
  decodeExtras,
  encodeLogEntries,
  envelope,
  pageTokenField,
  wireEntryOf,
  type IngestLogRequest,
  type WireLogEntry,
} from './log-wire.js';
import type { LogQuery } from './logs.service.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** JSON can carry unpaired surrogates, which no database stores: they become U+FFFD, as bytes that are not UTF-8 do. */
const clean = (s: string): string => (LONE_SURROGATE.test(s) ? s.replace(LONE_SURROGATE, '\uFFFD') : s);

/** Microseconds since the epoch, and what was sent below the microsecond. */
function timeOf(t: WireLogEntry['time'], receivedUs: number, at: string): { timeUs: number; timeNanos: number } {
  if (t === undefined) return { timeUs: receivedUs, timeNanos: 0 };
  if (!Number.isInteger(t.nanos) || t.nanos < 0 || t.nanos > 999_999_999) {
    throw invalid(`${at}.time.nanos must be 0–999999999, got ${t.nanos}`);
  }
  const timeUs = t.seconds * 1_000_000 + Math.floor(t.nanos / 1000);
  if (!Number.isSafeInteger(timeUs) || Math.abs(timeUs) > MAX_LOG_TIME_US) {
    throw invalid(`${at}.time is out of range: ${t.seconds} s; send the machine's current time`);
  }
  return { timeUs, timeNanos: t.nanos % 1000 };
}

/** The request's entries as the store keeps them; only a missing time is filled in (with when it arrived). */
export function entriesOfRequest(partId: string, req: IngestLogRequest, receivedUs: number): NewLogEntry[] {
  const fromJson = req.wireEntries === undefined;
  const wire = req.wireEntries ?? req.logs.map(wireEntryOf);
  return wire.map((e, i) => {
    const { timeUs, timeNanos } = timeOf(e.time, receivedUs, `logs[${i}]`);
    const t = fromJson ? clean : (s: string) => s;
    return {
      partId,
      timeUs,
      timeNanos,
      level: t(e.level),
      loggerName: t(e.loggerName),
      message: t(e.message),
      host: t(e.host),
      stack: t(e.stack),
      extras: e.extras,
    };
  });
}

function timeToProto(timeUs: number, timeNanos: number): Timestamp {
  const seconds = Math.floor(timeUs / 1_000_000);
  return new Timestamp({ seconds: BigInt(seconds), nanos: (timeUs - seconds * 1_000_000) * 1000 + timeNanos });
}

/** A stored entry as a message (for the JSON forms; the binary form is written by log-wire.ts). */
export function entryToProto(e: StoredLogEntry): commonApi.LogEntry {
  const { caller, fields } = decodeExtras(e.extras);
  return new commonApi.LogEntry({
    host: e.host,
    level: e.level,
    time: timeToProto(e.timeUs, e.timeNanos),
    loggerName: e.loggerName,
    message: e.message,
    ...(caller !== undefined && { caller }),
    stack: e.stack,
    fields,
  });
}

/**
 * A page of logs that writes its protobuf bytes straight from the stored entries (caller and fields as
 * they came), and builds the message classes only for its JSON form. Connect serializes a response with
 * `toBinary`/`toJson…`, so this is all it takes.
 */
export class LogsPage extends appApi.GetRobotPartLogsResponse {
  constructor(
    private readonly entries: readonly StoredLogEntry[] = [],
    private readonly token = '',
  ) {
    super();
  }

  private full(): appApi.GetRobotPartLogsResponse {
    return new appApi.GetRobotPartLogsResponse({ logs: this.entries.map(entryToProto), nextPageToken: this.token });
  }

  override toBinary(): Uint8Array {
    return encodeLogEntries(this.entries, pageTokenField(this.token));
  }

  override toJson(options?: Partial<JsonWriteOptions>): JsonValue {
    return this.full().toJson(options);
  }

  override toJsonString(options?: Partial<JsonWriteOptions>): string {
    return this.full().toJsonString(options);
  }
}

/**
 * One batch for every tail of a group: its bytes (and JSON) made on first use and shared by every stream
 * after that — as a message for Connect's own streaming path, and as ready envelopes for the tails that
 * tail-http.ts writes to directly.
 */
export class TailBatch extends appApi.TailRobotPartLogsResponse {
  private binary: Buffer | undefined;
  private json: string | undefined;
  private frames: { binary?: Buffer; json?: Buffer } = {};

  constructor(readonly entries: readonly StoredLogEntry[] = []) {
    super();
  }

  override toBinary(_options?: Partial<BinaryWriteOptions>): Uint8Array {
    return (this.binary ??= encodeLogEntries(this.entries));
  }

  override toJsonString(options?: Partial<JsonWriteOptions>): string {
    return (this.json ??= new appApi.TailRobotPartLogsResponse({ logs: this.entries.map(entryToProto) }).toJsonString(options));
  }

  override toJson(options?: Partial<JsonWriteOptions>): JsonValue {
    return JSON.parse(this.toJsonString(options)) as JsonValue;
  }

  /** The batch enveloped, in protobuf or JSON. */
  frame(format: 'binary' | 'json'): Buffer {
    if (format === 'binary') return (this.frames.binary ??= envelope(0, this.toBinary()));
    return (this.frames.json ??= envelope(0, Buffer.from(this.toJsonString(), 'utf8')));
  }
}

export const tailBatch = (entries: readonly StoredLogEntry[]): TailBatch => new TailBatch(entries);

function instantUs(t: Timestamp | undefined): number | undefined {
  if (t === undefined) return undefined;
  return Number(t.seconds) * 1_000_000 + Math.floor(t.nanos / 1000);
}

export function parseLogQuery(req: appApi.GetRobotPartLogsRequest): LogQuery {
  const startUs = instantUs(req.start);
  const endUs = instantUs(req.end);
  if (startUs !== undefined && endUs !== undefined && endUs < startUs) {
    throw invalid('end must not be before start');
  }
  for (const [i, level] of req.levels.entries()) {
    if (level.length > 32) throw invalid(`levels[${i}] is not a log level: ${JSON.stringify(truncate(level, 32))}`);
  }
  const contains = parseLogNeedle('filter', req.filter);
  const source = parseLogNeedle('source', req.source);
  return {
    // Older clients still ask with the deprecated errors_only.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    levels: chooseLevels(req.levels, req.errorsOnly, req.userFacingOnly === true),
    ...(contains !== undefined && { contains }),
    ...(source !== undefined && { source }),
    ...(startUs !== undefined && { startUs }),
    ...(endUs !== undefined && { endUs }),
    limit: logPageSize(req.limit),
    ...(req.pageToken !== undefined && req.pageToken !== '' && { after: decodeLogPageToken(req.pageToken) }),
  };
}
