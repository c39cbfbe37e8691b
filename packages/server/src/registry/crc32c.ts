/**
 * CRC-32C (Castagnoli), incrementally. viam-server checks every package it downloads against the
 * `x-goog-hash: crc32c=…` header Google Cloud Storage sends, so Hangar records it for each file as it
 * streams in. The native @node-rs/crc32 (the CPU's CRC instructions, GB/s) does the work where its prebuilt
 * binary loads; elsewhere slicing-by-8 in plain JavaScript gives the same values at a few hundred MB/s.
 */
import { createRequire } from 'node:module';

// The loop indexes 256-entry tables with bytes and reads bytes below the array's length: every access is in
// bounds, and checks on each one would halve the speed.
/* eslint-disable @typescript-eslint/no-non-null-assertion */
const POLY = 0x82f63b78;
const TABLES: Uint32Array[] = (() => {
  const t = Array.from({ length: 8 }, () => new Uint32Array(256));
  const t0 = t[0] as Uint32Array;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLY ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t0[n]!;
    for (let k = 1; k < 8; k++) {
      c = t0[c & 0xff]! ^ (c >>> 8);
      (t[k] as Uint32Array)[n] = c >>> 0;
    }
  }
  return t;
})();

/** Folds `data` into a finished CRC-32C value (0 for no bytes yet), the way @node-rs/crc32 chains them. */
type Update = (value: number, data: Uint8Array) => number;

const javascriptUpdate: Update = (value, data) => {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  let crc = (value ^ 0xffffffff) >>> 0;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  while (i < end8) {
    const a = (crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    crc =
      t7[a & 0xff]! ^
      t6[(a >>> 8) & 0xff]! ^
      t5[(a >>> 16) & 0xff]! ^
      t4[a >>> 24]! ^
      t3[data[i + 4]!]! ^
      t2[data[i + 5]!]! ^
      t1[data[i + 6]!]! ^
      t0[data[i + 7]!]!;
    i += 8;
  }
  while (i < data.length) crc = t0[(crc ^ data[i++]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
};

function loadNative(): Update | undefined {
  try {
    const native = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c(input: Buffer, initialState?: number): number };
    return (value, data) =>
      native.crc32c(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength), value) >>> 0;
  } catch {
    // No prebuilt binary for this platform: the JavaScript tables give the same values.
    return undefined;
  }
}

const nativeUpdate = loadNative();

export type Crc32cImplementation = 'native' | 'javascript';

/** Which implementation `new Crc32c()` uses here. */
export const CRC32C_IMPLEMENTATION: Crc32cImplementation = nativeUpdate === undefined ? 'javascript' : 'native';

export class Crc32c {
  private crc = 0;
  private readonly fold: Update;

  constructor(readonly implementation: Crc32cImplementation = CRC32C_IMPLEMENTATION) {
    if (implementation === 'native' && nativeUpdate === undefined) throw new Error('the native CRC-32C did not load here');
    this.fold = implementation === 'native' && nativeUpdate !== undefined ? nativeUpdate : javascriptUpdate;
  }

  update(data: Uint8Array): this {
    if (data.length > 0) this.crc = this.fold(this.crc, data);
    return this;
  }

  /** A copy that goes on from here independently (a resumable upload's state before a chunk that may fail). */
  copy(): Crc32c {
    const twin = new Crc32c(this.implementation);
    twin.crc = this.crc;
    return twin;
  }

  /** The 4 bytes, big-endian, base64: the form of `x-goog-hash: crc32c=…`. */
  digestBase64(): string {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.crc);
    return out.toString('base64');
  }

  value(): number {
    return this.crc;
  }
}
