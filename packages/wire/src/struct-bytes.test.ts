/** Pre-encoded Struct bytes decode to the same reading as a Struct message built the usual way. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Struct } from '@bufbuild/protobuf';
import { dataApi } from '@viamrobotics/sdk';
import { setRawField, structFieldBytes, tabularDataFieldBytes } from './struct-bytes.js';

it('encodes readings that decode as the Struct they are, nested, listed, unicode and long', () => {
  const readings = [
    {},
    { temp: 21.5, ok: true, none: null, name: 'thermo-1' },
    { nested: { deeper: { list: [1, 'two', false, null, { x: -3e300 }, []] } }, ключ: 'значение 🌡' },
    { long: 'x'.repeat(70_000), many: Array.from({ length: 500 }, (_, i) => i) },
  ];
  for (const reading of readings) {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- TabularDataByFilter's message
    const message = new dataApi.TabularData({ metadataIndex: 3 });
    setRawField(message, 1, structFieldBytes(reading));
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- as above
    const decoded = dataApi.TabularData.fromBinary(message.toBinary());
    assert.deepEqual(decoded.data?.toJson(), reading);
    assert.equal(decoded.metadataIndex, 3);
    assert.deepEqual(decoded.data?.toBinary(), Struct.fromJson(reading as never).toBinary());
  }
});

it('encodes whole TabularData items that decode as the message built the usual way', () => {
  const reading = { temp: 21.5, list: [1, { a: 'b' }] };
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- TabularDataByFilter's message
  const response = new dataApi.TabularDataByFilterResponse({ last: 'x' });
  setRawField(response, 2, tabularDataFieldBytes(reading, 0, 1_777_000_000_123_456, 1_777_000_001_000_000));
  setRawField(response, 2, tabularDataFieldBytes({}, 7, 0, 5));
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- as above
  const decoded = dataApi.TabularDataByFilterResponse.fromBinary(response.toBinary());
  assert.equal(decoded.last, 'x');
  assert.equal(decoded.data.length, 2);
  assert.deepEqual(decoded.data[0]?.data?.toJson(), reading);
  assert.equal(decoded.data[0]?.timeRequested?.seconds, 1_777_000_000n);
  assert.equal(decoded.data[0]?.timeRequested?.nanos, 123_456_000);
  assert.equal(decoded.data[0]?.timeReceived?.seconds, 1_777_000_001n);
  assert.equal(decoded.data[1]?.metadataIndex, 7);
  assert.equal(decoded.data[1]?.timeRequested?.seconds, 0n);
  assert.equal(decoded.data[1]?.timeReceived?.nanos, 5000);
});
