import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError, type ErrorKind } from '../errors.js';
import type { JsonObject, JsonValue } from '../machines.js';
import {
  effectiveConfig,
  parseFragmentMods,
  parseFragmentRefs,
  referencedFragmentIds,
  type FragmentLookup,
  type FragmentRef,
  type FragmentSource,
  type ResolvedFragment,
} from './effective-config.js';

const uuid = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

// One fragment id per letter, so messages in assertions read like the configs.
const A = uuid(0xa);
const B = uuid(0xb);
const C = uuid(0xc);
const D = uuid(0xd);
const E = uuid(0xe);
const X = uuid(0xf);
const ID_BY_NAME: Record<string, string> = { a: A, b: B, c: C, d: D, e: E, x: X };

function fragment(name: string, config: JsonObject, revision = 1): FragmentSource {
  const id = ID_BY_NAME[name] ?? uuid(0x100 + name.length);
  return deepFreeze({ id, name, revision, config });
}

interface Library {
  readonly lookup: FragmentLookup;
  readonly calls: FragmentRef[];
}

/** Serves the given fragment revisions; the highest revision of an id is its current one. */
function library(fragments: readonly FragmentSource[]): Library {
  const calls: FragmentRef[] = [];
  const lookup: FragmentLookup = (ref) => {
    calls.push(ref);
    const revisions = fragments.filter((f) => f.id === ref.id);
    if (ref.version !== undefined) return revisions.find((f) => f.revision === ref.version);
    return revisions.reduce<FragmentSource | undefined>(
      (best, f) => (best === undefined || f.revision > best.revision ? f : best),
      undefined,
    );
  };
  return { lookup, calls };
}

function resolve(part: JsonObject, fragments: readonly FragmentSource[], maxFragmentDepth = 10) {
  return effectiveConfig(deepFreeze(part), library(fragments).lookup, { maxFragmentDepth });
}

interface Case {
  readonly name: string;
  readonly part: JsonObject;
  readonly fragments?: readonly FragmentSource[];
  readonly want: JsonObject;
}

interface Failure {
  readonly name: string;
  readonly part: JsonObject;
  readonly fragments?: readonly FragmentSource[];
  readonly maxDepth?: number;
  readonly kind: ErrorKind;
  /** Every string must appear in the message: the field, the fragments, the key. */
  readonly message: readonly string[];
  /** Config values that must never reach a message. */
  readonly secret?: string;
}

function runCases(cases: readonly Case[]): void {
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(resolve(c.part, c.fragments ?? []).config, c.want);
    });
  }
}

function runFailures(failures: readonly Failure[]): void {
  for (const f of failures) {
    it(f.name, () => {
      assertDomainError(() => resolve(f.part, f.fragments ?? [], f.maxDepth), f.kind, f.message, f.secret);
    });
  }
}

