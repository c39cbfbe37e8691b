// A part's effective config: its own config merged with the fragments it references, as the part will run it.
//
// The server preloads every fragment that may be needed (see referencedFragmentIds), so this is synchronous
// and pure. The rules, each pinned by effective-config.test.ts:
//
// 1. Named lists: components, services, remotes, modules, packages and jobs are keyed by `name`, processes
//    by `id`. Entries lacking their key, or sharing a key with another entry of the same config, are left as
//    they are (config validation reports them), but a mod path that addresses such a shared name, or that
//    replaces a whole list holding entries without a unique key, is a failed_precondition.
// 2. A fragment's effective config is its own config (without `fragments` and `fragment_mods`) merged with
//    the effective config of each fragment it references, after its own `fragment_mods` for that fragment id
//    are applied; recursively.
// 3. The part's effective config is built the same way from the part's config. Mods run against a named
//    view of the fragment's effective config: each named list becomes an object keyed by name, with the key
//    field taken out of the entries (so `$rename` of "components.a" to "components.b" renames the resource).
//    Afterwards each list is rebuilt in its original order, new names appended in the order they appear, and
//    every entry that lacks its key field gets it back from its name in the view. Entries no mod can
//    address (rule 1) sit out the mods and keep their place. Mods for a fragment id the config does not
//    reference are ignored; several fragment_mods entries for one id apply in order. A mod cannot add
//    nested fragments: `fragments` or `fragment_mods` it writes into the view are dropped.
// 4. Named lists merge as a union by key. The config's own entry wins over any fragment's entry with that
//    key. The same key from two different fragments is a failed_precondition naming both fragments and the
//    key, unless the entries are deep-equal (a diamond), when one copy is kept. Order: the config's own
//    entries, then each fragment's in reference order (depth-first).
// 5. Other lists: the config's own items, then each fragment's items. An item that arrives twice through
//    different references from the same fragment (a diamond), deep-equal both times, is kept once; equal
//    items from different fragments are all kept. What a config's mods changed or added counts as coming
//    from `fragment "name" (id) as modified by <that config's fragment_mods>`, for messages and diamonds.
// 6. Any other value (`network`, `auth`, `debug`, ...): the config's own value wins. Otherwise the fragments
//    that set it must agree (deep-equal, key order irrelevant) or it is a failed_precondition naming both
//    fragments and the key. A key set to null counts as unset unless no one sets it. Lists and other values
//    under one key (a malformed config) merge as other values.
// 7. A fragment is one revision of one id: one that includes itself, directly or through others, is a
//    failed_precondition naming the cycle. Nesting deeper than limits.maxFragmentDepth (depth 1 =
//    referenced by the part) is a failed_precondition naming the limit and the chain.
// 8. A ref the lookup cannot satisfy is a failed_precondition naming the id, the pinned version if any, and
//    who referenced it. A fragment whose stored config no longer parses is a failed_precondition too: that
//    is the server's state, not the request's fault; the part's own config throws `invalid`.
// 9. Each (id, version) ref is resolved once per call, and so is each (id, revision) it leads to.
// 10. Inputs are never mutated and the result shares nothing with them. The result config never contains
//    `fragments` or `fragment_mods`. Fragment ids are compared case-insensitively, reported lowercase.
//
// Conflicts are reported where they arise: two of a fragment's own fragments that disagree make that
// fragment unusable, whatever the part would have overridden.
import { failedPrecondition, invalid, isDomainError, type DomainError } from '../errors.js';
import { canonicalJson, type JsonObject, type JsonValue } from '../machines.js';
import { isUuid } from '../validate.js';
import { applyUpdates, parseUpdateDocument, setOwn } from './mongo-update.js';

export interface FragmentRef {
  readonly id: string;
  readonly version?: number;
}

export interface FragmentModsEntry {
  readonly fragmentId: string;
  readonly mods: readonly JsonObject[];
}

export interface FragmentSource {
  readonly id: string;
  readonly name: string;
  readonly revision: number;
  readonly config: JsonObject;
}

/** Returns the fragment for a ref (the current revision when ref.version is absent), or undefined if it does not exist / is not visible / that revision is gone. */
export type FragmentLookup = (ref: FragmentRef) => FragmentSource | undefined;

