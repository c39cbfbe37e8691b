import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Crc32c } from './crc32c.js';

/** The bit-at-a-time definition, to check the sliced tables against. */
function reference(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0x82f63b78 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('Crc32c', () => {
  it('matches the standard check value of "123456789" (0xE3069283)', () => {
    assert.equal(new Crc32c().update(Buffer.from('123456789')).value(), 0xe3069283);
    assert.equal(new Crc32c().update(Buffer.from('123456789')).digestBase64(), Buffer.from([0xe3, 0x06, 0x92, 0x83]).toString('base64'));
  });

  it('gives the same value in any chunking, equal to the bitwise definition', () => {
    const data = randomBytes(10_007);
    const whole = new Crc32c().update(data).value();
    assert.equal(whole, reference(data));
    const pieces = new Crc32c();
    for (let i = 0; i < data.length;) {
      const n = 1 + ((i * 7) % 13);
      pieces.update(data.subarray(i, i + n));
      i += n;
    }
    assert.equal(pieces.value(), whole);
  });

  it('of nothing is 0', () => {
    assert.equal(new Crc32c().value(), 0);
  });
});
