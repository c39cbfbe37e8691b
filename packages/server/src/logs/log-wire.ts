/**
 * Log entries straight from and to protobuf bytes. Ingest and serving logs are the server's hottest paths,
 * and protobuf-es spends most of their time on the entries' `caller` and `fields` Structs, which Hangar
 * never looks inside: here they stay the bytes the machine sent, checked for well-formedness (wire types,
 * lengths, UTF-8, nesting) but never decoded, and entries are written with a plain buffer writer. The JSON
 * forms (Connect/gRPC-web JSON clients) go through the ordinary message classes instead.
 */
import { Struct } from '@bufbuild/protobuf';
import { invalid } from '@hangar/domain';
import type { StoredLogEntry } from '@hangar/store';
import { appRobotApi, I64, LEN, ProtoReader, VARINT, type commonApi } from '@hangar/wire';
import { isUtf8 } from 'node:buffer';

/** A LogEntry as parsed from the wire: text fields decoded, caller and fields kept as bytes. */
export interface WireLogEntry {
  readonly host: string;
  readonly level: string;
  /** Seconds and nanos of the entry's time, or undefined when it has none. */
  readonly time: { readonly seconds: number; readonly nanos: number } | undefined;
  readonly loggerName: string;
  readonly message: string;
  readonly stack: string;
  /** Fields 6 (caller) and 8 (fields) with their tags, as sent; null when neither was. */
  readonly extras: Buffer | null;
}

// Reading.

/** A reader whose malformed input is INVALID_ARGUMENT. */
class Reader extends ProtoReader {
  constructor(buf: Buffer, start: number, end: number) {
    super(buf, start, end, (reason) => invalid(`malformed request: ${reason}`));
  }
}

/** UTF-8 text; sequences that are not UTF-8 become U+FFFD, as protobuf-es decodes them. */
const text = (buf: Buffer, [start, end]: [number, number]): string => buf.toString('utf8', start, end);

/**
 * Checks that [start, end) is a well-formed google.protobuf.Struct (or Value / ListValue, by `kind`):
 * known wire types, lengths inside their parents, UTF-8 strings, at most `depth` levels of nesting.
 * Iterative, so hostile nesting cannot overflow the stack.
 */
function checkStruct(buf: Buffer, start: number, end: number, maxDepth: number, at: string): void {
  type Kind = 'struct' | 'entry' | 'value' | 'list';
  const stack: { kind: Kind; start: number; end: number; depth: number }[] = [{ kind: 'struct', start, end, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.depth > maxDepth) throw invalid(`${at} is nested more than ${maxDepth / 2} levels deep`);
    const r = new Reader(buf, item.start, item.end);
    while (r.pos < r.end) {
      const tag = r.varint();
      const field = Math.floor(tag / 8);
      const wireType = tag & 7;
      const child = (kind: Kind) => {
        if (wireType !== LEN) throw invalid(`${at} is not a well-formed Struct`);
        const [s, e] = r.span();
        stack.push({ kind, start: s, end: e, depth: item.depth + 1 });
      };
      const utf8 = () => {
        if (wireType !== LEN) throw invalid(`${at} is not a well-formed Struct`);
        const [s, e] = r.span();
        if (!isUtf8(buf.subarray(s, e))) throw invalid(`${at} holds a string that is not UTF-8`);
      };
      switch (item.kind) {
        case 'struct':
          if (field === 1) child('entry');
          else r.skip(wireType);
          break;
        case 'entry':
          if (field === 1) utf8();
          else if (field === 2) child('value');
          else r.skip(wireType);
          break;
        case 'list':
          if (field === 1) child('value');
          else r.skip(wireType);
          break;
        case 'value':
          if (field === 3) utf8();
          else if (field === 5) child('struct');
          else if (field === 6) child('list');
          else if ((field === 1 || field === 4) && wireType === VARINT) r.varint();
          else if (field === 2 && wireType === I64) r.skip(I64);
          else if (field > 6) r.skip(wireType);
          else throw invalid(`${at} is not a well-formed Struct`);
          break;
      }
    }
  }
}