export interface ResolvedFragment {
  readonly id: string;
  readonly name: string;
  readonly revision: number;
  /** 1 = referenced by the part. */
  readonly depth: number;
}

export interface EffectiveConfig {
  readonly config: JsonObject;
  /** Every fragment used, each (id, revision) once, in first-use order (depth-first). */
  readonly fragments: readonly ResolvedFragment[];
}

export interface EffectiveConfigLimits {
  readonly maxFragmentDepth: number;
}

/** The named lists of a robot config and the field that keys their entries. */
const NAMED_LISTS: ReadonlyMap<string, string> = new Map([
  ['components', 'name'],
  ['services', 'name'],
  ['remotes', 'name'],
  ['modules', 'name'],
  ['packages', 'name'],
  ['jobs', 'name'],
  ['processes', 'id'],
]);

/** Keys that say how to build a config rather than being part of it. */
const REFERENCE_KEYS: ReadonlySet<string> = new Set(['fragments', 'fragment_mods']);

// Names and keys are client input and can be long; messages quote only their start.
const QUOTE_MAX = 100;

const POSITIVE_DECIMAL = /^[1-9][0-9]*$/;

// ---------------------------------------------------------------------------------------------------------
// Parsing

/** Parses `config.fragments` (absent/null = none). Throws invalid naming `${field}[i]`. */
export function parseFragmentRefs(config: JsonObject, field = 'robot_config.fragments'): FragmentRef[] {
  return optionalList(config, 'fragments', field).map((entry, i) => parseRef(entry, `${field}[${i}]`));
}

/** Parses `config.fragment_mods`, validating every update document with parseUpdateDocument. Throws invalid naming `${field}[i]...`. */
export function parseFragmentMods(config: JsonObject, field = 'robot_config.fragment_mods'): FragmentModsEntry[] {
  return optionalList(config, 'fragment_mods', field).map((entry, i) => parseModsEntry(entry, `${field}[${i}]`));
}

/**
 * The ids a config references directly (for loading fragments level by level), each once, in order.
 * Malformed entries are skipped rather than reported: effectiveConfig reports them with their place.
 */
export function referencedFragmentIds(config: JsonObject): string[] {
  const list = ownValue(config, 'fragments');
  if (!Array.isArray(list)) return [];
  const ids = new Set<string>();
  for (const entry of list) {
    const id = isObject(entry) ? ownValue(entry, 'id') : entry;
    if (typeof id === 'string' && isUuid(id)) ids.add(id.toLowerCase());
  }
  return [...ids];
}

function optionalList(config: JsonObject, key: string, field: string): readonly JsonValue[] {
  const value = ownValue(config, key);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`${field} must be a list, got ${typeName(value)}`);
  return value;
}

function parseRef(entry: JsonValue, field: string): FragmentRef {
  if (typeof entry === 'string') return { id: parseFragmentId(entry, field) };
  if (!isObject(entry)) {
    throw invalid(`${field} must be a fragment id or an object {"id": "<fragment id>", "version": "<revision>"}, got ${typeName(entry)}`);
  }
  const id = ownValue(entry, 'id');
  if (id === undefined || id === null) throw invalid(`${field}.id is required`);
  if (typeof id !== 'string') throw invalid(`${field}.id must be a fragment id (a UUID), got ${typeName(id)}`);
  const version = parseVersion(ownValue(entry, 'version'), `${field}.version`);
  return { id: parseFragmentId(id, `${field}.id`), ...(version !== undefined && { version }) };
}

function parseVersion(value: JsonValue | undefined, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const revision = typeof value === 'string' && POSITIVE_DECIMAL.test(value) ? Number(value) : value;
  if (typeof revision === 'number' && Number.isSafeInteger(revision) && revision > 0) return revision;
  throw invalid(`${field} must be a revision: a positive integer, as a number or a decimal string such as "3"; got ${typeName(value)}`);
}

