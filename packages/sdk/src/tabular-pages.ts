/**
 * TabularDataByFilter for bulk reads (`hangar data export`): the same call, with the readings left as
 * bytes by the message decoder and decoded here straight into plain objects. Decoding each reading as a
 * google.protobuf.Struct message and converting it to JSON costs several times more than the export's
 * other work; the readings are JSON-shaped, so they are read as such.
 */
import { MethodKind, proto3, ScalarType, type Message } from '@bufbuild/protobuf';
import { dataApi, I64, LEN, ProtoReader, VARINT } from '@hangar/wire';

/** TabularDataByFilterResponse without its `data` field (2), which the decoder keeps as unknown-field bytes. */
export interface RawTabularPage extends Message<RawTabularPage> {
  metadata: dataApi.CaptureMetadata[];
  count: bigint;
  last: string;
  totalSizeBytes: bigint;
}
export const RawTabularPage = proto3.makeMessageType<RawTabularPage>('viam.app.data.v1.TabularDataByFilterResponse', [
  { no: 1, name: 'metadata', kind: 'message', T: dataApi.CaptureMetadata, repeated: true },
  { no: 3, name: 'count', kind: 'scalar', T: ScalarType.UINT64 },
  { no: 4, name: 'last', kind: 'scalar', T: ScalarType.STRING },
  { no: 5, name: 'total_size_bytes', kind: 'scalar', T: ScalarType.UINT64 },
]);

export const RawTabularDataService = {
  typeName: 'viam.app.data.v1.DataService',
  methods: {
    tabularDataByFilter: {
      name: 'TabularDataByFilter',
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- what the seed's export calls
      I: dataApi.TabularDataByFilterRequest,
      O: RawTabularPage,
      kind: MethodKind.Unary,
    },
  },
} as const;

export interface RawReading {
  readonly data: Record<string, unknown>;
  readonly metadataIndex: number;
  /** Milliseconds since the epoch (fractions kept), or undefined when not set. */
  readonly timeRequestedMs: number | undefined;
  readonly timeReceivedMs: number | undefined;
}

/** Malformed answers fail as a plain error naming the call. */
const Reader = class extends ProtoReader {
  constructor(buf: Buffer, start: number, end: number) {
    super(buf, start, end, (reason) => new Error(`malformed TabularDataByFilter answer: ${reason}`));
  }
};

function value(buf: Buffer, start: number, end: number): unknown {
  const r = new Reader(buf, start, end);
  let out: unknown = null;
  while (r.pos < end) {
    const tag = r.varint();
    const no = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (no === 1 && wireType === VARINT) {
      r.varint();
      out = null;
    } else if (no === 2 && wireType === I64) {
      out = r.double();
    } else if (no === 3 && wireType === LEN) {
      const [s, e] = r.span();
      out = buf.toString('utf8', s, e);
    } else if (no === 4 && wireType === VARINT) {
      out = r.varint() !== 0;
    } else if (no === 5 && wireType === LEN) {
      const [s, e] = r.span();
      out = struct(buf, s, e);
    } else if (no === 6 && wireType === LEN) {
      const [s, e] = r.span();
      const list: unknown[] = [];
      const lr = new Reader(buf, s, e);
      while (lr.pos < e) {
        const t = lr.varint();
        if (t >>> 3 === 1 && (t & 7) === LEN) {
          const [vs, ve] = lr.span();
          list.push(value(buf, vs, ve));
        } else lr.skip(t & 7);
      }
      out = list;
    } else r.skip(wireType);
  }
  return out;
}

function struct(buf: Buffer, start: number, end: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const r = new Reader(buf, start, end);
  while (r.pos < end) {
    const tag = r.varint();
    if (tag >>> 3 !== 1 || (tag & 7) !== LEN) {
      r.skip(tag & 7);
      continue;
    }
    const [s, e] = r.span();
    const entry = new Reader(buf, s, e);
    let key = '';
    let v: unknown = null;
    while (entry.pos < e) {
      const t = entry.varint();
      if (t >>> 3 === 1 && (t & 7) === LEN) {
        const [ks, ke] = entry.span();
        key = buf.toString('utf8', ks, ke);
      } else if (t >>> 3 === 2 && (t & 7) === LEN) {
        const [vs, ve] = entry.span();
        v = value(buf, vs, ve);
      } else entry.skip(t & 7);
    }
    out[key] = v;
  }
  return out;
}

function timestampMs(buf: Buffer, start: number, end: number): number {
  const r = new Reader(buf, start, end);
  let seconds = 0;
  let nanos = 0;
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === 0x08) seconds = r.varint();
    else if (tag === 0x10) nanos = r.varint();
    else r.skip(tag & 7);
  }
  return seconds * 1000 + nanos / 1e6;
}

/** One TabularData's bytes (length prefix included, as protobuf-es keeps unknown fields). */
function reading(bytes: Uint8Array): RawReading {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const outer = new Reader(buf, 0, buf.length);
  const [start, end] = outer.span();
  const r = new Reader(buf, start, end);
  let data: Record<string, unknown> = {};
  let metadataIndex = 0;
  let requested: number | undefined;
  let received: number | undefined;
  while (r.pos < end) {
    const tag = r.varint();
    const no = tag >>> 3;
    if (no === 2 && (tag & 7) === VARINT) metadataIndex = r.varint();
    else if ((tag & 7) === LEN && no >= 1 && no <= 4) {
      const [s, e] = r.span();
      if (no === 1) data = struct(buf, s, e);
      else if (no === 3) requested = timestampMs(buf, s, e);
      else if (no === 4) received = timestampMs(buf, s, e);
    } else r.skip(tag & 7);
  }
  return { data, metadataIndex, timeRequestedMs: requested, timeReceivedMs: received };
}

/** The readings of a page, in order, decoded from the bytes the message decoder kept. */
export function readingsOf(page: RawTabularPage): RawReading[] {
  const unknown = page.getType().runtime.bin.listUnknownFields(page);
  return unknown.filter((f) => f.no === 2).map((f) => reading(f.data));
}