function parseTime(buf: Buffer, span: [number, number]): { seconds: number; nanos: number } {
  const r = new Reader(buf, span[0], span[1]);
  let seconds = 0;
  let nanos = 0;
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === (1 << 3) + VARINT) seconds = r.varint();
    else if (tag === (2 << 3) + VARINT) nanos = r.varint();
    else r.skip(tag & 7);
  }
  return { seconds, nanos };
}

function parseEntry(buf: Buffer, [start, end]: [number, number], maxDepth: number, at: string): WireLogEntry {
  const r = new Reader(buf, start, end);
  let host = '';
  let level = '';
  let loggerName = '';
  let message = '';
  let stack = '';
  let time: { seconds: number; nanos: number } | undefined;
  const extras: Buffer[] = [];
  while (r.pos < r.end) {
    const tagStart = r.pos;
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    if ((tag & 7) !== LEN || field < 1 || field > 8) {
      r.skip(tag & 7);
      continue;
    }
    const span = r.span();
    switch (field) {
      case 1:
        host = text(buf, span);
        break;
      case 2:
        level = text(buf, span);
        break;
      case 3:
        time = parseTime(buf, span);
        break;
      case 4:
        loggerName = text(buf, span);
        break;
      case 5:
        message = text(buf, span);
        break;
      case 7:
        stack = text(buf, span);
        break;
      default:
        // 6 caller, 8 fields: checked, then kept with their tags as they were sent.
        checkStruct(buf, span[0], span[1], maxDepth, field === 6 ? `${at}.caller` : `${at}.fields`);
        extras.push(buf.subarray(tagStart, span[1]));
    }
  }
  return { host, level, time, loggerName, message, stack, extras: extras.length === 0 ? null : Buffer.concat(extras) };
}

/**
 * A LogRequest read straight from its bytes: the part id and the entries, caller and fields undecoded.
 * `maxDepth` bounds Struct nesting in message levels (two per JSON level).
 */
export function parseLogRequest(bytes: Uint8Array, maxDepth: number): { id: string; entries: WireLogEntry[] } {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(buf, 0, buf.length);
  let id = '';
  const entries: WireLogEntry[] = [];
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === (1 << 3) + LEN) id = text(buf, r.span());
    else if (tag === (2 << 3) + LEN) entries.push(parseEntry(buf, r.span(), maxDepth, `logs[${entries.length}]`));
    else r.skip(tag & 7);
  }
  return { id, entries };
}

/** RobotService.Log's request with its entries as read from the wire (see `ingestLogRequestType`). */
export class IngestLogRequest extends appRobotApi.LogRequest {
  /** The entries as read from the wire; undefined when the request came as JSON (then `logs` holds them). */
  wireEntries: WireLogEntry[] | undefined;
}

/**
 * The request type RobotService.Log is served with: protobuf requests (every machine sends those) are read
 * by `parseLogRequest`; the JSON forms still decode into the ordinary LogRequest. `maxDepth` bounds Struct
 * nesting in message levels (two per JSON level), from the server's limits.
 */
export function ingestLogRequestType(maxDepth: number): typeof IngestLogRequest {
  return class extends IngestLogRequest {
    static override fromBinary(bytes: Uint8Array): IngestLogRequest {
      const parsed = parseLogRequest(bytes, maxDepth);
      const req = new this({ id: parsed.id });
      req.wireEntries = parsed.entries;
      return req;
    }
  };
}

/** A JSON-decoded entry in the same shape, its caller and fields encoded back to bytes. */
export function wireEntryOf(e: commonApi.LogEntry): WireLogEntry {
  const parts: Buffer[] = [];
  if (e.caller !== undefined) parts.push(lenField(6, e.caller.toBinary()));
  for (const f of e.fields) parts.push(lenField(8, f.toBinary()));
  return {
    host: e.host,
    level: e.level,
    time: e.time === undefined ? undefined : { seconds: Number(e.time.seconds), nanos: e.time.nanos },
    loggerName: e.loggerName,
    message: e.message,
    stack: e.stack,
    extras: parts.length === 0 ? null : Buffer.concat(parts),
  };
}