function parseModsEntry(entry: JsonValue, field: string): FragmentModsEntry {
  if (!isObject(entry)) {
    throw invalid(`${field} must be an object {"fragment_id": "<fragment id>", "mods": [<update document>, ...]}, got ${typeName(entry)}`);
  }
  const id = ownValue(entry, 'fragment_id');
  if (id === undefined || id === null) throw invalid(`${field}.fragment_id is required`);
  if (typeof id !== 'string') throw invalid(`${field}.fragment_id must be a fragment id (a UUID), got ${typeName(id)}`);
  const fragmentId = parseFragmentId(id, `${field}.fragment_id`);
  const mods = ownValue(entry, 'mods');
  if (!Array.isArray(mods)) {
    throw invalid(`${field}.mods must be a list of update documents, got ${mods === undefined ? 'nothing' : typeName(mods)}`);
  }
  return { fragmentId, mods: mods.map((mod, j) => parseUpdateDocument(mod, `${field}.mods[${j}]`)) };
}

function parseFragmentId(value: string, field: string): string {
  if (!isUuid(value)) throw invalid(`${field} must be a fragment id (a UUID)`);
  return value.toLowerCase();
}

// ---------------------------------------------------------------------------------------------------------
// Resolution

/** Where a list item or value came from: the fragment revision whose own config held it. */
interface Origin {
  readonly id: string;
  readonly name: string;
  readonly revision: number;
  /** `${id}@${revision}`: what a cycle repeats. */
  readonly key: string;
  /** What counts as one source for diamond duplicates: a fragment's id, or that fragment as some config's mods changed it. */
  readonly source: string;
  /** `"name" (id)`, for chains. */
  readonly tag: string;
  /** `fragment "name" (id)`, or `the part`. */
  readonly label: string;
}

const PART_ORIGIN: Origin = { id: '', name: '', revision: 0, key: '', source: '', tag: 'the part', label: 'the part' };

/** The config whose fragments are being merged: the part's, or a fragment's. */
interface Owner {
  readonly origin: Origin;
  readonly isPart: boolean;
  /** Names one of its top-level keys in messages. */
  readonly field: (key: string) => string;
}

const PART: Owner = { origin: PART_ORIGIN, isPart: true, field: (key) => `robot_config.${key}` };

/**
 * An effective config, with the provenance merging needs: which fragment each top-level value, and each
 * item of a top-level list, came from.
 */
interface Resolved {
  readonly config: JsonObject;
  readonly valueOrigins: ReadonlyMap<string, Origin>;
  readonly itemOrigins: ReadonlyMap<string, readonly Origin[]>;
}

/** A fragment revision, resolved. */
interface FragmentNode {
  readonly origin: Origin;
  readonly resolved: Resolved;
  /** Levels of fragments from this one down (a fragment without fragments is 1). */
  readonly height: number;
  /** This fragment and the chain below it that reaches `height`. */
  readonly deepest: readonly Origin[];
}

interface Run {
  readonly lookup: FragmentLookup;
  readonly maxDepth: number;
  readonly byRef: Map<string, FragmentNode>;
  readonly byRevision: Map<string, FragmentNode>;
  readonly used: ResolvedFragment[];
}

interface Contribution {
  readonly origin: Origin;
  readonly resolved: Resolved;
}

export function effectiveConfig(partConfig: JsonObject, lookup: FragmentLookup, limits: EffectiveConfigLimits): EffectiveConfig {
  const run: Run = { lookup, maxDepth: limits.maxFragmentDepth, byRef: new Map(), byRevision: new Map(), used: [] };
  const { resolved } = resolveConfig(run, PART, partConfig, []);
  // Unmodified entries are shared with the inputs until here; callers may edit what they get back.
  return { config: copyObject(resolved.config), fragments: run.used };
}

/** `stack` holds the fragments from the part down to `owner`, which is the last of them unless it is the part. */
function resolveConfig(
  run: Run,
  owner: Owner,
  config: JsonObject,
  stack: readonly Origin[],
): { resolved: Resolved; children: FragmentNode[] } {
  const refs = parseOwned(owner, () => parseFragmentRefs(config, owner.field('fragments')));
  const mods = parseOwned(owner, () => parseFragmentMods(config, owner.field('fragment_mods')));
  const children: FragmentNode[] = [];
  const contributions = refs.map((ref) => {
    const node = resolveRef(run, ref, owner, stack);
    children.push(node);
    return { origin: node.origin, resolved: applyMods(node, ref.id, mods, owner) };
  });
  return { resolved: merge(owner, config, contributions), children };
}

