import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError, type ErrorKind } from '../errors.js';
import type { JsonObject, JsonValue } from '../machines.js';
import { applyUpdates, parseUpdateDocument, SUPPORTED_OPERATORS } from './mongo-update.js';

interface Case {
  readonly name: string;
  readonly doc: JsonObject;
  readonly updates: JsonObject[];
  readonly want: JsonObject;
}

interface Failure {
  readonly name: string;
  readonly doc?: JsonObject;
  readonly updates: JsonObject[];
  readonly kind: ErrorKind;
  /** Every pattern must match the message: the field, the path, the reason. */
  readonly message: RegExp[];
}

function runCases(cases: readonly Case[]): void {
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(applyUpdates(c.doc, c.updates, 'mods'), c.want);
    });
  }
}

function runFailures(failures: readonly Failure[]): void {
  for (const f of failures) {
    it(f.name, () => {
      assertDomainError(() => applyUpdates(f.doc ?? {}, f.updates, 'mods'), f.kind, f.message);
    });
  }
}

function assertDomainError(run: () => unknown, kind: ErrorKind, patterns: readonly RegExp[]): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(isDomainError(err), `expected a DomainError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    for (const pattern of patterns) assert.match(err.message, pattern);
    return true;
  });
}

function deepFreeze<T extends JsonValue>(value: T): T {
  const stack: JsonValue[] = [value];
  for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
    if (v !== null && typeof v === 'object') {
      Object.freeze(v);
      stack.push(...Object.values(v));
    }
  }
  return value;
}

/** {k: {k: ... {k: leaf}}} nested `depth` levels, built without recursion. */
function nested(depth: number, leaf: JsonValue, key = 'k'): JsonObject {
  let value: JsonObject = { [key]: leaf };
  for (let i = 1; i < depth; i++) value = { [key]: value };
  return value;
}

describe('applyUpdates $set', () => {
  runCases([
    { name: 'sets a top-level field', doc: { a: 1 }, updates: [{ $set: { b: 2 } }], want: { a: 1, b: 2 } },
    { name: 'overwrites an existing field', doc: { a: 1, b: 2 }, updates: [{ $set: { a: 'x' } }], want: { a: 'x', b: 2 } },
    { name: 'creates missing intermediate objects', doc: {}, updates: [{ $set: { 'a.b.c': true } }], want: { a: { b: { c: true } } } },
    {
      name: 'adds a field inside an existing object',
      doc: { a: { b: 1 } },
      updates: [{ $set: { 'a.c': 2 } }],
      want: { a: { b: 1, c: 2 } },
    },
    {
      name: 'indexes into an array with a numeric segment',
      doc: { a: [1, 2, 3] },
      updates: [{ $set: { 'a.1': 'two' } }],
      want: { a: [1, 'two', 3] },
    },
    {
      name: 'sets a field of an object inside an array',
      doc: { components: [{ name: 'arm' }, { name: 'base' }] },
      updates: [{ $set: { 'components.1.attributes.speed': 5 } }],
      want: { components: [{ name: 'arm' }, { name: 'base', attributes: { speed: 5 } }] },
    },
    {
      name: 'treats a numeric segment as a key on an object',
      doc: { a: { x: 1 } },
      updates: [{ $set: { 'a.0': 'z' } }],
      want: { a: { x: 1, 0: 'z' } },
    },
    {
      name: 'creates an object, not an array, for a numeric segment on a missing path',
      doc: {},
      updates: [{ $set: { 'a.0': 1 } }],
      want: { a: { 0: 1 } },
    },
    {
      name: 'pads with null when setting past the end of an array',
      doc: { a: [1] },
      updates: [{ $set: { 'a.3': 4 } }],
      want: { a: [1, null, null, 4] },
    },
    { name: 'appends at exactly the end without padding', doc: { a: [1] }, updates: [{ $set: { 'a.1': 2 } }], want: { a: [1, 2] } },
    {
      name: 'pads and creates an object under a new array element',
      doc: { a: [] },
      updates: [{ $set: { 'a.2.b': 1 } }],
      want: { a: [null, null, { b: 1 }] },
    },
    { name: 'replaces an object wholesale', doc: { a: { b: 1, c: 2 } }, updates: [{ $set: { a: { d: 3 } } }], want: { a: { d: 3 } } },
    { name: 'replaces a scalar with an object', doc: { a: 1 }, updates: [{ $set: { a: { b: [1] } } }], want: { a: { b: [1] } } },
    { name: 'sets null', doc: { a: 1 }, updates: [{ $set: { a: null } }], want: { a: null } },
    { name: 'treats an empty operand as a no-op', doc: { a: 1 }, updates: [{ $set: {} }], want: { a: 1 } },
    { name: 'sets several paths at once', doc: {}, updates: [{ $set: { a: 1, 'b.c': 2, 'b.d': 3 } }], want: { a: 1, b: { c: 2, d: 3 } } },
  ]);

  it('keeps an overwritten field in its place', () => {
    assert.deepEqual(Object.keys(applyUpdates({ a: 1, b: 2, c: 3 }, [{ $set: { b: 9 } }], 'mods')), ['a', 'b', 'c']);
  });
});

describe('applyUpdates $unset', () => {
  runCases([
    { name: 'removes a field', doc: { a: 1, b: 2 }, updates: [{ $unset: { a: '' } }], want: { b: 2 } },
    { name: 'removes a nested field', doc: { a: { b: 1, c: 2 } }, updates: [{ $unset: { 'a.b': 1 } }], want: { a: { c: 2 } } },
    { name: 'ignores its value', doc: { a: 1 }, updates: [{ $unset: { a: false } }], want: {} },
    { name: 'is a no-op on a missing path', doc: { a: 1 }, updates: [{ $unset: { 'x.y': '' } }], want: { a: 1 } },
    { name: 'is a no-op through a scalar', doc: { a: 5 }, updates: [{ $unset: { 'a.b': '' } }], want: { a: 5 } },
    {
      name: 'is a no-op through an array with a field name',
      doc: { a: [{ b: 1 }] },
      updates: [{ $unset: { 'a.b': '' } }],
      want: { a: [{ b: 1 }] },
    },
    {
      name: 'sets an array element to null rather than removing it',
      doc: { a: [1, 2, 3] },
      updates: [{ $unset: { 'a.1': '' } }],
      want: { a: [1, null, 3] },
    },
    { name: 'is a no-op past the end of an array', doc: { a: [1] }, updates: [{ $unset: { 'a.5': '' } }], want: { a: [1] } },
    {
      name: 'removes a field of an object inside an array',
      doc: { a: [{ b: 1, c: 2 }] },
      updates: [{ $unset: { 'a.0.b': '' } }],
      want: { a: [{ c: 2 }] },
    },
  ]);
});

describe('applyUpdates $rename', () => {
  runCases([
    { name: 'renames a top-level field', doc: { a: 1, b: 2 }, updates: [{ $rename: { a: 'c' } }], want: { b: 2, c: 1 } },
    {
      name: 'moves a field into new intermediate objects',
      doc: { a: 1 },
      updates: [{ $rename: { a: 'x.y.z' } }],
      want: { x: { y: { z: 1 } } },
    },
    {
      name: 'moves a nested field to the top level',
      doc: { a: { b: { c: 1 }, d: 2 } },
      updates: [{ $rename: { 'a.b': 'e' } }],
      want: { a: { d: 2 }, e: { c: 1 } },
    },
    { name: 'overwrites an existing target', doc: { a: 1, b: 2 }, updates: [{ $rename: { a: 'b' } }], want: { b: 1 } },
    { name: 'is a no-op when the source is missing', doc: { b: 2 }, updates: [{ $rename: { a: 'b' } }], want: { b: 2 } },
    {
      name: 'is a no-op when the source lies past the end of an array',
      doc: { a: [1] },
      updates: [{ $rename: { 'a.5': 'b' } }],
      want: { a: [1] },
    },
    { name: 'moves an array value as a whole', doc: { a: [1, { b: 2 }] }, updates: [{ $rename: { a: 'c' } }], want: { c: [1, { b: 2 }] } },
    { name: 'overwrites a target that is an array', doc: { a: 1, b: [1, 2] }, updates: [{ $rename: { a: 'b' } }], want: { b: 1 } },
    {
      name: 'reads numeric segments as keys of objects',
      doc: { a: { 0: 'x' } },
      updates: [{ $rename: { 'a.0': 'a.1' } }],
      want: { a: { 1: 'x' } },
    },
  ]);
});

describe('applyUpdates $push', () => {
  runCases([
    { name: 'appends a value', doc: { a: [1] }, updates: [{ $push: { a: 2 } }], want: { a: [1, 2] } },
    { name: 'appends an array as one element', doc: { a: [1] }, updates: [{ $push: { a: [2, 3] } }], want: { a: [1, [2, 3]] } },
    {
      name: 'appends an object without modifiers as is',
      doc: { a: [] },
      updates: [{ $push: { a: { name: 'arm' } } }],
      want: { a: [{ name: 'arm' }] },
    },
    { name: 'creates a missing field as an array', doc: {}, updates: [{ $push: { a: 1 } }], want: { a: [1] } },
    { name: 'creates a missing nested field', doc: { x: {} }, updates: [{ $push: { 'x.y.z': 'v' } }], want: { x: { y: { z: ['v'] } } } },
    {
      name: '$each appends every value in order',
      doc: { a: [1] },
      updates: [{ $push: { a: { $each: [2, 3, 4] } } }],
      want: { a: [1, 2, 3, 4] },
    },
    { name: '$each of nothing changes nothing', doc: { a: [1] }, updates: [{ $push: { a: { $each: [] } } }], want: { a: [1] } },
    { name: '$each of nothing still creates a missing array', doc: {}, updates: [{ $push: { a: { $each: [] } } }], want: { a: [] } },
    {
      name: '$position 0 prepends',
      doc: { a: [1, 2] },
      updates: [{ $push: { a: { $each: ['x', 'y'], $position: 0 } } }],
      want: { a: ['x', 'y', 1, 2] },
    },
    {
      name: '$position inserts in the middle',
      doc: { a: [1, 2, 3] },
      updates: [{ $push: { a: { $each: ['x'], $position: 2 } } }],
      want: { a: [1, 2, 'x', 3] },
    },
    {
      name: '$position past the end appends',
      doc: { a: [1, 2] },
      updates: [{ $push: { a: { $each: ['x'], $position: 10 } } }],
      want: { a: [1, 2, 'x'] },
    },
    {
      name: 'negative $position counts from the end',
      doc: { a: [1, 2, 3] },
      updates: [{ $push: { a: { $each: ['x'], $position: -1 } } }],
      want: { a: [1, 2, 'x', 3] },
    },
    {
      name: 'negative $position beyond the start prepends',
      doc: { a: [1, 2] },
      updates: [{ $push: { a: { $each: ['x'], $position: -5 } } }],
      want: { a: ['x', 1, 2] },
    },
    { name: '$slice 0 empties the array', doc: { a: [1, 2] }, updates: [{ $push: { a: { $each: [3], $slice: 0 } } }], want: { a: [] } },
    {
      name: 'positive $slice keeps the first N',
      doc: { a: [1, 2] },
      updates: [{ $push: { a: { $each: [3, 4], $slice: 3 } } }],
      want: { a: [1, 2, 3] },
    },
    {
      name: 'negative $slice keeps the last N',
      doc: { a: [1, 2] },
      updates: [{ $push: { a: { $each: [3, 4], $slice: -3 } } }],
      want: { a: [2, 3, 4] },
    },
    {
      name: '$slice longer than the array keeps it all',
      doc: { a: [1] },
      updates: [{ $push: { a: { $each: [2], $slice: 5 } } }],
      want: { a: [1, 2] },
    },
    {
      name: '$slice with an empty $each just trims',
      doc: { a: [1, 2, 3] },
      updates: [{ $push: { a: { $each: [], $slice: -1 } } }],
      want: { a: [3] },
    },
    {
      name: '$position applies before $slice',
      doc: { a: [1, 2, 3] },
      updates: [{ $push: { a: { $slice: 2, $position: 0, $each: ['x'] } } }],
      want: { a: ['x', 1] },
    },
    {
      name: '$slice applies to a newly created array',
      doc: {},
      updates: [{ $push: { a: { $each: [1, 2, 3], $slice: -2 } } }],
      want: { a: [2, 3] },
    },
    {
      name: 'pushes onto an array inside an array',
      doc: { a: [[1], [2]] },
      updates: [{ $push: { 'a.1': 3 } }],
      want: { a: [[1], [2, 3]] },
    },
  ]);
});

describe('applyUpdates $pull', () => {
  runCases([
    { name: 'removes every element equal to a scalar', doc: { a: [1, 2, 1, 3] }, updates: [{ $pull: { a: 1 } }], want: { a: [2, 3] } },
    { name: 'leaves the array alone when nothing matches', doc: { a: [1, 2] }, updates: [{ $pull: { a: 9 } }], want: { a: [1, 2] } },
    {
      name: 'matches scalars by type as well as value',
      doc: { a: [1, '1', true, null] },
      updates: [{ $pull: { a: '1' } }],
      want: { a: [1, true, null] },
    },
    { name: 'removes null elements', doc: { a: [null, 0, false] }, updates: [{ $pull: { a: null } }], want: { a: [0, false] } },
    {
      name: 'matches an array condition by deep equality, in order',
      doc: { a: [[1, 2], [2, 1], 1, [1, 2, 3]] },
      updates: [{ $pull: { a: [1, 2] } }],
      want: { a: [[2, 1], 1, [1, 2, 3]] },
    },
    {
      name: 'matches an object condition against object elements having those fields',
      doc: { c: [{ name: 'arm', type: 'motor' }, { name: 'base', type: 'motor' }, { name: 'arm' }] },
      updates: [{ $pull: { c: { name: 'arm' } } }],
      want: { c: [{ name: 'base', type: 'motor' }] },
    },
    {
      name: 'requires every field of an object condition to match',
      doc: {
        c: [
          { name: 'arm', type: 'motor' },
          { name: 'arm', type: 'camera' },
        ],
      },
      updates: [{ $pull: { c: { name: 'arm', type: 'camera' } } }],
      want: { c: [{ name: 'arm', type: 'motor' }] },
    },
    {
      name: 'never matches scalars with an object condition',
      doc: { a: ['arm', 1, null, ['arm'], { name: 'arm' }] },
      updates: [{ $pull: { a: { name: 'arm' } } }],
      want: { a: ['arm', 1, null, ['arm']] },
    },
    {
      name: 'compares an object-valued field exactly, whatever its key order',
      doc: { a: [{ at: { x: 1, y: 2 } }, { at: { x: 1, y: 2, z: 3 } }] },
      updates: [{ $pull: { a: { at: { y: 2, x: 1 } } } }],
      want: { a: [{ at: { x: 1, y: 2, z: 3 } }] },
    },
    {
      name: 'applies operators to a field of an object condition',
      doc: { a: [{ score: 3 }, { score: 8 }, { score: 'high' }, {}] },
      updates: [{ $pull: { a: { score: { $gt: 5 } } } }],
      want: { a: [{ score: 3 }, { score: 'high' }, {}] },
    },
    {
      name: 'matches a field holding an array when any of its elements matches',
      doc: { a: [{ tags: ['x', 'y'] }, { tags: ['z'] }] },
      updates: [{ $pull: { a: { tags: 'y' } } }],
      want: { a: [{ tags: ['z'] }] },
    },
    {
      name: 'follows dotted fields, through arrays, in an object condition',
      doc: { a: [{ at: { x: 1 } }, { at: { x: 2 } }, { at: [{ x: 3 }, { x: 1 }] }] },
      updates: [{ $pull: { a: { 'at.x': 1 } } }],
      want: { a: [{ at: { x: 2 } }] },
    },
    {
      name: 'treats a missing field as null in an object condition',
      doc: { a: [{ b: null }, {}, { b: 1 }] },
      updates: [{ $pull: { a: { b: null } } }],
      want: { a: [{ b: 1 }] },
    },
    {
      name: 'removes every object with an empty object condition',
      doc: { a: [{}, { b: 1 }, 1, []] },
      updates: [{ $pull: { a: {} } }],
      want: { a: [1, []] },
    },
    { name: '$gt compares numbers', doc: { a: [1, 5, 6, 10] }, updates: [{ $pull: { a: { $gt: 5 } } }], want: { a: [1, 5] } },
    { name: '$gte compares numbers', doc: { a: [1, 5, 6] }, updates: [{ $pull: { a: { $gte: 5 } } }], want: { a: [1] } },
    { name: '$lt compares numbers', doc: { a: [-1, 0, 0.5, 1] }, updates: [{ $pull: { a: { $lt: 0.5 } } }], want: { a: [0.5, 1] } },
    { name: '$lte compares numbers', doc: { a: [1, 2, 3] }, updates: [{ $pull: { a: { $lte: 2 } } }], want: { a: [3] } },
    {
      name: 'combined operators form a range',
      doc: { a: [1, 2, 3, 4, 5] },
      updates: [{ $pull: { a: { $gte: 2, $lt: 4 } } }],
      want: { a: [1, 4, 5] },
    },
    {
      name: '$lt compares strings lexicographically by code point',
      doc: { a: ['apple', 'banana', 'Cherry', 'b', '\u{1F600}', '\uFFFD'] },
      updates: [{ $pull: { a: { $lt: 'b' } } }],
      want: { a: ['banana', 'b', '\u{1F600}', '\uFFFD'] },
    },
    {
      name: 'sorts characters above U+FFFF after the rest of the BMP',
      doc: { a: ['\u{1F600}', '\uFFFD', 'z'] },
      updates: [{ $pull: { a: { $gt: '\uFFFD' } } }],
      want: { a: ['\uFFFD', 'z'] },
    },
    {
      name: 'never matches values of another type with an ordering operator',
      doc: { a: [5, '6', true, null, [], {}] },
      updates: [{ $pull: { a: { $gt: 1 } } }],
      want: { a: ['6', true, null, [], {}] },
    },
    {
      name: 'matches an array element when any of its items passes an operator',
      doc: { a: [[1, 9], [1, 2], 9] },
      updates: [{ $pull: { a: { $gt: 5 } } }],
      want: { a: [[1, 2]] },
    },
    {
      name: '$eq matches by deep equality',
      doc: { a: [{ b: 1 }, { b: 2 }] },
      updates: [{ $pull: { a: { $eq: { b: 1 } } } }],
      want: { a: [{ b: 2 }] },
    },
    { name: '$ne removes what differs', doc: { a: [1, 2, 'x'] }, updates: [{ $pull: { a: { $ne: 2 } } }], want: { a: [2] } },
    {
      name: '$in removes any listed value',
      doc: { a: [1, 2, 3, 'x', [1], { b: 1 }] },
      updates: [{ $pull: { a: { $in: [2, 'x', [1], { b: 1 }] } } }],
      want: { a: [1, 3] },
    },
    {
      name: '$nin keeps only listed values',
      doc: { a: [1, 2, 3, 'x'] },
      updates: [{ $pull: { a: { $nin: [1, 'x'] } } }],
      want: { a: [1, 'x'] },
    },
    { name: 'is a no-op on a missing field', doc: { b: 1 }, updates: [{ $pull: { a: 1 } }], want: { b: 1 } },
    { name: 'is a no-op on a missing nested field', doc: { b: {} }, updates: [{ $pull: { 'b.c.d': 1 } }], want: { b: {} } },
    { name: 'pulls from an array inside an array', doc: { a: [[1, 2], [1]] }, updates: [{ $pull: { 'a.0': 1 } }], want: { a: [[2], [1]] } },
  ]);
});

describe('applyUpdates $inc', () => {
  runCases([
    { name: 'adds to a number', doc: { a: 1 }, updates: [{ $inc: { a: 2 } }], want: { a: 3 } },
    { name: 'adds negative and fractional amounts', doc: { a: 1, b: 1 }, updates: [{ $inc: { a: -3, b: 0.5 } }], want: { a: -2, b: 1.5 } },
    { name: 'sets a missing field to the amount', doc: {}, updates: [{ $inc: { a: 5 } }], want: { a: 5 } },
    { name: 'creates a missing nested field', doc: {}, updates: [{ $inc: { 'a.b': -1 } }], want: { a: { b: -1 } } },
    { name: 'increments an array element', doc: { a: [1, 2] }, updates: [{ $inc: { 'a.1': 10 } }], want: { a: [1, 12] } },
    { name: 'pads an array to create an element', doc: { a: [1] }, updates: [{ $inc: { 'a.2': 1 } }], want: { a: [1, null, 1] } },
  ]);
});

describe('applyUpdates sequences and conflicts', () => {
  runCases([
    { name: 'applies no updates as a plain copy', doc: { a: { b: 1 } }, updates: [], want: { a: { b: 1 } } },
    {
      name: 'applies different operators on unrelated paths in one document',
      doc: { a: 1, list: [1, 2], n: 1 },
      updates: [{ $set: { b: 2 }, $unset: { a: '' }, $push: { list: 3 }, $inc: { n: 1 }, $rename: { x: 'y' } }],
      want: { list: [1, 2, 3], n: 2, b: 2 },
    },
    {
      name: 'does not count a shared string prefix as a conflict',
      doc: {},
      updates: [{ $set: { a: 1, ab: 2, 'a_b.c': 3 } }],
      want: { a: 1, ab: 2, a_b: { c: 3 } },
    },
    {
      name: 'lets later documents see earlier ones: set then inc',
      doc: {},
      updates: [{ $set: { n: 1 } }, { $inc: { n: 1 } }],
      want: { n: 2 },
    },
    {
      name: 'lets later documents see earlier ones: push then pull',
      doc: { a: [1] },
      updates: [{ $push: { a: 2 } }, { $pull: { a: 1 } }],
      want: { a: [2] },
    },
    {
      name: 'lets a later document reuse a renamed field',
      doc: { a: 1 },
      updates: [{ $rename: { a: 'b' } }, { $set: { a: 'new' } }, { $set: { 'b2.c': 1 } }, { $rename: { b2: 'b3' } }],
      want: { b: 1, a: 'new', b3: { c: 1 } },
    },
    {
      name: 'lets a later document set through an object an earlier one created',
      doc: { a: 1 },
      updates: [{ $set: { a: {} } }, { $set: { 'a.b': 2 } }, { $unset: { 'a.b': '' } }],
      want: { a: {} },
    },
  ]);

  runFailures([
    {
      name: 'rejects the same path under two operators',
      updates: [{ $set: { a: 1 }, $inc: { a: 1 } }],
      kind: 'failed_precondition',
      message: [/^mods\[0\]: /, /Updating the path 'a' would create a conflict at 'a'/],
    },
    {
      name: 'rejects a path inside an earlier one',
      updates: [{ $set: { a: {} }, $unset: { 'a.b': '' } }],
      kind: 'failed_precondition',
      message: [/Updating the path 'a\.b' would create a conflict at 'a'/],
    },
    {
      name: 'rejects a path containing an earlier one',
      updates: [{ $set: { 'a.b.c': 1 }, $push: { 'a.b': 1 } }],
      kind: 'failed_precondition',
      message: [/Updating the path 'a\.b' would create a conflict at 'a\.b'/],
    },
    {
      name: 'counts an array index as a path segment',
      updates: [{ $set: { 'a.0': 1 }, $pull: { a: 1 } }],
      kind: 'failed_precondition',
      message: [/Updating the path 'a' would create a conflict at 'a'/],
    },
    {
      name: 'counts a $rename target',
      updates: [{ $rename: { x: 'a.b' }, $set: { a: 1 } }],
      kind: 'failed_precondition',
      message: [/Updating the path 'a' would create a conflict at 'a'/],
    },
    {
      name: 'counts a $rename source',
      updates: [{ $unset: { 'x.y': '' }, $rename: { x: 'z' } }],
      kind: 'failed_precondition',
      message: [/Updating the path 'x' would create a conflict at 'x'/],
    },
    {
      name: 'names the document a conflict is in',
      updates: [{ $set: { a: 1 } }, { $set: { b: 1, 'b.c': 2 } }],
      kind: 'failed_precondition',
      message: [/^mods\[1\]: /, /Updating the path 'b\.c' would create a conflict at 'b'/],
    },
  ]);
});

describe('applyUpdates errors from the document', () => {
  runFailures([
    {
      name: '$inc on a string',
      doc: { a: { b: 'x' } },
      updates: [{ $inc: { 'a.b': 1 } }],
      kind: 'failed_precondition',
      message: [/^mods\[0\]: /, /\$inc/, /'a\.b'/, /non-numeric/, /string/],
    },
    { name: '$inc on null', doc: { a: null }, updates: [{ $inc: { a: 1 } }], kind: 'failed_precondition', message: [/'a'/, /null/] },
    {
      name: '$inc that overflows',
      doc: { a: Number.MAX_VALUE },
      updates: [{ $inc: { a: Number.MAX_VALUE } }],
      kind: 'failed_precondition',
      message: [/'a'/, /finite/],
    },
    {
      name: '$push onto a string',
      doc: { a: 'x' },
      updates: [{ $push: { a: 1 } }],
      kind: 'failed_precondition',
      message: [/The field 'a' must be an array but is of type string/],
    },
    {
      name: '$push onto an object',
      doc: { a: { b: [] } },
      updates: [{ $push: { a: 1 } }],
      kind: 'failed_precondition',
      message: [/'a' must be an array but is of type object/],
    },
    {
      name: '$push onto null',
      doc: { a: null },
      updates: [{ $push: { a: 1 } }],
      kind: 'failed_precondition',
      message: [/'a'/, /type null/],
    },
    {
      name: '$pull from a non-array',
      doc: { a: { b: 1 } },
      updates: [{ $pull: { 'a.b': 1 } }],
      kind: 'failed_precondition',
      message: [/Cannot apply \$pull to a non-array value/, /'a\.b'/, /number/],
    },
    {
      name: '$pull through a scalar',
      doc: { a: 1 },
      updates: [{ $pull: { 'a.b': 1 } }],
      kind: 'failed_precondition',
      message: [/\$pull of 'a\.b'/, /Cannot use the part 'b' to traverse the element 'a' of type number/],
    },
    {
      name: '$set through a scalar',
      doc: { a: { b: 5 } },
      updates: [{ $set: { 'a.b.c': 1 } }],
      kind: 'failed_precondition',
      message: [/^mods\[0\]: \$set of 'a\.b\.c'/, /Cannot create field 'c' in element 'a\.b' of type number/],
    },
    {
      name: '$set through null',
      doc: { a: null },
      updates: [{ $set: { 'a.b': 1 } }],
      kind: 'failed_precondition',
      message: [/Cannot create field 'b' in element 'a' of type null/],
    },
    {
      name: '$set with a field name into an array',
      doc: { a: [{ b: 1 }] },
      updates: [{ $set: { 'a.b': 1 } }],
      kind: 'failed_precondition',
      message: [/'a\.b'/, /Cannot create field 'b' in element 'a' of type array/],
    },
    {
      name: '$inc through a string',
      doc: { a: 'x' },
      updates: [{ $inc: { 'a.b': 1 } }],
      kind: 'failed_precondition',
      message: [/\$inc of 'a\.b'/, /Cannot create field 'b'/],
    },
    {
      name: '$push through a boolean',
      doc: { a: true },
      updates: [{ $push: { 'a.b': 1 } }],
      kind: 'failed_precondition',
      message: [/\$push of 'a\.b'/, /type boolean/],
    },
    {
      name: 'an index too far past the end of an array',
      doc: { a: [] },
      updates: [{ $set: { 'a.2000000': 1 } }],
      kind: 'failed_precondition',
      message: [/'a\.2000000'/, /backfill/, /1500000/],
    },
    {
      name: 'padding beyond the allowance shared by all updates',
      doc: { a: [], b: [] },
      updates: [{ $set: { 'a.1000000': 1 } }, { $set: { 'b.1000000': 1 } }],
      kind: 'failed_precondition',
      message: [/^mods\[1\]: /, /'b\.1000000'/, /backfill/],
    },
    {
      name: '$rename of an array element',
      doc: { a: [1, 2] },
      updates: [{ $rename: { 'a.0': 'b' } }],
      kind: 'failed_precondition',
      message: [/\$rename of 'a\.0'/, /The source field cannot be an array element/, /'a' is an array/],
    },
    {
      name: '$rename of a field inside an array element',
      doc: { a: [{ b: 1 }] },
      updates: [{ $rename: { 'a.0.b': 'c' } }],
      kind: 'failed_precondition',
      message: [/'a\.0\.b'/, /source field cannot be an array element/],
    },
    {
      name: '$rename from a path through a scalar',
      doc: { a: 1 },
      updates: [{ $rename: { 'a.b': 'c' } }],
      kind: 'failed_precondition',
      message: [/\$rename of 'a\.b'/, /Cannot use the part 'b' to traverse the element 'a'/],
    },
    {
      name: '$rename into an array element',
      doc: { a: 1, b: [{}] },
      updates: [{ $rename: { a: 'b.0.c' } }],
      kind: 'failed_precondition',
      message: [/\$rename to 'b\.0\.c'/, /The destination field cannot be an array element/, /'b' is an array/],
    },
    {
      name: '$rename onto an existing array element',
      doc: { a: 1, b: [0] },
      updates: [{ $rename: { a: 'b.0' } }],
      kind: 'failed_precondition',
      message: [/'b\.0'/, /destination field cannot be an array element/],
    },
    {
      name: '$rename to a path through a scalar',
      doc: { a: 1, b: 'x' },
      updates: [{ $rename: { a: 'b.c' } }],
      kind: 'failed_precondition',
      message: [/\$rename of 'b\.c'/, /Cannot create field 'c' in element 'b' of type string/],
    },
  ]);
});

describe('parseUpdateDocument', () => {
  it('returns a valid document unchanged', () => {
    const update: JsonObject = {
      $set: { 'a.b': { c: [1] } },
      $unset: { d: '' },
      $rename: { e: 'f.g' },
      $push: { h: { $each: [1], $position: -1, $slice: 3 } },
      $pull: { i: { $in: [1, 2] }, j: { name: 'arm', score: { $gte: 1 } } },
      $inc: { k: 1.5 },
    };
    assert.equal(parseUpdateDocument(update, 'mods[0]'), update);
  });

  it('exports the operators it supports', () => {
    assert.deepEqual([...SUPPORTED_OPERATORS], ['$set', '$unset', '$rename', '$push', '$pull', '$inc']);
  });

  const rejections: { name: string; value: JsonValue; message: RegExp[] }[] = [
    { name: 'a list', value: [{ $set: { a: 1 } }], message: [/^fragment_mods\[0\]\.mods\[1\] must be an update document/, /array/] },
    { name: 'a string', value: '$set', message: [/must be an update document/, /string/] },
    { name: 'null', value: null, message: [/must be an update document/, /null/] },
    { name: 'an empty document', value: {}, message: [/empty update document/, /\$set/] },
    ...['$min', '$max', '$addToSet', '$currentDate', '$pop', '$mul', '$pullAll', '$setOnInsert', '$bit'].map((op) => ({
      name: `the unsupported operator ${op}`,
      value: { [op]: { a: 1 } },
      message: [new RegExp(`update operator '\\${op}' is not supported`), /\$set, \$unset, \$rename, \$push, \$pull, \$inc/],
    })),
    { name: 'a replacement document', value: { name: 'x' }, message: [/'name' is not an update operator/] },
    { name: 'a replacement field beside an operator', value: { $set: { a: 1 }, name: 'x' }, message: [/'name' is not an update operator/] },
    {
      name: 'an operator that does not map to an object',
      value: { $set: 5 },
      message: [/fragment_mods\[0\]\.mods\[1\]\.\$set must be an object of paths/, /number/],
    },
    { name: 'an operator that maps to a list', value: { $unset: ['a'] }, message: [/\$unset must be an object of paths, got array/] },
    { name: 'an empty path', value: { $set: { '': 1 } }, message: [/\$set has an empty path/] },
    { name: 'an empty segment', value: { $unset: { 'a..b': 1 } }, message: [/path 'a\.\.b' contains an empty field name/] },
    { name: 'a trailing dot', value: { $set: { 'a.': 1 } }, message: [/path 'a\.' contains an empty field name/] },
    { name: 'a positional operator', value: { $set: { 'a.$.b': 1 } }, message: [/path 'a\.\$\.b' contains '\$'/, /positional/] },
    { name: 'an all-positional operator', value: { $inc: { 'a.$[].b': 1 } }, message: [/'\$\[\]'/] },
    { name: 'a non-numeric $inc', value: { $inc: { a: '1' } }, message: [/Cannot increment 'a' with a non-numeric argument/, /string/] },
    { name: 'a $rename to a non-string', value: { $rename: { a: 1 } }, message: [/The 'to' field for \$rename must be a string: 'a'/] },
    {
      name: 'a $rename onto itself',
      value: { $rename: { 'a.b': 'a.b' } },
      message: [/source and target field for \$rename must differ: 'a\.b'/],
    },
    { name: 'a $rename into itself', value: { $rename: { a: 'a.b' } }, message: [/must not be on the same path: 'a' and 'a\.b'/] },
    { name: 'a $rename out of itself', value: { $rename: { 'a.b': 'a' } }, message: [/must not be on the same path: 'a\.b' and 'a'/] },
    {
      name: 'a $rename to a bad path',
      value: { $rename: { a: 'b..c' } },
      message: [/\$rename path 'b\.\.c' contains an empty field name/],
    },
    {
      name: 'a non-array $each',
      value: { $push: { a: { $each: 1 } } },
      message: [/argument to \$each in \$push to 'a' must be an array/, /number/],
    },
    {
      name: 'a fractional $position',
      value: { $push: { a: { $each: [], $position: 1.5 } } },
      message: [/\$position in \$push to 'a' must be an integer, got 1\.5/],
    },
    {
      name: 'a string $slice',
      value: { $push: { a: { $each: [], $slice: '2' } } },
      message: [/\$slice in \$push to 'a' must be an integer, got string/],
    },
    { name: 'a $sort modifier', value: { $push: { a: { $each: [], $sort: 1 } } }, message: [/'a' uses \$sort, which is not supported/] },
    {
      name: 'an unknown $push clause',
      value: { $push: { a: { $each: [], $at: 1 } } },
      message: [/Unrecognized clause in \$push to 'a': '\$at'/],
    },
    { name: '$slice without $each', value: { $push: { a: { $slice: 2 } } }, message: [/\$push to 'a' uses \$slice without \$each/] },
    {
      name: 'an unsupported $pull operator',
      value: { $pull: { a: { $elemMatch: { b: 1 } } } },
      message: [/\$pull from 'a'/, /'\$elemMatch' is not supported/],
    },
    {
      name: 'an unsupported operator on a $pull field',
      value: { $pull: { a: { b: { $regex: 'x' } } } },
      message: [/'\$regex' is not supported/],
    },
    {
      name: 'a $pull condition mixing fields and operators',
      value: { $pull: { a: { $gt: 1, b: 2 } } },
      message: [/mixes the field 'b' with operators/],
    },
    { name: 'a non-array $in', value: { $pull: { a: { $in: 1 } } }, message: [/\$in needs an array, got number/] },
    { name: 'a non-array $nin on a field', value: { $pull: { a: { b: { $nin: 'x' } } } }, message: [/\$nin needs an array, got string/] },
  ];
  for (const r of rejections) {
    it(`rejects ${r.name}`, () => {
      assertDomainError(() => parseUpdateDocument(r.value, 'fragment_mods[0].mods[1]'), 'invalid', [
        /^fragment_mods\[0\]\.mods\[1\]/,
        ...r.message,
      ]);
    });
  }

  it('quotes only the start of a long name', () => {
    assertDomainError(() => parseUpdateDocument({ [`$${'x'.repeat(10_000)}`]: {} }, 'm'), 'invalid', [/not supported/]);
    try {
      parseUpdateDocument({ [`$${'x'.repeat(10_000)}`]: {} }, 'm');
    } catch (err) {
      assert.ok(err instanceof Error && err.message.length < 400, 'the message stays short');
    }
  });
});

describe('applyUpdates validation', () => {
  runFailures([
    {
      name: 'rejects an unsupported operator by name, naming its document',
      updates: [{ $set: { a: 1 } }, { $min: { a: 0 } }],
      kind: 'invalid',
      message: [/^mods\[1\]: update operator '\$min' is not supported/],
    },
    {
      name: 'rejects a malformed operand',
      updates: [{ $inc: { a: 'x' } }],
      kind: 'invalid',
      message: [/^mods\[0\]: Cannot increment 'a'/],
    },
    { name: 'rejects an empty update document', updates: [{}], kind: 'invalid', message: [/^mods\[0\] is an empty update document/] },
  ]);
});

describe('applyUpdates immutability', () => {
  it('mutates neither the document nor the updates', () => {
    const doc = deepFreeze<JsonObject>({ a: { b: [1, 2, { c: 3 }] }, n: 1, s: 'x' });
    const updates = deepFreeze<JsonObject[]>([
      { $set: { 'a.b.2.c': 4, 'a.d': { e: [1] } }, $inc: { n: 1 }, $unset: { s: '' } },
      { $push: { 'a.b': { $each: [{ f: 1 }], $position: 0 } }, $rename: { 'a.d': 'g' } },
      { $pull: { 'a.b': { $in: [1] } } },
    ]);
    const before = JSON.stringify([doc, updates]);
    const result = applyUpdates(doc, updates, 'mods');
    assert.deepEqual(result, { a: { b: [{ f: 1 }, 2, { c: 4 }] }, n: 2, g: { e: [1] } });
    assert.equal(JSON.stringify([doc, updates]), before);
  });

  it('returns objects shared with neither the document nor the updates', () => {
    const doc: JsonObject = { a: { b: [1] }, keep: { x: 1 } };
    const value: JsonObject = { deep: [{ y: 1 }] };
    const pushed: JsonObject = { z: 1 };
    const result = applyUpdates(doc, [{ $set: { v: value }, $push: { 'a.b': pushed } }], 'mods');
    assert.notEqual(result, doc);
    assert.notEqual(result.keep, doc.keep);
    assert.notEqual(result.v, value);
    const resultValue = result.v as JsonObject;
    assert.notEqual(resultValue.deep, value.deep);
    const list = (result.a as JsonObject).b as JsonValue[];
    assert.notEqual(list[1], pushed);
    (result.keep as JsonObject).x = 2;
    (resultValue.deep as JsonObject[])[0]!.y = 2;
    assert.deepEqual(doc, { a: { b: [1] }, keep: { x: 1 } });
    assert.deepEqual(value, { deep: [{ y: 1 }] });
  });

  it('copies a value set by two documents separately', () => {
    const shared: JsonObject = { x: 1 };
    const result = applyUpdates({}, [{ $set: { a: shared } }, { $set: { b: shared } }], 'mods');
    assert.notEqual(result.a, result.b);
  });

  it('leaves the document untouched when a later update fails', () => {
    const doc: JsonObject = { a: 1, b: 'x' };
    assert.throws(() => applyUpdates(doc, [{ $set: { a: 2 } }, { $inc: { b: 1 } }], 'mods'));
    assert.deepEqual(doc, { a: 1, b: 'x' });
  });
});

describe('applyUpdates hostile and deep input', () => {
  it('stores __proto__ segments as data without touching any prototype', () => {
    const result = applyUpdates({}, [{ $set: { '__proto__.polluted': 1, 'x.__proto__': 2 } }], 'mods');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.deepEqual(Object.keys(result), ['__proto__', 'x']);
    assert.deepEqual(JSON.parse(JSON.stringify(result)), JSON.parse('{"__proto__": {"polluted": 1}, "x": {"__proto__": 2}}'));
  });

  it('copies an own __proto__ key of the document as data', () => {
    const doc = JSON.parse('{"__proto__": {"a": 1}}') as JsonObject;
    const result = applyUpdates(doc, [{ $inc: { '__proto__.a': 1 } }], 'mods');
    assert.equal(JSON.stringify(result), '{"__proto__":{"a":2}}');
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
  });

  it('does not read inherited properties as fields', () => {
    const result = applyUpdates({}, [{ $push: { constructor: 1 }, $inc: { toString: 1 } }, { $unset: { hasOwnProperty: '' } }], 'mods');
    assert.deepEqual(result, { constructor: [1], toString: 1 });
  });

  it('updates a field 150 levels down', () => {
    const path = Array.from({ length: 150 }, () => 'k').join('.');
    const result = applyUpdates(nested(150, 1), [{ $inc: { [path]: 1 } }], 'mods');
    assert.deepEqual(result, nested(150, 2));
  });

  it('copies and compares values nested far deeper than any config, without recursion', () => {
    const deep = nested(20_000, [1]);
    const result = applyUpdates({ list: [deep, 1] }, [{ $set: { copy: deep } }, { $pull: { list: deep } }], 'mods');
    assert.deepEqual(result.list, [1]);
    let level: JsonValue | undefined = result.copy;
    let depth = 0;
    while (level !== null && typeof level === 'object' && !Array.isArray(level)) {
      level = level.k;
      depth++;
    }
    assert.equal(depth, 20_000);
  });

  it('pulls from a long list with a long $in in linear time', () => {
    const list = Array.from({ length: 50_000 }, (_, i) => i);
    const result = applyUpdates({ list }, [{ $pull: { list: { $in: list.filter((i) => i % 2 === 0) } } }], 'mods');
    assert.equal((result.list as JsonValue[]).length, 25_000);
  });

  it('pushes a long $each', () => {
    const each = Array.from({ length: 200_000 }, (_, i) => i);
    const result = applyUpdates({ list: [-1] }, [{ $push: { list: { $each: each, $position: 0 } } }], 'mods');
    const list = result.list as JsonValue[];
    assert.equal(list.length, 200_001);
    assert.equal(list.at(-1), -1);
  });
});
