/**
 * Log entries as viam-server sends them (zap: a lower-case level, a dotted logger name, a message of about
 * 100 characters, a caller struct and one fields struct), in both forms a benchmark needs: the wire message
 * a machine sends and the row the server stores for it, built alike so both sides of a comparison write
 * the very same columns.
 */
import { Struct, Timestamp, type BinaryWriteOptions, type JsonObject } from '@bufbuild/protobuf';
import type { NewLogEntry } from '@hangar/store';
import { appRobotApi, commonApi } from '@hangar/wire';

/** What a viam-server sends in one Log call (its logger flushes about every 100 entries). */
export const ENTRIES_PER_CALL = 100;

const LEVELS = ['info', 'info', 'debug', 'info', 'warn', 'info', 'info', 'debug', 'info', 'error'] as const;
const LOGGERS = ['rdk.resource_manager', 'rdk.components.motor.left', 'rdk.modmanager', 'rdk.networking', 'rdk.services.slam'] as const;
const CALLER: JsonObject = {
  Defined: true,
  File: 'robot/impl/resource_manager.go',
  Line: 312,
  Function: 'go.viam.com/rdk/robot/impl.(*resourceManager).completeConfig',
};

interface Template {
  readonly level: string;
  readonly loggerName: string;
  readonly message: string;
  readonly caller: Struct;
  readonly fields: Struct;
  /** What the server stores for `caller` and `fields`: their protobuf bytes, tags included (log-wire.ts). */
  readonly extras: Buffer;
}

/** About 100 characters, different for each `i`, as a motor driver or the resource manager would log. */
export function messageOf(i: number): string {
  const text = `motor-${i % 8}: reconfigured after ${(i * 37) % 997} ms, encoder at ${(i * 7919) % 100_000} ticks, pid gains unchanged`;
  return text.padEnd(100, '.');
}

/** LogEntry fields 6 and 8 as a machine encodes them: an entry with nothing else set is exactly those bytes. */
export const extrasOf = (caller: Struct | undefined, fields: Struct[]): Buffer =>
  Buffer.from(new commonApi.LogEntry({ ...(caller !== undefined && { caller }), fields }).toBinary());

function template(i: number): Template {
  const caller = Struct.fromJson({ ...CALLER, Line: 300 + (i % 50) });
  const fields = Struct.fromJson({ resource: `rdk:component:motor/motor-${i % 8}`, attempt: (i % 3) + 1, elapsed_ms: (i * 37) % 997 });
  return {
    level: LEVELS[i % LEVELS.length] ?? 'info',
    loggerName: LOGGERS[i % LOGGERS.length] ?? 'rdk',
    message: messageOf(i),
    caller,
    fields,
    extras: extrasOf(caller, [fields]),
  };
}

const TEMPLATES: readonly Template[] = Array.from({ length: ENTRIES_PER_CALL }, (_, i) => template(i));

export const HOST = 'rover-03.local';

function timestamp(timeUs: number): Timestamp {
  const seconds = Math.floor(timeUs / 1_000_000);
  return new Timestamp({ seconds: BigInt(seconds), nanos: (timeUs - seconds * 1_000_000) * 1000 });
}

/** A varint as protobuf writes one (non-negative values below 2^53). */
function varint(value: number, out: number[]): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** LogEntry field 3 (time), as protobuf-es writes it. */
function timeField(timeUs: number): Uint8Array {
  const seconds = Math.floor(timeUs / 1_000_000);
  const nanos = (timeUs - seconds * 1_000_000) * 1000;
  const ts: number[] = [];
  if (seconds !== 0) {
    ts.push(0x08);
    varint(seconds, ts);
  }
  if (nanos !== 0) {
    ts.push(0x10);
    varint(nanos, ts);
  }
  const out = [0x1a];
  varint(ts.length, out);
  return Uint8Array.from([...out, ...ts]);
}

/**
 * A LogEntry whose encoding is made once, but for its time. protobuf-es encodes each entry of a
 * LogRequest with the entry's own toBinary, and writing two Structs costs it ~25 µs an entry, ~2.5 ms a
 * call: in a benchmark whose machines share the server's process that would be the load generator's
 * cost, not the server's (a viam-server encodes in Go, on another computer). The bytes are the same.
 */
