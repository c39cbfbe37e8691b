import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CRC32C_IMPLEMENTATION, Crc32c, type Crc32cImplementation } from './crc32c.js';

/** The bit-at-a-time definition, to check the sliced tables against. */
function reference(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0x82f63b78 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

// Both implementations where the native one loads (it does on linux/x64 and arm64, where CI runs: a
// machine without it fails the check below rather than testing the JavaScript tables alone unnoticed).
const implementations: Crc32cImplementation[] = CRC32C_IMPLEMENTATION === 'native' ? ['native', 'javascript'] : ['javascript'];

it(
  'uses the native CRC-32C on the platforms @node-rs/crc32 ships binaries for',
  { skip: !['x64', 'arm64'].includes(process.arch) || process.platform !== 'linux' },
  () => {
    assert.equal(CRC32C_IMPLEMENTATION, 'native');
  },
);

for (const implementation of implementations)
  describe(`Crc32c (${implementation})`, () => {
    const Crc = class extends Crc32c {
      constructor() {
        super(implementation);
      }
    };
    it('matches the standard check value of "123456789" (0xE3069283)', () => {
      assert.equal(new Crc().update(Buffer.from('123456789')).value(), 0xe3069283);
      assert.equal(new Crc().update(Buffer.from('123456789')).digestBase64(), Buffer.from([0xe3, 0x06, 0x92, 0x83]).toString('base64'));
    });

    it('gives the same value in any chunking, equal to the bitwise definition', () => {
      const data = randomBytes(10_007);
      const whole = new Crc().update(data).value();
      assert.equal(whole, reference(data));
      assert.equal(new Crc().update(new Uint8Array(data).subarray(3)).value(), reference(data.subarray(3)), 'a plain Uint8Array view');
      const pieces = new Crc();
      for (let i = 0; i < data.length;) {
        const n = 1 + ((i * 7) % 13);
        pieces.update(data.subarray(i, i + n));
        i += n;
      }
      assert.equal(pieces.value(), whole);
    });

    it('of nothing is 0', () => {
      assert.equal(new Crc().value(), 0);
    });
  });

it('copies carry on independently of the original', () => {
  const data = randomBytes(4096);
  const base = new Crc32c().update(data.subarray(0, 1000));
  const twin = base.copy().update(data.subarray(1000));
  assert.equal(twin.value(), new Crc32c().update(data).value());
  assert.equal(base.value(), new Crc32c().update(data.subarray(0, 1000)).value());
});