function parseOwned<T>(owner: Owner, parse: () => T): T {
  if (owner.isPart) return parse();
  try {
    return parse();
  } catch (err) {
    if (isDomainError(err) && err.kind === 'invalid') throw failedPrecondition(err.message);
    throw err;
  }
}

function resolveRef(run: Run, ref: FragmentRef, owner: Owner, stack: readonly Origin[]): FragmentNode {
  const refKey = `${ref.id}@${ref.version ?? 'current'}`;
  const node = run.byRef.get(refKey) ?? resolveSource(run, ref, owner, stack);
  run.byRef.set(refKey, node);
  // A fragment resolved earlier, higher up the tree, may reach too deep from here.
  if (stack.length + node.height > run.maxDepth) throw tooDeep(run.maxDepth, [...stack, ...node.deepest]);
  return node;
}

function resolveSource(run: Run, ref: FragmentRef, owner: Owner, stack: readonly Origin[]): FragmentNode {
  const source = run.lookup(ref);
  if (source === undefined) throw missing(ref, owner);
  const origin = originOf(source);
  const known = run.byRevision.get(origin.key);
  if (known !== undefined) return known;
  // Only fragments still being resolved are on the stack, and a finished one cannot lead back to them.
  const repeat = stack.findIndex((frame) => frame.key === origin.key);
  if (repeat >= 0) throw failedPrecondition(`fragment cycle: ${[...stack.slice(repeat), origin].map((o) => o.tag).join(' → ')}`);
  const depth = stack.length + 1;
  if (depth > run.maxDepth) throw tooDeep(run.maxDepth, [...stack, origin]);
  run.used.push({ id: origin.id, name: origin.name, revision: origin.revision, depth });
  const { resolved, children } = resolveConfig(run, fragmentOwner(origin), source.config, [...stack, origin]);
  const below = deepestOf(children);
  const node: FragmentNode = {
    origin,
    resolved,
    height: 1 + (below?.height ?? 0),
    deepest: [origin, ...(below?.deepest ?? [])],
  };
  run.byRevision.set(origin.key, node);
  return node;
}

function originOf(source: FragmentSource): Origin {
  const id = source.id.toLowerCase();
  const tag = `${quote(source.name)} (${id})`;
  return { id, name: source.name, revision: source.revision, key: `${id}@${source.revision}`, source: id, tag, label: `fragment ${tag}` };
}

function fragmentOwner(origin: Origin): Owner {
  return { origin, isPart: false, field: (key) => `${origin.label}: ${key}` };
}

function deepestOf(nodes: readonly FragmentNode[]): FragmentNode | undefined {
  let deepest: FragmentNode | undefined;
  for (const node of nodes) if (deepest === undefined || node.height > deepest.height) deepest = node;
  return deepest;
}

function missing(ref: FragmentRef, owner: Owner): DomainError {
  if (ref.version === undefined) {
    return failedPrecondition(`fragment ${ref.id}, referenced by ${owner.origin.label}, does not exist or is not visible`);
  }
  return failedPrecondition(
    `revision ${ref.version} of fragment ${ref.id}, referenced by ${owner.origin.label}, does not exist or is not visible, or that revision is no longer kept`,
  );
}

function tooDeep(limit: number, chain: readonly Origin[]): DomainError {
  const path = [PART_ORIGIN, ...chain].map((origin) => origin.tag).join(' → ');
  return failedPrecondition(`fragments may nest at most ${limit} levels deep, but ${path} nests ${chain.length}`);
}

// ---------------------------------------------------------------------------------------------------------
// Mods

/** How a named list was laid out before the mods, to rebuild it afterwards. */
interface ListLayout {
  readonly keyField: string;
  readonly slots: readonly Slot[];
  /** Names more than one entry holds. */
  readonly shared: ReadonlySet<string>;
  /** Whether some entries sit out the mods (no key, or a shared one). */
  readonly hasSetAside: boolean;
}

/** `keyAt`: where the key field stood among the entry's keys, so entries the mods leave alone come back as they were. */
type Slot =
  { readonly kind: 'named'; readonly name: string; readonly keyAt: number } | { readonly kind: 'set-aside'; readonly entry: JsonValue };

interface IndexedMods {
  readonly index: number;
  readonly entry: FragmentModsEntry;
}