class PreEncodedEntry extends commonApi.LogEntry {
  private fixed: { head: Uint8Array; tail: Uint8Array } | undefined;
  timeUs = 0;

  override toBinary(options?: Partial<BinaryWriteOptions>): Uint8Array {
    this.fixed ??= {
      head: new commonApi.LogEntry({ host: this.host, level: this.level }).toBinary(options),
      tail: new commonApi.LogEntry({
        loggerName: this.loggerName,
        message: this.message,
        ...(this.caller !== undefined && { caller: this.caller }),
        stack: this.stack,
        fields: this.fields,
      }).toBinary(options),
    };
    const time = timeField(this.timeUs);
    const out = new Uint8Array(this.fixed.head.length + time.length + this.fixed.tail.length);
    out.set(this.fixed.head, 0);
    out.set(time, this.fixed.head.length);
    out.set(this.fixed.tail, this.fixed.head.length + time.length);
    return out;
  }

  /** Sets the time; the entry must not change otherwise once encoded. */
  stamp(timeUs: number): void {
    this.timeUs = timeUs;
    this.time = timestamp(timeUs);
  }
}

/**
 * One machine's Log calls: the same `ENTRIES_PER_CALL` entries every call, re-timed each time (so a client
 * must not send the next call before the last one was answered), each encoded once but for its time.
 */
export function machineBatch(): { readonly entries: readonly commonApi.LogEntry[]; stamp(timeUs: number): void } {
  const entries = TEMPLATES.map(
    (t) =>
      new PreEncodedEntry({
        host: HOST,
        level: t.level,
        loggerName: t.loggerName,
        message: t.message,
        caller: t.caller,
        stack: '',
        fields: [t.fields],
      }),
  );
  const stamp = (timeUs: number) => {
    entries.forEach((e, i) => {
      e.stamp(timeUs + i);
    });
  };
  // The shortcut must write what protobuf-es writes, inside a LogRequest as the client sends it.
  stamp(1_764_600_000_123_456);
  const request = new appRobotApi.LogRequest({ id: 'part', logs: entries });
  const plain = new appRobotApi.LogRequest({ id: 'part', logs: entries.map((e) => new commonApi.LogEntry(e)) });
  if (Buffer.compare(request.toBinary(), plain.toBinary()) !== 0) throw new Error('pre-encoded log entries differ from protobuf-es');
  return { entries, stamp };
}

/** The rows the server stores for `calls` Log calls of `ENTRIES_PER_CALL` entries, one part per call in turn. */
export function storedRows(partIds: readonly string[], calls: number, timeUs: number): NewLogEntry[] {
  const rows: NewLogEntry[] = [];
  for (let c = 0; c < calls; c++) {
    const partId = partIds[c % partIds.length] ?? '';
    TEMPLATES.forEach((t, i) => {
      rows.push({
        partId,
        timeUs: timeUs + i,
        timeNanos: 0,
        level: t.level,
        loggerName: t.loggerName,
        message: t.message,
        host: HOST,
        stack: '',
        extras: t.extras,
      });
    });
  }
  return rows;
}

/**
 * A short Log call whose messages begin with `seq <seq> at <sentMs> `: the receiver learns from the entry
 * itself which call it came from and when that was sent (on the clock of tail-protocol.ts).
 */
export function sequencedEntries(seq: number, count: number, timeUs: number, sentMs: number): commonApi.LogEntry[] {
  return Array.from({ length: count }, (_, i) => {
    const t = TEMPLATES[(seq * count + i) % TEMPLATES.length] ?? template(0);
    return new commonApi.LogEntry({
      host: HOST,
      level: t.level,
      loggerName: t.loggerName,
      message: `seq ${seq} at ${sentMs.toFixed(3)} ${t.message}`.slice(0, 100),
      caller: t.caller,
      stack: '',
      fields: [t.fields],
      time: timestamp(timeUs + i),
    });
  });
}
