// hangar.data.v1.ReadingsExportService: a whole tabular export in one server stream, each message a run
// of ready NDJSON lines in the seed-era `viam data export --data-type tabular` format. The client writes the
// lines to data.ndjson as they come, without decoding a reading: the same export over TabularDataByFilter
// pages costs the client a Struct decode and a sorted re-encode per reading, and the server a Struct
// encode. Viam has no such call; `hangar data export` uses it when the server offers it.
import { MethodKind, proto3, ScalarType, type Message } from '@bufbuild/protobuf';
import { dataApi } from '@viamrobotics/sdk';

export interface ExportReadingsRequest extends Message<ExportReadingsRequest> {
  /** The filter and sort order of TabularDataByFilter; `limit` and `last` must be left empty (one stream is the whole export). */
  dataRequest?: dataApi.DataRequest;
}
export const ExportReadingsRequest = proto3.makeMessageType<ExportReadingsRequest>('hangar.data.v1.ExportReadingsRequest', [
  { no: 1, name: 'data_request', kind: 'message', T: dataApi.DataRequest },
]);

export interface ExportReadingsResponse extends Message<ExportReadingsResponse> {
  /** Capture metadata first used by this message's lines; numbered on from the entries of earlier messages. */
  metadata: dataApi.CaptureMetadata[];
  /** NDJSON, whole lines only: one reading each, with TimeRequested, TimeReceived and MetadataIndex. */
  lines: Uint8Array;
  /** How many lines `lines` holds. */
  readings: number;
}
export const ExportReadingsResponse = proto3.makeMessageType<ExportReadingsResponse>('hangar.data.v1.ExportReadingsResponse', [
  { no: 1, name: 'metadata', kind: 'message', T: dataApi.CaptureMetadata, repeated: true },
  { no: 2, name: 'lines', kind: 'scalar', T: ScalarType.BYTES },
  { no: 3, name: 'readings', kind: 'scalar', T: ScalarType.UINT32 },
]);

export const ReadingsExportService = {
  typeName: 'hangar.data.v1.ReadingsExportService',
  methods: {
    exportReadings: { name: 'ExportReadings', I: ExportReadingsRequest, O: ExportReadingsResponse, kind: MethodKind.ServerStreaming },
  },
} as const;

// ---- the line format ----

const GO_ESCAPED = /[<>&\u2028\u2029]/;
const GO_ESCAPED_ALL = /[<>&\u2028\u2029]/g;
const goEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
/** Go's encoding/json also escapes <, >, & and the line separators. */
const goString = (s: string): string => {
  const json = JSON.stringify(s);
  return GO_ESCAPED.test(json) ? json.replace(GO_ESCAPED_ALL, goEscape) : json;
};

/** Go sorts map keys by their UTF-8 bytes, which is code point order; UTF-16 order differs only past U+D7FF. */
const byCodePoint = (a: string, b: string): number => {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(j) ?? 0;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return a.length - i - (b.length - j);
};
const HIGH = /[\ud800-\uffff]/;
const sortKeys = (keys: string[]): string[] => (keys.some((k) => HIGH.test(k)) ? keys.sort(byCodePoint) : keys.sort());

/** Encoded object keys, kept: a reading's keys repeat from one reading to the next. */
const keyCache = new Map<string, string>();
const KEY_CACHE_MAX = 10_000;
function goKey(k: string): string {
  let encoded = keyCache.get(k);
  if (encoded === undefined) {
    encoded = goString(k);
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    keyCache.set(k, encoded);
  }
  return encoded;
}

function goValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return goString(v);
    case 'number':
      // NaN and ±Infinity cannot be JSON; Go's encoder refuses them, JSON.stringify writes null.
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(v)) return `[${v.map(goValue).join(',')}]`;
      return goObject(v as Record<string, unknown>, sortKeys(Object.keys(v)));
    }
    default:
      return 'null';
  }
}

function goObject(o: Readonly<Record<string, unknown>>, keys: readonly string[]): string {
  let out = '';
  for (const k of keys) {
    const value = o[k];
    if (value === undefined) continue;
    out += `${out === '' ? '' : ','}${goKey(k)}:${goValue(value)}`;
  }
  return `{${out}}`;
}

/** A timestamppb.Timestamp as Go's json.Marshal writes the struct (zero fields left out); null when unset. */
function goTimestampUs(us: number | undefined): string {
  if (us === undefined) return 'null';
  const seconds = Math.floor(us / 1e6);
  const nanos = (us - seconds * 1e6) * 1000;
  if (seconds === 0) return nanos === 0 ? '{}' : `{"nanos":${nanos}}`;
  return nanos === 0 ? `{"seconds":${seconds}}` : `{"seconds":${seconds},"nanos":${nanos}}`;
}

/** The keys the export adds to each reading, in sorted order; they win over a reading's own of those names. */
const ADDED = ['MetadataIndex', 'TimeReceived', 'TimeRequested'] as const;
const ADDED_KEYS = new Set<string>(ADDED);

/**
 * One line of the seed-era data.ndjson (without its newline): the reading's fields and TimeRequested,
 * TimeReceived and MetadataIndex, keys sorted. Written straight out, merging the three added keys into the
 * reading's sorted ones: an export writes a million of these.
 */
export function exportLine(
  reading: Readonly<Record<string, unknown>>,
  timeRequestedUs: number | undefined,
  timeReceivedUs: number | undefined,
  metadataIndex: number,
): string {
  const added = [String(metadataIndex), goTimestampUs(timeReceivedUs), goTimestampUs(timeRequestedUs)];
  const keys = sortKeys(Object.keys(reading));
  let out = '';
  let next = 0;
  const addUpTo = (key: string | undefined) => {
    for (; next < ADDED.length && (key === undefined || byCodePoint(ADDED[next] ?? '', key) < 0); next++)
      out += `${out === '' ? '' : ','}"${ADDED[next]}":${added[next]}`;
  };
  for (const k of keys) {
    const value = reading[k];
    if (value === undefined || ADDED_KEYS.has(k)) continue;
    addUpTo(k);
    out += `${out === '' ? '' : ','}${goKey(k)}:${goValue(value)}`;
  }
  addUpTo(undefined);
  return `{${out}}`;
}