function assertDomainError(run: () => unknown, kind: ErrorKind, parts: readonly string[], secret?: string): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(isDomainError(err), `expected a DomainError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    for (const part of parts) assert.ok(err.message.includes(part), `${JSON.stringify(part)} not in: ${err.message}`);
    if (secret !== undefined) assert.ok(!err.message.includes(secret), `config value in: ${err.message}`);
    return true;
  });
}

function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
    if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
      Object.freeze(v);
      stack.push(...Object.values(v));
    }
  }
  return value;
}

const comp = (name: string, extra: JsonObject = {}): JsonObject => ({ name, model: 'fake', ...extra });
const uses = (...ids: string[]): JsonObject => ({ fragments: ids });
const modsFor = (fragmentId: string, ...mods: JsonObject[]): JsonObject => ({ fragment_id: fragmentId, mods });
const tag = (name: string): string => `"${name}" (${ID_BY_NAME[name] ?? ''})`;
const label = (name: string): string => `fragment ${tag(name)}`;
const names = (config: JsonObject, key = 'components'): JsonValue[] =>
  (config[key] as JsonObject[]).map((entry) => entry.name ?? entry.id ?? null);

// ---------------------------------------------------------------------------------------------------------

describe('parseFragmentRefs', () => {
  const cases: { name: string; config: JsonObject; want: FragmentRef[] }[] = [
    { name: 'reads an absent list as none', config: {}, want: [] },
    { name: 'reads null as none', config: { fragments: null }, want: [] },
    { name: 'reads fragment id strings', config: { fragments: [A, B] }, want: [{ id: A }, { id: B }] },
    { name: 'lowercases ids', config: { fragments: [A.toUpperCase()] }, want: [{ id: A }] },
    { name: 'reads an object without a version as the current revision', config: { fragments: [{ id: A }] }, want: [{ id: A }] },
    { name: 'reads a numeric version', config: { fragments: [{ id: A, version: 3 }] }, want: [{ id: A, version: 3 }] },
    { name: 'reads a decimal string version', config: { fragments: [{ id: A, version: '12' }] }, want: [{ id: A, version: 12 }] },
    { name: 'reads a null version as absent', config: { fragments: [{ id: A, version: null }] }, want: [{ id: A }] },
    { name: 'ignores other keys of an entry', config: { fragments: [{ id: A, note: 'x' }] }, want: [{ id: A }] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(parseFragmentRefs(c.config), c.want);
    });
  }

  it('leaves version out entirely when absent', () => {
    const [ref] = parseFragmentRefs({ fragments: [{ id: A }] });
    assert.ok(ref !== undefined && !Object.hasOwn(ref, 'version'));
  });

  const failures: { name: string; fragments: JsonValue; message: string }[] = [
    { name: 'a value that is not a list', fragments: { id: A }, message: 'robot_config.fragments must be a list, got an object' },
    {
      name: 'an entry that is neither an id nor an object',
      fragments: [A, 7],
      message: 'robot_config.fragments[1] must be a fragment id or an object',
    },
    { name: 'an id that is not a UUID', fragments: ['secret-value'], message: 'robot_config.fragments[0] must be a fragment id (a UUID)' },
    { name: 'an object without an id', fragments: [{ version: 1 }], message: 'robot_config.fragments[0].id is required' },
    {
      name: 'an object whose id is not a string',
      fragments: [{ id: 5 }],
      message: 'robot_config.fragments[0].id must be a fragment id (a UUID), got number',
    },
    {
      name: 'an object whose id is not a UUID',
      fragments: [{ id: 'secret-value' }],
      message: 'robot_config.fragments[0].id must be a fragment id',
    },
    { name: 'version 0', fragments: [{ id: A, version: 0 }], message: 'robot_config.fragments[0].version must be a revision' },
    { name: 'a negative version', fragments: [{ id: A, version: -2 }], message: 'fragments[0].version must be a revision' },
    { name: 'a fractional version', fragments: [{ id: A, version: 1.5 }], message: 'fragments[0].version must be a revision' },
    { name: 'a version with a leading zero', fragments: [{ id: A, version: '01' }], message: 'got string' },
    { name: 'a version that is not a number', fragments: [{ id: A, version: 'latest' }], message: 'got string' },
    { name: 'an empty version string', fragments: [{ id: A, version: '' }], message: 'fragments[0].version' },
    { name: 'a boolean version', fragments: [{ id: A, version: true }], message: 'got boolean' },
    { name: 'a version beyond safe integers', fragments: [{ id: A, version: '90071992547409930' }], message: 'fragments[0].version' },
  ];
  for (const f of failures) {
    it(`rejects ${f.name}`, () => {
      assertDomainError(() => parseFragmentRefs({ fragments: f.fragments }), 'invalid', [f.message], 'secret-value');
    });
  }

  it('names the given field', () => {
    assertDomainError(() => parseFragmentRefs({ fragments: [1] }, 'config.fragments'), 'invalid', ['config.fragments[0]']);
  });
});

describe('parseFragmentMods', () => {
  it('reads an absent or null list as none', () => {
    assert.deepEqual(parseFragmentMods({}), []);
    assert.deepEqual(parseFragmentMods({ fragment_mods: null }), []);
  });

  it('reads entries, lowercasing ids and keeping mods in order', () => {
    const mods = [{ $set: { 'components.arm.attributes.speed': 5 } }, { $unset: { 'services.nav': '' } }];
    assert.deepEqual(parseFragmentMods({ fragment_mods: [{ fragment_id: A.toUpperCase(), mods }] }), [{ fragmentId: A, mods }]);
  });

  const failures: { name: string; mods: JsonValue; kind?: ErrorKind; message: string }[] = [
    { name: 'a value that is not a list', mods: {}, message: 'robot_config.fragment_mods must be a list' },
    { name: 'an entry that is not an object', mods: [A], message: 'robot_config.fragment_mods[0] must be an object' },
    { name: 'an entry without fragment_id', mods: [{ mods: [] }], message: 'robot_config.fragment_mods[0].fragment_id is required' },
    {
      name: 'a fragment_id that is not a UUID',
      mods: [{ fragment_id: 'nope', mods: [] }],
      message: 'fragment_mods[0].fragment_id must be a fragment id',
    },
    {
      name: 'a fragment_id that is not a string',
      mods: [{ fragment_id: 1, mods: [] }],
      message: 'fragment_id must be a fragment id (a UUID), got number',
    },
    {
      name: 'an entry without mods',
      mods: [{ fragment_id: A }],
      message: 'robot_config.fragment_mods[0].mods must be a list of update documents, got nothing',
    },
    { name: 'mods that are not a list', mods: [{ fragment_id: A, mods: {} }], message: 'fragment_mods[0].mods must be a list' },
    {
      name: 'an unsupported update operator',
      mods: [modsFor(A, { $set: { a: 1 } }, { $addToSet: { a: 1 } })],
      message: 'robot_config.fragment_mods[0].mods[1]: update operator',
    },
    {
      name: 'an empty update document',
      mods: [{ fragment_id: A, mods: [{}] }],
      message: 'fragment_mods[0].mods[0] is an empty update document',
    },
  ];
  for (const f of failures) {
    it(`rejects ${f.name}`, () => {
      assertDomainError(() => parseFragmentMods({ fragment_mods: f.mods }), 'invalid', [f.message]);
    });
  }
});

describe('referencedFragmentIds', () => {
  it('lists the ids a config references directly, each once, in order', () => {
    assert.deepEqual(referencedFragmentIds({ fragments: [B, { id: A, version: 2 }, B.toUpperCase(), { id: A }] }), [B, A]);
  });

  it('skips malformed entries rather than throwing', () => {
    assert.deepEqual(referencedFragmentIds({ fragments: [1, 'nope', { id: 3 }, null, C] }), [C]);
    assert.deepEqual(referencedFragmentIds({ fragments: 'nope' }), []);
    assert.deepEqual(referencedFragmentIds({}), []);
  });

  it('ignores fragment ids that only fragment_mods mention', () => {
    assert.deepEqual(referencedFragmentIds({ fragment_mods: [modsFor(A, { $set: { x: 1 } })] }), []);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('effectiveConfig without fragments', () => {
  it('is the part config without fragments and fragment_mods', () => {
    const part = { components: [comp('arm')], debug: true, fragments: [], fragment_mods: [] };
    const result = resolve(part, []);
    assert.deepEqual(result.config, { components: [comp('arm')], debug: true });
    assert.deepEqual(result.fragments, []);
  });
});

describe('effectiveConfig named lists (rules 1 and 4)', () => {
  runCases([
    {
      name: "appends fragments' entries after the part's own, in reference order",
      part: { components: [comp('own')], ...uses(A, B) },
      fragments: [fragment('a', { components: [comp('a1'), comp('a2')] }), fragment('b', { components: [comp('b1')] })],
      want: { components: [comp('own'), comp('a1'), comp('a2'), comp('b1')] },
    },
    {
      name: "lets the part's own entry win over a fragment's",
      part: { components: [comp('arm', { model: 'mine' })], ...uses(A) },
      fragments: [fragment('a', { components: [comp('arm', { model: 'theirs' }), comp('base')] })],
      want: { components: [comp('arm', { model: 'mine' }), comp('base')] },
    },
    {
      name: 'keeps one copy of deep-equal entries from two fragments, whatever their key order',
      part: uses(A, B),
      fragments: [
        fragment('a', { components: [{ name: 'arm', model: 'm', attributes: { x: 1, y: 2 } }] }),
        fragment('b', { components: [{ attributes: { y: 2, x: 1 }, model: 'm', name: 'arm' }] }),
      ],
      want: { components: [{ name: 'arm', model: 'm', attributes: { x: 1, y: 2 } }] },
    },
    {
      name: 'keys processes by id',
      part: { processes: [{ id: 'p', name: 'mine' }], ...uses(A) },
      fragments: [
        fragment('a', {
          processes: [
            { id: 'p', name: 'theirs' },
            { id: 'q', name: 'same-name' },
            { id: 'r', name: 'same-name' },
          ],
        }),
      ],
      want: {
        processes: [
          { id: 'p', name: 'mine' },
          { id: 'q', name: 'same-name' },
          { id: 'r', name: 'same-name' },
        ],
      },
    },
    ...['services', 'remotes', 'modules', 'packages', 'jobs'].map((key): Case => ({
      name: `keys ${key} by name`,
      part: { [key]: [{ name: 'x', v: 'part' }], ...uses(A) },
      fragments: [fragment('a', { [key]: [{ name: 'x', v: 'fragment' }, { name: 'y' }] })],
      want: { [key]: [{ name: 'x', v: 'part' }, { name: 'y' }] },
    })),
    {
      name: 'leaves entries without a name and names shared within one config as they are',
      part: { components: [{ model: 'nameless' }, comp('dup', { v: 1 }), comp('dup', { v: 2 })], ...uses(A) },
      fragments: [
        fragment('a', { components: [{ model: 'also-nameless' }, comp('twice', { v: 1 }), comp('twice', { v: 2 }), comp('dup')] }),
      ],
      want: {
        components: [
          { model: 'nameless' },
          comp('dup', { v: 1 }),
          comp('dup', { v: 2 }),
          { model: 'also-nameless' },
          comp('twice', { v: 1 }),
          comp('twice', { v: 2 }),
        ],
      },
    },
    {
      name: "puts a nested fragment's entries after its parent's own, and lets the parent win",
      part: { ...uses(A, B) },
      fragments: [
        fragment('a', { components: [comp('arm', { by: 'a' })], ...uses(C) }),
        fragment('c', { components: [comp('arm', { by: 'c' }), comp('cam')] }),
        fragment('b', { components: [comp('base')] }),
      ],
      want: { components: [comp('arm', { by: 'a' }), comp('cam'), comp('base')] },
    },
  ]);

  runFailures([
    {
      name: 'rejects one name from two fragments with different entries, naming both and the name',
      part: uses(A, B),
      fragments: [
        fragment('a', { components: [comp('arm', { attributes: { token: 'secret-1' } })] }),
        fragment('b', { components: [comp('arm', { attributes: { token: 'secret-2' } })] }),
      ],
      kind: 'failed_precondition',
      message: [`components "arm" is defined differently by ${label('a')} and ${label('b')}`, "the part's own config"],
      secret: 'secret-',
    },
    {
      name: 'rejects a process id from two fragments',
      part: uses(A, B),
      fragments: [fragment('a', { processes: [{ id: 'p', x: 1 }] }), fragment('b', { processes: [{ id: 'p', x: 2 }] })],
      kind: 'failed_precondition',
      message: ['processes "p" is defined differently', label('a'), label('b'), 'id'],
    },
    {
      name: 'names the fragment an entry came from, however deep',
      part: uses(A, B),
      fragments: [
        fragment('a', uses(C)),
        fragment('c', { components: [comp('arm', { v: 1 })] }),
        fragment('b', { components: [comp('arm')] }),
      ],
      kind: 'failed_precondition',
      message: [`components "arm" is defined differently by ${label('c')} and ${label('b')}`],
    },
    {
      name: "reports a conflict among a fragment's own fragments there, even if the part would override it",
      part: { components: [comp('arm')], ...uses(X) },
      fragments: [
        fragment('x', uses(A, B)),
        fragment('a', { components: [comp('arm', { v: 1 })] }),
        fragment('b', { components: [comp('arm', { v: 2 })] }),
      ],
      kind: 'failed_precondition',
      message: [`in ${label('x')}: components "arm"`, label('a'), label('b'), `${label('x')}'s own config`],
    },
  ]);
});