/** caller and fields from stored extras, decoded (for the JSON forms of responses). */
export function decodeExtras(extras: Buffer | null): { caller: Struct | undefined; fields: Struct[] } {
  let caller: Struct | undefined;
  const fields: Struct[] = [];
  if (extras === null) return { caller, fields };
  const r = new Reader(extras, 0, extras.length);
  while (r.pos < r.end) {
    const tag = r.varint();
    if ((tag & 7) !== LEN) {
      r.skip(tag & 7);
      continue;
    }
    const [s, e] = r.span();
    const struct = Struct.fromBinary(extras.subarray(s, e));
    if (tag >> 3 === 6) caller = struct;
    else if (tag >> 3 === 8) fields.push(struct);
  }
  return { caller, fields };
}

// Writing.

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** A non-negative varint, or a negative int64 as ten bytes of two's complement. */
function writeVarint(buf: Buffer, pos: number, n: number): number {
  if (n < 0) {
    let v = BigInt.asUintN(64, BigInt(n));
    while (v >= 0x80n) {
      buf[pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    buf[pos++] = Number(v);
    return pos;
  }
  let v = n;
  while (v >= 0x80) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

const int64Size = (n: number) => (n < 0 ? 10 : varintSize(n));

function lenField(field: number, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(1 + varintSize(payload.length));
  head[0] = (field << 3) | LEN;
  writeVarint(head, 1, payload.length);
  return Buffer.concat([head, payload]);
}

/** The entry's time as protobuf Timestamp fields: seconds and nanos. */
function timeParts(e: StoredLogEntry): { seconds: number; nanos: number } {
  const seconds = Math.floor(e.timeUs / 1_000_000);
  return { seconds, nanos: (e.timeUs - seconds * 1_000_000) * 1000 + e.timeNanos };
}

/** A stored entry as viam.common.v1.LogEntry bytes. */
export function encodeLogEntry(e: StoredLogEntry): Buffer {
  const strings: [number, string, number][] = [];
  let size = 0;
  for (const [field, value] of [
    [1, e.host],
    [2, e.level],
    [4, e.loggerName],
    [5, e.message],
    [7, e.stack],
  ] as const) {
    if (value === '') continue;
    const n = Buffer.byteLength(value);
    strings.push([field, value, n]);
    size += 1 + varintSize(n) + n;
  }
  const { seconds, nanos } = timeParts(e);
  const timeSize = (seconds === 0 ? 0 : 1 + int64Size(seconds)) + (nanos === 0 ? 0 : 1 + varintSize(nanos));
  size += 1 + varintSize(timeSize) + timeSize;
  size += e.extras?.length ?? 0;

  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const [field, value, n] of strings) {
    buf[pos++] = (field << 3) | LEN;
    pos = writeVarint(buf, pos, n);
    pos += buf.write(value, pos, 'utf8');
  }
  buf[pos++] = (3 << 3) | LEN;
  pos = writeVarint(buf, pos, timeSize);
  if (seconds !== 0) {
    buf[pos++] = (1 << 3) | VARINT;
    pos = writeVarint(buf, pos, seconds);
  }
  if (nanos !== 0) {
    buf[pos++] = (2 << 3) | VARINT;
    pos = writeVarint(buf, pos, nanos);
  }
  if (e.extras !== null) pos += e.extras.copy(buf, pos);
  return buf;
}

/** Entries as the bytes of a message whose field 1 is `repeated LogEntry` (both log responses are). */
export function encodeLogEntries(entries: readonly StoredLogEntry[], trailer?: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) parts.push(lenField(1, encodeLogEntry(e)));
  if (trailer !== undefined) parts.push(trailer);
  return Buffer.concat(parts);
}

/** `next_page_token` (GetRobotPartLogsResponse field 2), or nothing when empty. */
export function pageTokenField(token: string): Buffer | undefined {
  return token === '' ? undefined : lenField(2, Buffer.from(token, 'utf8'));
}

/** The 5-byte envelope every streaming protocol Hangar speaks puts before a message: flags, then length. */
export function envelope(flags: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out[0] = flags;
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  return out;
}