function applyMods(node: FragmentNode, fragmentId: string, mods: readonly FragmentModsEntry[], owner: Owner): Resolved {
  const mine = mods.flatMap((entry, index) => (entry.fragmentId === fragmentId ? [{ index, entry }] : []));
  if (mine.length === 0) return node.resolved;
  const before = node.resolved.config;
  const { view, layouts } = namedView(before);
  for (const item of mine) assertAddressable(item, layouts, node.origin, owner);
  const modded = mine.reduce(
    (doc, { index, entry }) => applyUpdates(doc, entry.mods, `${owner.field('fragment_mods')}[${index}].mods`),
    view,
  );
  return attribute(node.resolved, fromNamedView(modded, layouts, before), moddedOrigin(node.origin, owner));
}

/** What the mods changed or added is no longer the fragment's own content, for messages and for diamonds. */
function moddedOrigin(fragment: Origin, owner: Owner): Origin {
  const field = owner.field('fragment_mods');
  return { ...fragment, source: `${fragment.source} ${field}`, label: `${fragment.label} as modified by ${field}` };
}

function namedView(config: JsonObject): { view: JsonObject; layouts: Map<string, ListLayout> } {
  const view: JsonObject = {};
  const layouts = new Map<string, ListLayout>();
  for (const [key, value] of Object.entries(config)) {
    const keyField = NAMED_LISTS.get(key);
    if (keyField === undefined || !Array.isArray(value)) {
      setOwn(view, key, value);
      continue;
    }
    const { byName, layout } = nameEntries(value, keyField);
    setOwn(view, key, byName);
    layouts.set(key, layout);
  }
  return { view, layouts };
}

