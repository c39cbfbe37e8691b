/**
 * google.protobuf.Struct's wire bytes straight from a JSON value, for answers that carry many readings.
 * Building a Struct message per reading (a Value object per field, then the encoder walking them) costs
 * more than the rest of TabularDataByFilter together; readings are JSON already, so they are encoded as
 * they are. The bytes ride as the field's unknown-field data, which protobuf-es writes out verbatim: only
 * for binary codecs (JSON clients get the message built the usual way).
 */
import { WireType, type Message } from '@bufbuild/protobuf';

class Out {
  private buf = Buffer.allocUnsafe(512);
  len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }

  varint(n: number): void {
    this.room(10);
    while (n > 0x7f) {
      this.buf[this.len++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.len++] = n;
  }

  tag(no: number, wireType: WireType): void {
    this.varint((no << 3) | wireType);
  }

  double(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
  }

  string(s: string): void {
    const n = Buffer.byteLength(s);
    this.varint(n);
    this.room(n);
    this.buf.write(s, this.len, 'utf8');
    this.len += n;
  }

  /** A length-delimited field whose content `fill` writes (its length patched in after). */
  nested(no: number, fill: () => void): void {
    this.tag(no, WireType.LengthDelimited);
    // Room for a 5-byte length, shifted down once the content's length is known.
    this.room(5);
    const at = this.len;
    this.len += 5;
    fill();
    const size = this.len - at - 5;
    let lengthBytes = 1;
    while (size >= 128 ** lengthBytes) lengthBytes++;
    if (lengthBytes < 5) this.buf.copy(this.buf, at + lengthBytes, at + 5, this.len);
    this.len -= 5 - lengthBytes;
    let n = size;
    for (let i = 0; i < lengthBytes; i++) {
      this.buf[at + i] = (n & 0x7f) | (i < lengthBytes - 1 ? 0x80 : 0);
      n = Math.floor(n / 128);
    }
  }

  /** A varint field (int64 seconds, int32 nanos, uint32): proto3 leaves zero out. */
  uintField(no: number, n: number): void {
    if (n === 0) return;
    this.tag(no, WireType.Varint);
    this.varint(n);
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

function value(out: Out, v: unknown): void {
  // Value: null_value = 1, number_value = 2, string_value = 3, bool_value = 4, struct_value = 5, list_value = 6.
  if (v === null || v === undefined) {
    out.tag(1, WireType.Varint);
    out.byte(0);
  } else if (typeof v === 'number') {
    out.tag(2, WireType.Bit64);
    out.double(v);
  } else if (typeof v === 'string') {
    out.tag(3, WireType.LengthDelimited);
    out.string(v);
  } else if (typeof v === 'boolean') {
    out.tag(4, WireType.Varint);
    out.byte(v ? 1 : 0);
  } else if (Array.isArray(v)) {
    out.nested(6, () => {
      for (const item of v) out.nested(1, () => value(out, item));
    });
  } else {
    out.nested(5, () => struct(out, v as Record<string, unknown>));
  }
}

function struct(out: Out, obj: Record<string, unknown>): void {
  // Struct: map<string, Value> fields = 1, each entry {key = 1, value = 2}.
  for (const key of Object.keys(obj)) {
    out.nested(1, () => {
      out.tag(1, WireType.LengthDelimited);
      out.string(key);
      out.nested(2, () => value(out, obj[key]));
    });
  }
}

/** The field's wire content (length prefix included, as protobuf-es keeps unknown fields): a Struct of `obj`. */
export function structFieldBytes(obj: Record<string, unknown>): Uint8Array {
  const out = new Out();
  out.nested(1, () => struct(out, obj));
  // `nested` wrote tag + length + content; the unknown-field data is length + content.
  const all = out.bytes();
  return all.slice(1);
}

/** A google.protobuf.Timestamp of a non-negative time in microseconds. */
function timestamp(out: Out, no: number, us: number): void {
  const seconds = Math.floor(us / 1_000_000);
  out.nested(no, () => {
    out.uintField(1, seconds);
    out.uintField(2, (us - seconds * 1_000_000) * 1000);
  });
}

/**
 * One viam.app.data.v1.TabularData (data = 1, metadata_index = 2, time_requested = 3, time_received = 4),
 * as the unknown-field data of a repeated field that holds it: its length, then its content.
 */
export function tabularDataFieldBytes(
  reading: Record<string, unknown>,
  metadataIndex: number,
  requestedUs: number,
  receivedUs: number,
): Uint8Array {
  const out = new Out();
  out.nested(1, () => {
    out.nested(1, () => struct(out, reading));
    out.uintField(2, metadataIndex);
    if (requestedUs >= 0) timestamp(out, 3, requestedUs);
    if (receivedUs >= 0) timestamp(out, 4, receivedUs);
  });
  return out.bytes().slice(1);
}

/** Sets a message-typed field of `message` (field number `no`, below 16) from pre-encoded bytes; repeated fields take one call per item. */
export function setRawField(message: Message, no: number, fieldBytes: Uint8Array): void {
  message.getType().runtime.bin.onUnknownField(message, no, WireType.LengthDelimited, fieldBytes);
}

/** Whether the call's codec is binary protobuf (gRPC, gRPC-web, Connect), where pre-encoded fields are written as is. */
export function binaryCodec(contentType: string | null): boolean {
  if (contentType === null) return false;
  return !contentType.includes('json');
}
