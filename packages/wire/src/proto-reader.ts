/**
 * A minimal protobuf wire-format reader over a Buffer range, for the hot paths that read bytes without
 * building messages (log ingest, bulk readings). Every length is checked against its parent, so
 * malformed input fails with `fail(reason)` rather than reading past the end.
 */

/** Wire types, as tag bytes carry them. */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

export class ProtoReader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
    private readonly fail: (reason: string) => Error = (reason) => new Error(`malformed protobuf: ${reason}`),
  ) {
    this.pos = start;
  }

  /** A varint as a JS number: exact up to 2^53; an int64 that is negative comes back negative. */
  varint(): number {
    let result = 0;
    for (let shift = 0; shift < 49; shift += 7) {
      if (this.pos >= this.end) throw this.truncated();
      const b = this.buf[this.pos++] ?? 0;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    // Eight bytes or more: a large or a negative value (ten bytes of two's complement), done in BigInt.
    let big = BigInt(result);
    for (let shift = 49n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw this.truncated();
      const b = this.buf[this.pos++] ?? 0;
      big += BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return Number(BigInt.asIntN(64, big));
    }
    throw this.fail('a varint runs past ten bytes');
  }

  /** The [start, end) of a length-delimited field's payload, moving past it. */
  span(): [number, number] {
    const n = this.varint();
    if (n < 0 || this.pos + n > this.end) throw this.truncated();
    const start = this.pos;
    this.pos += n;
    return [start, this.pos];
  }

  /** A little-endian double (a fixed64 field's payload). */
  double(): number {
    if (this.pos + 8 > this.end) throw this.truncated();
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case VARINT:
        this.varint();
        return;
      case I64:
        this.advance(8);
        return;
      case LEN:
        this.span();
        return;
      case I32:
        this.advance(4);
        return;
      default:
        throw this.fail(`wire type ${wireType} is not one this reader knows`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw this.truncated();
    this.pos += n;
  }

  private truncated(): Error {
    return this.fail('a field runs past the end of its message');
  }
}