function nameEntries(entries: readonly JsonValue[], keyField: string): { byName: JsonObject; layout: ListLayout } {
  const counts = new Map<string, number>();
  for (const entry of entries) {
    const name = nameOf(entry, keyField);
    if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const byName: JsonObject = {};
  const slots: Slot[] = [];
  for (const entry of entries) {
    const name = nameOf(entry, keyField);
    if (name !== undefined && isObject(entry) && counts.get(name) === 1) {
      setOwn(byName, name, withoutField(entry, keyField));
      slots.push({ kind: 'named', name, keyAt: Object.keys(entry).indexOf(keyField) });
    } else {
      slots.push({ kind: 'set-aside', entry });
    }
  }
  const shared = new Set([...counts].flatMap(([name, count]) => (count > 1 ? [name] : [])));
  return { byName, layout: { keyField, slots, shared, hasSetAside: slots.some((slot) => slot.kind === 'set-aside') } };
}

/** Mods address entries by name, so a name two entries share, or a list holding entries without one, is out of their reach. */
function assertAddressable({ index, entry }: IndexedMods, layouts: ReadonlyMap<string, ListLayout>, fragment: Origin, owner: Owner): void {
  entry.mods.forEach((mod, j) => {
    const where = `${owner.field('fragment_mods')}[${index}].mods[${j}]`;
    for (const path of modPaths(mod)) {
      const [listKey = '', name] = path.split('.');
      const layout = layouts.get(listKey);
      if (layout === undefined) continue;
      if (name === undefined && layout.hasSetAside) {
        throw failedPrecondition(
          `${where}: path ${quote(path)} replaces the whole ${listKey} list of ${fragment.label}, which has entries without a unique ${layout.keyField}; address single entries by ${layout.keyField} instead`,
        );
      }
      if (name !== undefined && layout.shared.has(name)) {
        throw failedPrecondition(
          `${where}: path ${quote(path)} addresses ${listKey} ${quote(name)}, but more than one of the ${listKey} of ${fragment.label} has that ${layout.keyField}; a mod can only address a unique ${layout.keyField}`,
        );
      }
    }
  });
}

/** The paths an update document writes or reads: every operator's fields, and $rename's targets. */
function modPaths(mod: JsonObject): string[] {
  return Object.entries(mod).flatMap(([operator, operand]) => {
    if (!isObject(operand)) return [];
    return Object.entries(operand).flatMap(([path, argument]) =>
      operator === '$rename' && typeof argument === 'string' ? [path, argument] : [path],
    );
  });
}

function fromNamedView(view: JsonObject, layouts: ReadonlyMap<string, ListLayout>, before: JsonObject): JsonObject {
  const config: JsonObject = {};
  for (const [key, value] of Object.entries(view)) {
    if (REFERENCE_KEYS.has(key)) continue;
    const keyField = NAMED_LISTS.get(key);
    // A named list the mods created from nothing is rebuilt too; one that was malformed stays as it was.
    const layout = layouts.get(key) ?? (keyField !== undefined && !Object.hasOwn(before, key) ? emptyLayout(keyField) : undefined);
    setOwn(config, key, layout !== undefined && isObject(value) ? listFromView(value, layout) : value);
  }
  return config;
}

function emptyLayout(keyField: string): ListLayout {
  return { keyField, slots: [], shared: new Set(), hasSetAside: false };
}

function listFromView(byName: JsonObject, layout: ListLayout): JsonValue[] {
  const list: JsonValue[] = [];
  const placed = new Set<string>();
  for (const slot of layout.slots) {
    if (slot.kind === 'set-aside') {
      list.push(slot.entry);
      continue;
    }
    placed.add(slot.name);
    const entry = ownValue(byName, slot.name);
    if (entry !== undefined) list.push(withField(entry, layout.keyField, slot.name, slot.keyAt));
  }
  for (const [name, entry] of Object.entries(byName)) {
    if (!placed.has(name)) list.push(withField(entry, layout.keyField, name, 0));
  }
  return list;
}

/**
 * Provenance after mods: values and items the mods left as they were keep their origin; anything the mods
 * changed or added belongs to the fragment they were applied to.
 */
function attribute(before: Resolved, config: JsonObject, fragment: Origin): Resolved {
  const valueOrigins = new Map<string, Origin>();
  const itemOrigins = new Map<string, Origin[]>();
  for (const [key, value] of Object.entries(config)) {
    const previous = ownValue(before.config, key);
    if (Array.isArray(value)) {
      const earlier = Array.isArray(previous) ? previous : [];
      const match = matcher(earlier, before.itemOrigins.get(key) ?? [], NAMED_LISTS.get(key));
      itemOrigins.set(
        key,
        value.map((item) => match(item) ?? fragment),
      );
    } else {
      const unchanged = previous !== undefined && jsonEqual(previous, value);
      valueOrigins.set(key, (unchanged ? before.valueOrigins.get(key) : undefined) ?? fragment);
    }
  }
  return { config, valueOrigins, itemOrigins };
}

/**
 * Finds the origin of an item among a list's earlier items, each used once: by name in a named list (the
 * mods copied every entry), else by content.
 */
function matcher(
  items: readonly JsonValue[],
  origins: readonly (Origin | undefined)[],
  keyField: string | undefined,
): (item: JsonValue) => Origin | undefined {
  const byName = new Map<string, number[]>();
  const byText = new Map<string, number[]>();
  items.forEach((item, i) => {
    const name = keyField === undefined ? undefined : nameOf(item, keyField);
    const positions = name === undefined ? byText : byName;
    const key = name ?? canonicalJson(item);
    const list = positions.get(key);
    if (list === undefined) positions.set(key, [i]);
    else list.push(i);
  });
  const used = new Set<number>();
  const take = (candidates: readonly number[] | undefined, item: JsonValue): Origin | undefined => {
    const i = candidates?.find((candidate) => !used.has(candidate) && jsonEqual(items[candidate] ?? null, item));
    if (i === undefined) return undefined;
    used.add(i);
    return origins[i];
  };
  return (item) => {
    const name = keyField === undefined ? undefined : nameOf(item, keyField);
    return name === undefined ? take(byText.get(canonicalJson(item)), item) : take(byName.get(name), item);
  };
}

// ---------------------------------------------------------------------------------------------------------
// Merging

/** One contribution's value for a key. */
interface Offer {
  readonly index: number;
  readonly value: JsonValue;
  readonly contribution: Contribution;
}

interface Builder {
  readonly config: JsonObject;
  readonly valueOrigins: Map<string, Origin>;
  readonly itemOrigins: Map<string, Origin[]>;
}

function merge(owner: Owner, own: JsonObject, contributions: readonly Contribution[]): Resolved {
  const merged: Builder = { config: {}, valueOrigins: new Map(), itemOrigins: new Map() };
  for (const key of mergedKeys(own, contributions)) {
    const offers = contributions.flatMap((contribution, index): Offer[] => {
      const value = ownValue(contribution.resolved.config, key);
      return value === undefined || value === null ? [] : [{ index, value, contribution }];
    });
    mergeKey(owner, key, ownValue(own, key) ?? null, offers, merged);
  }
  return merged;
}

function mergedKeys(own: JsonObject, contributions: readonly Contribution[]): Set<string> {
  const keys = new Set<string>();
  for (const config of [own, ...contributions.map((c) => c.resolved.config)]) {
    for (const key of Object.keys(config)) if (!REFERENCE_KEYS.has(key)) keys.add(key);
  }
  return keys;
}

function mergeKey(owner: Owner, key: string, own: JsonValue, offers: readonly Offer[], merged: Builder): void {
  if (own === null && offers.length === 0) {
    put(merged, key, null, owner.origin);
    return;
  }
  const ownItems = own === null ? [] : Array.isArray(own) ? own : undefined;
  const lists = offers.flatMap((offer): ListOffer[] => (Array.isArray(offer.value) ? [{ offer, items: offer.value }] : []));
  if (ownItems !== undefined && lists.length === offers.length) {
    const { items, origins } = mergeList(owner, key, ownItems, lists);
    setOwn(merged.config, key, items);
    merged.itemOrigins.set(key, origins);
    return;
  }
  if (own !== null) {
    put(merged, key, own, owner.origin);
    return;
  }
  const [first, ...others] = offers;
  if (first === undefined) return;
  const firstOrigin = valueOrigin(first, key);
  for (const other of others) {
    if (!jsonEqual(first.value, other.value)) {
      throw failedPrecondition(
        `${context(owner)}${quote(key)} is set differently by ${labels(firstOrigin, valueOrigin(other, key))}; a value in ${owner.origin.label}'s own config would take precedence`,
      );
    }
  }
  put(merged, key, first.value, firstOrigin);
}

function put(merged: Builder, key: string, value: JsonValue, origin: Origin): void {
  setOwn(merged.config, key, value);
  if (Array.isArray(value)) {
    merged.itemOrigins.set(
      key,
      value.map(() => origin),
    );
  } else {
    merged.valueOrigins.set(key, origin);
  }
}

function valueOrigin(offer: Offer, key: string): Origin {
  return offer.contribution.resolved.valueOrigins.get(key) ?? offer.contribution.origin;
}

/** The first fragment entry seen for a name. */
interface Claim {
  readonly index: number;
  readonly entry: JsonValue;
  readonly origin: Origin;
}

interface ListMerge {
  readonly owner: Owner;
  readonly key: string;
  readonly keyField: string | undefined;
  readonly ownNames: ReadonlySet<string>;
  readonly claims: Map<string, Claim>;
  /** Items without a name, by origin and content, and the contribution that brought them first. */
  readonly seen: Map<string, number>;
}

interface ListOffer {
  readonly offer: Offer;
  readonly items: readonly JsonValue[];
}

function mergeList(
  owner: Owner,
  key: string,
  ownItems: readonly JsonValue[],
  lists: readonly ListOffer[],
): { items: JsonValue[]; origins: Origin[] } {
  const keyField = NAMED_LISTS.get(key);
  const state: ListMerge = {
    owner,
    key,
    keyField,
    ownNames: new Set(keyField === undefined ? [] : ownItems.flatMap((item) => nameOf(item, keyField) ?? [])),
    claims: new Map(),
    seen: new Map(),
  };
  const items = [...ownItems];
  const origins = ownItems.map(() => owner.origin);
  for (const { offer, items: list } of lists) {
    const itemOrigins = offer.contribution.resolved.itemOrigins.get(key);
    list.forEach((item, i) => {
      const origin = itemOrigins?.[i] ?? offer.contribution.origin;
      if (keeps(state, item, origin, offer.index)) {
        items.push(item);
        origins.push(origin);
      }
    });
  }
  return { items, origins };
}

function keeps(state: ListMerge, item: JsonValue, origin: Origin, index: number): boolean {
  const name = state.keyField === undefined ? undefined : nameOf(item, state.keyField);
  if (name === undefined) return firstArrival(state.seen, item, origin, index);
  if (state.ownNames.has(name)) return false;
  const claim = state.claims.get(name);
  if (claim === undefined) {
    state.claims.set(name, { index, entry: item, origin });
    return true;
  }
  // Two entries of one name within one contribution are that config's own problem, for validation to report.
  if (claim.index === index) return true;
  if (jsonEqual(claim.entry, item)) return false;
  throw failedPrecondition(
    `${context(state.owner)}${state.key} ${quote(name)} is defined differently by ${labels(claim.origin, origin)}; an entry of that ${state.keyField ?? 'name'} in ${state.owner.origin.label}'s own config would take precedence`,
  );
}

/** Items of one fragment that reach this config through several references (a diamond) count once. */
function firstArrival(seen: Map<string, number>, item: JsonValue, origin: Origin, index: number): boolean {
  const identity = `${origin.source}\n${canonicalJson(item)}`;
  const first = seen.get(identity);
  if (first === undefined) seen.set(identity, index);
  return first === undefined || first === index;
}

function context(owner: Owner): string {
  return owner.isPart ? '' : `in ${owner.origin.label}: `;
}

/** Two revisions of one fragment can disagree; only then do the revisions tell them apart. */
function labels(a: Origin, b: Origin): string {
  if (a.label !== b.label) return `${a.label} and ${b.label}`;
  return `${a.label} revision ${a.revision} and revision ${b.revision}`;
}

// ---------------------------------------------------------------------------------------------------------
// JSON values

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ownValue(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function nameOf(entry: JsonValue, keyField: string): string | undefined {
  if (!isObject(entry)) return undefined;
  const name = ownValue(entry, keyField);
  return typeof name === 'string' ? name : undefined;
}

function withoutField(entry: JsonObject, field: string): JsonObject {
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(entry)) if (key !== field) setOwn(copy, key, value);
  return copy;
}

/** Puts `field` back as the key at index `at`. Entries that are not objects stay as they are, for validation to report. */
function withField(entry: JsonValue, field: string, value: string, at: number): JsonValue {
  if (!isObject(entry) || Object.hasOwn(entry, field)) return entry;
  const copy: JsonObject = {};
  const entries = Object.entries(entry);
  entries.splice(Math.min(at, entries.length), 0, [field, value]);
  for (const [key, item] of entries) setOwn(copy, key, item);
  return copy;
}

/**
 * Deep equality, objects equal whatever their key order (as canonicalJson compares them), without recursion
 * and without serializing: diamonds mostly compare an entry with itself.
 */
function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  const pairs: [JsonValue | undefined, JsonValue | undefined][] = [[a, b]];
  for (let pair = pairs.pop(); pair !== undefined; pair = pairs.pop()) {
    const [x, y] = pair;
    if (x === y) continue;
    if (x === undefined || y === undefined || x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false;
    if (Array.isArray(x)) {
      if (!Array.isArray(y) || x.length !== y.length) return false;
      x.forEach((item, i) => pairs.push([item, y[i]]));
    } else {
      if (Array.isArray(y)) return false;
      const keys = Object.keys(x);
      if (keys.length !== Object.keys(y).length) return false;
      for (const key of keys) {
        if (!Object.hasOwn(y, key)) return false;
        pairs.push([x[key], y[key]]);
      }
    }
  }
  return true;
}

/** A deep copy made from a work list rather than by recursion, so no nesting depth can exhaust the stack. */
function copyObject(value: JsonObject): JsonObject {
  const pending: (() => void)[] = [];
  const fill = (copy: JsonObject, original: JsonObject): void => {
    pending.push(() => {
      for (const [key, item] of Object.entries(original)) setOwn(copy, key, shallow(item));
    });
  };
  const shallow = (original: JsonValue): JsonValue => {
    if (Array.isArray(original)) {
      const copy: JsonValue[] = [];
      pending.push(() => {
        for (const item of original) copy.push(shallow(item));
      });
      return copy;
    }
    if (!isObject(original)) return original;
    const copy: JsonObject = {};
    fill(copy, original);
    return copy;
  };
  const root: JsonObject = {};
  fill(root, value);
  for (let job = pending.pop(); job !== undefined; job = pending.pop()) job();
  return root;
}

function typeName(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return isObject(value) ? 'an object' : typeof value;
}

function quote(text: string): string {
  return JSON.stringify(text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text);
}