describe('effectiveConfig other lists (rule 5)', () => {
  runCases([
    {
      name: "concatenates the part's items and each fragment's, keeping equal items from different fragments",
      part: { tags: ['own', 'x'], ...uses(A, B) },
      fragments: [fragment('a', { tags: ['x', { k: 1 }] }), fragment('b', { tags: [{ k: 1 }, 'x'] })],
      want: { tags: ['own', 'x', 'x', { k: 1 }, { k: 1 }, 'x'] },
    },
    {
      name: "keeps equal items within one fragment's own list",
      part: uses(A),
      fragments: [fragment('a', { tags: ['x', 'x'] })],
      want: { tags: ['x', 'x'] },
    },
  ]);
});

describe('effectiveConfig objects and scalars (rule 6)', () => {
  runCases([
    {
      name: "lets the part's own value win",
      part: { network: { port: 1 }, debug: false, ...uses(A) },
      fragments: [fragment('a', { network: { port: 2, tls: true }, debug: true, auth: { handlers: [] } })],
      want: { network: { port: 1 }, debug: false, auth: { handlers: [] } },
    },
    {
      name: 'takes a value several fragments agree on, whatever the key order',
      part: uses(A, B),
      fragments: [fragment('a', { network: { port: 2, bind: 'x' } }), fragment('b', { network: { bind: 'x', port: 2 } })],
      want: { network: { port: 2, bind: 'x' } },
    },
    {
      name: 'reads a null value as unset',
      part: { network: null, ...uses(A, B) },
      fragments: [fragment('a', { network: { port: 2 } }), fragment('b', { network: null })],
      want: { network: { port: 2 } },
    },
    {
      name: 'keeps null when nothing sets the key',
      part: { auth: null, ...uses(A) },
      fragments: [fragment('a', { agent: null })],
      want: { auth: null, agent: null },
    },
    {
      name: "lets the part's value win over a fragment's list under the same key",
      part: { custom: 'mine', ...uses(A) },
      fragments: [fragment('a', { custom: ['theirs'] })],
      want: { custom: 'mine' },
    },
  ]);

  it("puts the part's keys first, then new keys in reference order", () => {
    const result = resolve({ debug: true, ...uses(A, B) }, [fragment('a', { network: {}, debug: false }), fragment('b', { auth: {} })]);
    assert.deepEqual(Object.keys(result.config), ['debug', 'network', 'auth']);
  });

  runFailures([
    {
      name: 'rejects fragments that set an object differently, naming both and the key',
      part: uses(A, B),
      fragments: [fragment('a', { network: { secret: 'secret-1' } }), fragment('b', { network: { secret: 'secret-2' } })],
      kind: 'failed_precondition',
      message: [`"network" is set differently by ${label('a')} and ${label('b')}`],
      secret: 'secret-',
    },
    {
      name: 'rejects fragments that set a scalar differently',
      part: uses(A, B),
      fragments: [fragment('a', { debug: true }), fragment('b', { debug: false })],
      kind: 'failed_precondition',
      message: ['"debug" is set differently', label('a'), label('b')],
    },
    {
      name: 'rejects a list in one fragment and an object in another',
      part: uses(A, B),
      fragments: [fragment('a', { custom: [1] }), fragment('b', { custom: { a: 1 } })],
      kind: 'failed_precondition',
      message: ['"custom" is set differently'],
    },
  ]);
});

