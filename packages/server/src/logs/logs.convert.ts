/** Log entries between the wire (viam.common.v1.LogEntry) and the log store. */
import { Struct, Timestamp, type BinaryWriteOptions, type JsonWriteOptions, type PartialMessage } from '@bufbuild/protobuf';
import { chooseLevels, decodeLogPageToken, invalid, logPageSize, MAX_LOG_TIME_US, parseLogNeedle, truncate } from '@hangar/domain';
import type { NewLogEntry, StoredLogEntry } from '@hangar/store';
import { appApi, commonApi } from '@hangar/wire';
import type { LogQuery } from './logs.service.js';

/** Microseconds since the epoch, and what was sent below the microsecond. */
function timeOf(t: Timestamp | undefined, receivedUs: number, at: string): { timeUs: number; timeNanos: number } {
  if (t === undefined) return { timeUs: receivedUs, timeNanos: 0 };
  if (!Number.isInteger(t.nanos) || t.nanos < 0 || t.nanos > 999_999_999) {
    throw invalid(`${at}.time.nanos must be 0–999999999, got ${t.nanos}`);
  }
  const timeUs = Number(t.seconds) * 1_000_000 + Math.floor(t.nanos / 1000);
  if (!Number.isSafeInteger(timeUs) || Math.abs(timeUs) > MAX_LOG_TIME_US) {
    throw invalid(`${at}.time is out of range: ${t.seconds} s; send the machine's current time`);
  }
  return { timeUs, timeNanos: t.nanos % 1000 };
}

function timeToProto(timeUs: number, timeNanos: number): Timestamp {
  const seconds = Math.floor(timeUs / 1_000_000);
  return new Timestamp({ seconds: BigInt(seconds), nanos: (timeUs - seconds * 1_000_000) * 1000 + timeNanos });
}

/** A LogEntry as the machine sent it; only a missing time is filled in (with when it arrived). */
export function entryFromProto(partId: string, e: commonApi.LogEntry, index: number, receivedUs: number): NewLogEntry {
  const { timeUs, timeNanos } = timeOf(e.time, receivedUs, `logs[${index}]`);
  return {
    partId,
    timeUs,
    timeNanos,
    level: e.level,
    loggerName: e.loggerName,
    message: e.message,
    host: e.host,
    callerJson: e.caller === undefined ? null : JSON.stringify(e.caller.toJson()),
    stack: e.stack,
    fieldsJson: e.fields.length === 0 ? null : JSON.stringify(e.fields.map((f) => f.toJson())),
  };
}

export function entryToProto(e: StoredLogEntry): commonApi.LogEntry {
  return new commonApi.LogEntry({
    host: e.host,
    level: e.level,
    time: timeToProto(e.timeUs, e.timeNanos),
    loggerName: e.loggerName,
    message: e.message,
    ...(e.callerJson !== null && { caller: Struct.fromJsonString(e.callerJson) }),
    stack: e.stack,
    fields: e.fieldsJson === null ? [] : (JSON.parse(e.fieldsJson) as unknown[]).map((f) => Struct.fromJson(f as never)),
  });
}

/**
 * One tail batch for every tail of a group: encoded on first use, and the same bytes (or JSON) handed to
 * every stream after that. Connect serializes a message with `toBinary`/`toJsonString`, so caching there
 * is all it takes.
 */
export class SharedTailResponse extends appApi.TailRobotPartLogsResponse {
  private binary: Uint8Array | undefined;
  private json: string | undefined;

  override toBinary(options?: Partial<BinaryWriteOptions>): Uint8Array {
    return (this.binary ??= super.toBinary(options));
  }

  override toJsonString(options?: Partial<JsonWriteOptions>): string {
    return (this.json ??= super.toJsonString(options));
  }
}

export function tailResponse(entries: readonly StoredLogEntry[]): SharedTailResponse {
  return new SharedTailResponse({ logs: entries.map(entryToProto) });
}

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

export function logsPageToProto(
  entries: readonly StoredLogEntry[],
  nextPageToken: string,
): PartialMessage<appApi.GetRobotPartLogsResponse> {
  return { logs: entries.map(entryToProto), nextPageToken };
}