describe('effectiveConfig diamonds (rule 9)', () => {
  const diamond = (): FragmentSource[] => [
    fragment('a', { components: [comp('a1')], ...uses(C) }),
    fragment('b', { components: [comp('b1')], ...uses(C) }),
    fragment('c', { components: [comp('c1'), comp('c2')], tags: ['t', 't'], network: { port: 9 } }, 4),
  ];

  it('keeps one copy of what two fragments both include', () => {
    const result = resolve(uses(A, B), diamond());
    assert.deepEqual(result.config, {
      components: [comp('a1'), comp('c1'), comp('c2'), comp('b1')],
      tags: ['t', 't'],
      network: { port: 9 },
    });
  });

  it('lists every fragment once, depth-first in first-use order, with its depth and revision', () => {
    const want: ResolvedFragment[] = [
      { id: A, name: 'a', revision: 1, depth: 1 },
      { id: C, name: 'c', revision: 4, depth: 2 },
      { id: B, name: 'b', revision: 1, depth: 1 },
    ];
    assert.deepEqual(resolve(uses(A, B), diamond()).fragments, want);
  });

  it('looks each (id, version) up once', () => {
    const lib = library(diamond());
    effectiveConfig(uses(A, B, A), lib.lookup, { maxFragmentDepth: 5 });
    assert.deepEqual(lib.calls, [{ id: A }, { id: C }, { id: B }]);
  });

  it('resolves a pin of the current revision to the same fragment', () => {
    const lib = library(diamond());
    const result = effectiveConfig({ fragments: [A, { id: C, version: 4 }] }, lib.lookup, { maxFragmentDepth: 5 });
    assert.deepEqual(lib.calls, [{ id: A }, { id: C }, { id: C, version: 4 }]);
    assert.deepEqual(
      result.fragments.map((f) => f.name),
      ['a', 'c'],
    );
    assert.deepEqual(names(result.config), ['a1', 'c1', 'c2']);
  });

  it('applies mods per reference: a modded copy and a plain copy are different entries', () => {
    const part = { ...uses(A, B), fragment_mods: [modsFor(A, { $set: { 'components.c1.attributes.x': 1 } })] };
    assertDomainError(() => resolve(part, diamond()), 'failed_precondition', [
      `components "c1" is defined differently by ${label('a')} as modified by robot_config.fragment_mods and ${label('c')}`,
    ]);
  });

  it('uses two revisions of one fragment when both are pinned', () => {
    const fragments = [fragment('c', { components: [comp('c1')] }, 1), fragment('c', { components: [comp('c1')], tags: ['new'] }, 2)];
    const result = resolve(
      {
        fragments: [
          { id: C, version: 1 },
          { id: C, version: '2' },
        ],
      },
      fragments,
    );
    assert.deepEqual(result.config, { components: [comp('c1')], tags: ['new'] });
    assert.deepEqual(
      result.fragments.map((f) => f.revision),
      [1, 2],
    );
  });

  it('tells two disagreeing revisions of one fragment apart', () => {
    const fragments = [fragment('c', { debug: true }, 1), fragment('c', { debug: false }, 2)];
    assertDomainError(() => resolve({ fragments: [{ id: C, version: 1 }, C] }, fragments), 'failed_precondition', [
      `${label('c')} revision 1 and revision 2`,
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('effectiveConfig fragment_mods (rule 3)', () => {
  const arm = comp('arm', { attributes: { speed: 1, label: 'x' }, depends_on: ['base'] });
  const base = comp('base');
  const library3 = [fragment('a', { components: [arm, base], tags: ['t'], network: { port: 1 } })];
  const modded = (...mods: JsonObject[]): JsonObject => ({ ...uses(A), fragment_mods: [modsFor(A, ...mods)] });

  runCases([
    {
      name: '$set changes an attribute of a named entry',
      part: modded({ $set: { 'components.arm.attributes.speed': 5 } }),
      fragments: library3,
      want: {
        components: [comp('arm', { attributes: { speed: 5, label: 'x' }, depends_on: ['base'] }), base],
        tags: ['t'],
        network: { port: 1 },
      },
    },
    {
      name: '$set of a new name appends an entry named after it',
      part: modded({ $set: { 'components.cam': { model: 'webcam' } } }),
      fragments: library3,
      want: { components: [arm, base, { name: 'cam', model: 'webcam' }], tags: ['t'], network: { port: 1 } },
    },
    {
      name: '$set of a whole entry keeps its name',
      part: modded({ $set: { 'components.arm': { model: 'other' } } }),
      fragments: library3,
      want: { components: [{ name: 'arm', model: 'other' }, base], tags: ['t'], network: { port: 1 } },
    },
    {
      name: '$set of the key field renames the entry in place',
      part: modded({ $set: { 'components.arm.name': 'arm2' } }),
      fragments: library3,
      want: { components: [{ ...arm, name: 'arm2' }, base], tags: ['t'], network: { port: 1 } },
    },
    {
      name: '$unset removes a named entry and keeps the others in order',
      part: modded({ $unset: { 'components.arm': '' } }),
      fragments: library3,
      want: { components: [base], tags: ['t'], network: { port: 1 } },
    },
    {
      name: '$unset of a whole list removes it',
      part: modded({ $unset: { components: '', tags: '' } }),
      fragments: library3,
      want: { network: { port: 1 } },
    },
    {
      name: '$rename of an entry renames the resource and appends it',
      part: modded({ $rename: { 'components.arm': 'components.gripper' } }),
      fragments: library3,
      want: { components: [base, { ...arm, name: 'gripper' }], tags: ['t'], network: { port: 1 } },
    },
    {
      name: '$rename of an attribute',
      part: modded({ $rename: { 'components.arm.attributes.label': 'components.arm.attributes.title' } }),
      fragments: library3,
      want: {
        components: [comp('arm', { attributes: { speed: 1, title: 'x' }, depends_on: ['base'] }), base],
        tags: ['t'],
        network: { port: 1 },
      },
    },
    {
      name: '$push onto a list inside an entry',
      part: modded({ $push: { 'components.arm.depends_on': 'cam' } }),
      fragments: library3,
      want: { components: [{ ...arm, depends_on: ['base', 'cam'] }, base], tags: ['t'], network: { port: 1 } },
    },
    {
      name: '$push onto an other list',
      part: modded({ $push: { tags: { $each: ['u', 'v'] } } }),
      fragments: library3,
      want: { components: [arm, base], tags: ['t', 'u', 'v'], network: { port: 1 } },
    },
    {
      name: '$pull from a list inside an entry',
      part: modded({ $pull: { 'components.arm.depends_on': 'base' } }),
      fragments: library3,
      want: { components: [{ ...arm, depends_on: [] }, base], tags: ['t'], network: { port: 1 } },
    },
    {
      name: '$inc of an attribute and of a top-level object field',
      part: modded({ $inc: { 'components.arm.attributes.speed': 2, 'network.port': 10 } }),
      fragments: library3,
      want: {
        components: [comp('arm', { attributes: { speed: 3, label: 'x' }, depends_on: ['base'] }), base],
        tags: ['t'],
        network: { port: 11 },
      },
    },
    {
      name: '$set of a whole named list as an object of names rebuilds the list',
      part: modded({ $set: { components: { base: { model: 'x' }, cam: {} } } }),
      fragments: library3,
      want: { components: [{ name: 'base', model: 'x' }, { name: 'cam' }], tags: ['t'], network: { port: 1 } },
    },
    {
      name: '$set of a whole named list as a list keeps that list as given',
      part: modded({ $set: { components: [{ model: 'x' }] } }),
      fragments: library3,
      want: { components: [{ model: 'x' }], tags: ['t'], network: { port: 1 } },
    },
    {
      name: 'creates a named list the fragment lacks',
      part: modded({ $set: { 'services.nav': { api: 'navigation' } } }),
      fragments: library3,
      want: { components: [arm, base], tags: ['t'], network: { port: 1 }, services: [{ name: 'nav', api: 'navigation' }] },
    },
    {
      name: 'keys new processes by id',
      part: modded({ $set: { 'processes.p1': { name: 'echo' } } }),
      fragments: library3,
      want: { components: [arm, base], tags: ['t'], network: { port: 1 }, processes: [{ id: 'p1', name: 'echo' }] },
    },
    {
      name: 'applies several entries for one fragment in order',
      part: {
        ...uses(A),
        fragment_mods: [
          modsFor(A, { $set: { 'components.base.attributes.n': 1 } }),
          modsFor(A, { $inc: { 'components.base.attributes.n': 1 } }),
        ],
      },
      fragments: library3,
      want: { components: [arm, comp('base', { attributes: { n: 2 } })], tags: ['t'], network: { port: 1 } },
    },
    {
      name: 'ignores mods for a fragment the config does not reference',
      part: { ...uses(A), fragment_mods: [modsFor(B, { $inc: { 'components.arm.name': 1 } })] },
      fragments: library3,
      want: { components: [arm, base], tags: ['t'], network: { port: 1 } },
    },
    {
      name: "modifies the fragment's entries while the part's own entry still wins",
      part: { components: [comp('arm')], ...modded({ $set: { 'components.base.model': 'x' } }) },
      fragments: library3,
      want: { components: [comp('arm'), comp('base', { model: 'x' })], tags: ['t'], network: { port: 1 } },
    },
    {
      name: 'drops fragments and fragment_mods a mod writes',
      part: modded({ $set: { fragments: [B], fragment_mods: [] } }),
      fragments: library3,
      want: { components: [arm, base], tags: ['t'], network: { port: 1 } },
    },
    {
      name: 'keeps entries no mod can address in their place',
      part: modded({ $set: { 'components.arm.attributes.speed': 2, 'components.new': {} } }),
      fragments: [fragment('a', { components: [comp('d', { v: 1 }), { model: 'nameless' }, comp('arm'), comp('d', { v: 2 })] })],
      want: {
        components: [
          comp('d', { v: 1 }),
          { model: 'nameless' },
          comp('arm', { attributes: { speed: 2 } }),
          comp('d', { v: 2 }),
          { name: 'new' },
        ],
      },
    },
    {
      name: "applies a fragment's mods to its own fragments, before the part's",
      part: { ...uses(A), fragment_mods: [modsFor(A, { $inc: { 'components.c1.attributes.n': 10 } })] },
      fragments: [
        fragment('a', { ...uses(C), fragment_mods: [modsFor(C, { $set: { 'components.c1.attributes.n': 1 } })] }),
        fragment('c', { components: [comp('c1')] }),
      ],
      want: { components: [comp('c1', { attributes: { n: 11 } })] },
    },
    {
      name: 'stores a __proto__ name as data',
      part: modded({ $set: { 'components.__proto__.model': 'x' } }),
      fragments: [fragment('a', JSON.parse('{"components": [{"name": "__proto__", "model": "m"}]}') as JsonObject)],
      want: JSON.parse('{"components": [{"name": "__proto__", "model": "x"}]}') as JsonObject,
    },
  ]);

  it('gives entries back their key field where it stood', () => {
    const fragments = [
      fragment('a', {
        components: [
          { model: 'm', name: 'arm', attributes: {} },
          { model: 'm', name: 'base' },
        ],
      }),
    ];
    const result = resolve(modded({ $set: { 'components.base.model': 'x', 'components.cam.model': 'y' } }), fragments);
    assert.deepEqual(
      (result.config.components as JsonObject[]).map((entry) => Object.keys(entry)),
      [
        ['model', 'name', 'attributes'],
        ['model', 'name'],
        ['name', 'model'],
      ],
    );
  });

  it("names what a fragment's mods changed by the fragment and its mods", () => {
    const part = uses(A, B);
    const fragments = [
      fragment('a', { ...uses(C), fragment_mods: [modsFor(C, { $set: { 'components.c1.x': 1 } })] }),
      fragment('b', uses(C)),
      fragment('c', { components: [comp('c1')] }),
    ];
    assertDomainError(() => resolve(part, fragments), 'failed_precondition', [
      `components "c1" is defined differently by ${label('c')} as modified by ${label('a')}: fragment_mods and ${label('c')}`,
    ]);
  });

  runFailures([
    {
      name: 'rejects a mod addressing a name two entries share',
      part: modded({ $set: { 'components.d.attributes.x': 1 } }),
      fragments: [fragment('a', { components: [comp('d'), comp('d')] })],
      kind: 'failed_precondition',
      message: [
        'robot_config.fragment_mods[0].mods[0]: path "components.d.attributes.x" addresses components "d"',
        label('a'),
        'unique name',
      ],
    },
    {
      name: 'rejects a $rename onto a name two entries share',
      part: modded({ $rename: { 'components.arm': 'components.d' } }),
      fragments: [fragment('a', { components: [comp('arm'), comp('d'), comp('d')] })],
      kind: 'failed_precondition',
      message: ['path "components.d" addresses components "d"'],
    },
    {
      name: 'rejects a mod replacing a whole list that holds unaddressable entries',
      part: modded({ $set: { processes: {} } }),
      fragments: [fragment('a', { processes: [{ name: 'no-id' }] })],
      kind: 'failed_precondition',
      message: ['path "processes" replaces the whole processes list', 'without a unique id'],
    },
    {
      name: 'reports a mod that cannot apply with its place and path',
      part: { ...uses(A), fragment_mods: [modsFor(B), modsFor(A, { $set: { x: 1 } }, { $inc: { 'components.arm.attributes.label': 1 } })] },
      fragments: library3,
      kind: 'failed_precondition',
      message: ['robot_config.fragment_mods[1].mods[1]', 'components.arm.attributes.label'],
    },
    {
      name: "names a fragment's own mods by the fragment",
      part: uses(B),
      fragments: [fragment('b', { ...uses(A), fragment_mods: [modsFor(A, { $push: { network: 1 } })] }), ...library3],
      kind: 'failed_precondition',
      message: [`${label('b')}: fragment_mods[0].mods[0]`, 'network'],
    },
    {
      name: "rejects the part's malformed fragment_mods as invalid",
      part: { ...uses(A), fragment_mods: [{ fragment_id: A, mods: [{ $bogus: {} }] }] },
      fragments: library3,
      kind: 'invalid',
      message: ['robot_config.fragment_mods[0].mods[0]'],
    },
    {
      name: "rejects a fragment's malformed fragment_mods as a failed precondition",
      part: uses(B),
      fragments: [fragment('b', { ...uses(A), fragment_mods: [{ fragment_id: 'nope', mods: [] }] }), ...library3],
      kind: 'failed_precondition',
      message: [`${label('b')}: fragment_mods[0].fragment_id must be a fragment id`],
    },
    {
      name: "rejects a fragment's malformed fragments as a failed precondition",
      part: uses(B),
      fragments: [fragment('b', { fragments: [{ id: A, version: 'latest' }] })],
      kind: 'failed_precondition',
      message: [`${label('b')}: fragments[0].version must be a revision`],
    },
    {
      name: "rejects the part's malformed fragments as invalid",
      part: { fragments: [A, 'nope'] },
      fragments: library3,
      kind: 'invalid',
      message: ['robot_config.fragments[1]'],
    },
  ]);
});

// ---------------------------------------------------------------------------------------------------------

describe('effectiveConfig versions and missing fragments (rule 8)', () => {
  const revisions = [fragment('a', { debug: true }, 1), fragment('a', { debug: false }, 2)];

  it('uses the current revision when none is pinned', () => {
    const result = resolve(uses(A), revisions);
    assert.deepEqual(result.config, { debug: false });
    assert.deepEqual(result.fragments, [{ id: A, name: 'a', revision: 2, depth: 1 }]);
  });

  it('passes a pinned version, given as a number or a string, to the lookup', () => {
    for (const version of [1, '1']) {
      const lib = library(revisions);
      const result = effectiveConfig({ fragments: [{ id: A, version }] }, lib.lookup, { maxFragmentDepth: 1 });
      assert.deepEqual(lib.calls, [{ id: A, version: 1 }]);
      assert.deepEqual(result.config, { debug: true });
    }
  });

  runFailures([
    {
      name: 'rejects a missing fragment, naming it and the part',
      part: uses(A),
      kind: 'failed_precondition',
      message: [`fragment ${A}, referenced by the part, does not exist or is not visible`],
    },
    {
      name: 'rejects a missing pinned revision, naming the version and the referring fragment',
      part: uses(B),
      fragments: [fragment('b', { fragments: [{ id: A, version: 7 }] }), ...revisions],
      kind: 'failed_precondition',
      message: [`revision 7 of fragment ${A}, referenced by ${label('b')},`, 'that revision'],
    },
  ]);
});

describe('effectiveConfig cycles and depth (rule 7)', () => {
  runFailures([
    {
      name: 'rejects a fragment that references itself',
      part: uses(A),
      fragments: [fragment('a', uses(A))],
      kind: 'failed_precondition',
      message: [`fragment cycle: ${tag('a')} → ${tag('a')}`],
    },
    {
      name: 'rejects a two-fragment cycle, naming it in order',
      part: uses(A),
      fragments: [fragment('a', uses(B)), fragment('b', uses(A))],
      kind: 'failed_precondition',
      message: [`fragment cycle: ${tag('a')} → ${tag('b')} → ${tag('a')}`],
    },
    {
      name: 'names only the fragments in the cycle',
      part: uses(X),
      fragments: [fragment('x', uses(A)), fragment('a', uses(B)), fragment('b', uses(C)), fragment('c', uses(A))],
      kind: 'failed_precondition',
      message: [`fragment cycle: ${tag('a')} → ${tag('b')} → ${tag('c')} → ${tag('a')}`],
    },
    {
      name: 'rejects nesting deeper than the limit, naming the limit and the chain',
      part: uses(A),
      fragments: [fragment('a', uses(B)), fragment('b', uses(C)), fragment('c', uses(D)), fragment('d', {})],
      maxDepth: 3,
      kind: 'failed_precondition',
      message: [`at most 3 levels deep, but the part → ${tag('a')} → ${tag('b')} → ${tag('c')} → ${tag('d')} nests 4`],
    },
    {
      name: 'rejects a fragment reused deeper than it was first resolved, when that is too deep',
      part: uses(A, D),
      fragments: [fragment('a', uses(B)), fragment('b', uses(C)), fragment('c', {}), fragment('d', uses(A))],
      maxDepth: 3,
      kind: 'failed_precondition',
      message: [`the part → ${tag('d')} → ${tag('a')} → ${tag('b')} → ${tag('c')} nests 4`],
    },
    {
      name: 'rejects any fragment with a limit of 0',
      part: uses(A),
      fragments: [fragment('a', {})],
      maxDepth: 0,
      kind: 'failed_precondition',
      message: [`at most 0 levels deep, but the part → ${tag('a')} nests 1`],
    },
  ]);

  it('accepts nesting exactly as deep as the limit', () => {
    const result = resolve(uses(A), [fragment('a', uses(B)), fragment('b', uses(C)), fragment('c', { debug: true })], 3);
    assert.deepEqual(result.config, { debug: true });
    assert.deepEqual(
      result.fragments.map((f) => f.depth),
      [1, 2, 3],
    );
  });

  it('accepts a fragment that pins an older revision of itself without references', () => {
    const fragments = [fragment('a', { debug: true }, 1), fragment('a', { fragments: [{ id: A, version: 1 }], tags: ['new'] }, 2)];
    const result = resolve(uses(A), fragments);
    assert.deepEqual(result.config, { tags: ['new'], debug: true });
    assert.deepEqual(
      result.fragments.map((f) => [f.revision, f.depth]),
      [
        [2, 1],
        [1, 2],
      ],
    );
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('effectiveConfig immutability (rule 10)', () => {
  const fragments = (): FragmentSource[] => [
    fragment('a', {
      components: [comp('arm', { attributes: { n: 1 } })],
      tags: ['t'],
      network: { port: 1 },
      ...uses(C),
      fragment_mods: [modsFor(C, { $set: { 'components.c1.x': 1 } })],
    }),
    fragment('b', { components: [comp('b1')], fragments: [] }),
    fragment('c', { components: [comp('c1')], fragments: [], fragment_mods: [] }),
  ];
  const part = (): JsonObject => ({
    components: [comp('own')],
    fragments: [A, B],
    fragment_mods: [modsFor(A, { $inc: { 'components.arm.attributes.n': 1 } }, { $push: { tags: 'u' } }, { $unset: { network: '' } })],
  });

  it('reads frozen inputs and leaves them as they were', () => {
    const sources = fragments();
    const input = part();
    const snapshot = structuredClone({ input, sources });
    const result = effectiveConfig(deepFreeze(input), library(sources).lookup, { maxFragmentDepth: 4 });
    assert.deepEqual({ input, sources }, snapshot);
    assert.deepEqual(result.config, {
      components: [comp('own'), comp('arm', { attributes: { n: 2 } }), comp('c1', { x: 1 }), comp('b1')],
      tags: ['t', 'u'],
    });
  });

  it('shares nothing with its inputs', () => {
    // The inputs are frozen, so writing to anything shared with them would throw.
    const result = resolve(part(), fragments());
    const components = result.config.components as JsonObject[];
    for (const entry of components) {
      entry.mutated = true;
      if (entry.attributes !== undefined) (entry.attributes as JsonObject).n = 0;
    }
    (result.config.tags as JsonValue[]).push('v');
    assert.equal(components.length, 4);
  });

  it('never contains fragments or fragment_mods at any level', () => {
    const result = resolve(part(), fragments());
    assert.equal(Object.hasOwn(result.config, 'fragments'), false);
    assert.equal(Object.hasOwn(result.config, 'fragment_mods'), false);
  });
});

describe('effectiveConfig at scale (rule 11)', () => {
  it('resolves 20 fragments nested 4 deep, 10 components each', () => {
    // Five chains of four: chain k is f(k,1) → f(k,2) → f(k,3) → f(k,4), and the first three of each also
    // include a shared leaf, so the tree has diamonds on every level.
    const id = (k: number, level: number): string => uuid(0x1000 + k * 16 + level);
    const shared = uuid(0x2000);
    const components = (prefix: string): JsonObject[] =>
      Array.from({ length: 10 }, (_, i) => comp(`${prefix}-${i}`, { attributes: { i, nested: { a: [1, 2, 3] } } }));
    const sources: FragmentSource[] = [
      { id: shared, name: 'shared', revision: 1, config: { components: components('shared'), network: { port: 1 } } },
    ];
    for (let k = 0; k < 5; k++) {
      for (let level = 1; level <= 4; level++) {
        const refs = level < 4 ? [id(k, level + 1), shared] : [];
        sources.push({
          id: id(k, level),
          name: `f${k}-${level}`,
          revision: 1,
          config: { components: components(`f${k}-${level}`), fragments: refs },
        });
      }
    }
    const part = { components: components('own'), fragments: Array.from({ length: 5 }, (_, k) => id(k, 1)) };
    const result = effectiveConfig(deepFreeze(part), library(deepFreeze(sources)).lookup, { maxFragmentDepth: 4 });

    assert.equal((result.config.components as JsonValue[]).length, 10 + 20 * 10 + 10);
    assert.deepEqual(result.config.network, { port: 1 });
    assert.equal(result.fragments.length, 21);
    assert.deepEqual(
      result.fragments.slice(0, 6).map((f) => [f.name, f.depth]),
      [
        ['f0-1', 1],
        ['f0-2', 2],
        ['f0-3', 3],
        ['f0-4', 4],
        ['shared', 4],
        ['f1-1', 1],
      ],
    );
    assert.deepEqual(
      (result.config.components as JsonObject[]).slice(8, 13).map((entry) => entry.name),
      ['own-8', 'own-9', 'f0-1-0', 'f0-1-1', 'f0-1-2'],
    );
  });
});
