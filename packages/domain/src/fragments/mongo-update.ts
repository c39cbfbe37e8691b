// MongoDB update operators (https://www.mongodb.com/docs/manual/reference/operator/update/) applied to a
// JSON document, for the subset fragment mods accept. Where MongoDB's behaviour depends on BSON types that
// JSON lacks, JSON's reading wins: numbers are one type, and objects compare equal whatever their key order.
import { failedPrecondition, invalid, type DomainError } from '../errors.js';
import type { JsonObject, JsonValue } from '../machines.js';

export const SUPPORTED_OPERATORS = ['$set', '$unset', '$rename', '$push', '$pull', '$inc'] as const;
type Operator = (typeof SUPPORTED_OPERATORS)[number];

const OPERATOR_LIST = SUPPORTED_OPERATORS.join(', ');

const COMPARISON_OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin'] as const;
type Comparison = (typeof COMPARISON_OPERATORS)[number];

// Outside $each these only make sense as a mistake: MongoDB would push the object literally.
const PUSH_MODIFIERS = ['$position', '$slice', '$sort'];

// MongoDB's own limit for one padded array. Here it is shared by every update of one applyUpdates call, so
// a few bytes of mods cannot make the server allocate gigabytes of nulls across many arrays.
const MAX_BACKFILL = 1_500_000;

// Paths and names are client input and can be long; messages quote only their start.
const QUOTE_MAX = 100;

interface Path {
  readonly text: string;
  readonly segments: readonly string[];
}

interface Budget {
  backfill: number;
}

/** Which update is running, for messages, and what it may still allocate. */
interface Site {
  readonly field: string;
  readonly operator: Operator;
  readonly budget: Budget;
}

/** One operator applied to one path (two for $rename), validated and ready to run against a document. */
interface Operation {
  readonly paths: readonly Path[];
  readonly apply: (doc: JsonObject, budget: Budget) => void;
}

type Container = JsonObject | JsonValue[];

/** Where a path leads in a document. `arrayAt` is the length of the first prefix that is an array the path goes into. */
type Resolution = Found | Missing | Blocked;
interface Found {
  readonly state: 'found';
  readonly parent: Container;
  readonly key: string;
  readonly value: JsonValue;
  readonly arrayAt: number | undefined;
}
/** The first `depth` segments exist and end at `parent`, which lacks the next one. */
interface Missing {
  readonly state: 'missing';
  readonly parent: Container;
  readonly depth: number;
  readonly arrayAt: number | undefined;
}
/** The first `depth` segments end at `holder`, which the next segment cannot go into (a scalar, or an array and a name). */
interface Blocked {
  readonly state: 'blocked';
  readonly holder: JsonValue;
  readonly depth: number;
  readonly arrayAt: number | undefined;
}

/** Validates one update document's shape (operators known, each maps to an object of paths). Throws DomainError kind 'invalid' via `invalid(message)` from '../errors.js'. `field` prefixes messages, e.g. "fragment_mods[0].mods[1]". */
export function parseUpdateDocument(value: JsonValue, field: string): JsonObject {
  const update = requireUpdateDocument(value, field);
  compileUpdate(update, field);
  return update;
}

/**
 * Applies the update documents in order to a deep copy of `doc` and returns the copy; never mutates `doc`. Throws DomainError kind 'failed_precondition' (use `failedPrecondition(message)` from '../errors.js') when an update cannot apply to this document (e.g. $inc on a string, $push onto a non-array, a path through a scalar, conflicting paths in one document), with a message naming the `field` and the path, in the spirit of MongoDB's own error texts.
 *
 * Update i is named `${field}[i]` in messages. A malformed update throws kind 'invalid', as parseUpdateDocument does.
 */
export function applyUpdates(doc: JsonObject, updates: readonly JsonObject[], field: string): JsonObject {
  const result = copyObject(doc);
  const budget: Budget = { backfill: MAX_BACKFILL };
  updates.forEach((update, i) => {
    const where = `${field}[${i}]`;
    const operations = compileUpdate(requireUpdateDocument(update, where), where);
    assertNoConflicts(operations, where);
    for (const operation of operations) operation.apply(result, budget);
  });
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// Parsing

function requireUpdateDocument(value: JsonValue, field: string): JsonObject {
  if (!isObject(value)) throw invalid(`${field} must be an update document (an object of update operators), got ${typeName(value)}`);
  // MongoDB would read {} as a replacement that empties the document, which is never what a mod means.
  if (Object.keys(value).length === 0) throw invalid(`${field} is an empty update document; it needs at least one of ${OPERATOR_LIST}`);
  return value;
}

function compileUpdate(update: JsonObject, field: string): Operation[] {
  return Object.entries(update).flatMap(([name, operand]) => {
    const operator = requireOperator(name, field);
    if (!isObject(operand)) {
      throw invalid(
        `${field}.${operator} must be an object of paths, got ${typeName(operand)}; for example {"${operator}": {"a.b": ...}}, not {"${operator}": ...}`,
      );
    }
    return Object.entries(operand).map(([path, argument]) => COMPILERS[operator](parsePath(path, field, operator), argument, field));
  });
}

function requireOperator(name: string, field: string): Operator {
  if (isOperator(name)) return name;
  if (!name.startsWith('$')) {
    throw invalid(
      `${field}: ${quote(name)} is not an update operator; an update document maps operators (${OPERATOR_LIST}) to paths, and replacing a whole document is not supported`,
    );
  }
  throw invalid(`${field}: update operator ${quote(name)} is not supported; use one of ${OPERATOR_LIST}`);
}

function isOperator(name: string): name is Operator {
  return (SUPPORTED_OPERATORS as readonly string[]).includes(name);
}

function parsePath(text: string, field: string, operator: Operator): Path {
  if (text === '') throw invalid(`${field}: ${operator} has an empty path, which is not valid`);
  const segments = text.split('.');
  if (segments.includes('')) throw invalid(`${field}: ${operator} path ${quote(text)} contains an empty field name, which is not allowed`);
  // There is no query to give `$` a meaning, and $[] / $[id] need array filters.
  const dollar = segments.find((segment) => segment.startsWith('$'));
  if (dollar !== undefined) {
    throw invalid(
      `${field}: ${operator} path ${quote(text)} contains ${quote(dollar)}; positional operators and $-prefixed field names are not supported`,
    );
  }
  return { text, segments };
}

type Compiler = (path: Path, argument: JsonValue, field: string) => Operation;

const COMPILERS: Record<Operator, Compiler> = {
  $set: compileSet,
  $unset: compileUnset,
  $rename: compileRename,
  $push: compilePush,
  $pull: compilePull,
  $inc: compileInc,
};

/** MongoDB rejects an update document in which one path equals another or lies inside it, whatever the operators. */
function assertNoConflicts(operations: readonly Operation[], field: string): void {
  interface Node {
    claimed: boolean;
    readonly children: Map<string, Node>;
  }
  const root: Node = { claimed: false, children: new Map() };
  for (const path of operations.flatMap((operation) => operation.paths)) {
    let node = root;
    for (const [i, segment] of path.segments.entries()) {
      let child = node.children.get(segment);
      if (child === undefined) {
        child = { claimed: false, children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
      if (node.claimed) throw conflict(field, path, i + 1);
    }
    if (node.children.size > 0) throw conflict(field, path, path.segments.length);
    node.claimed = true;
  }
}

function conflict(field: string, path: Path, depth: number): DomainError {
  return failedPrecondition(`${field}: Updating the path ${quote(path.text)} would create a conflict at ${quote(prefixOf(path, depth))}`);
}

// ---------------------------------------------------------------------------------------------------------
// Operators

function compileSet(path: Path, value: JsonValue, field: string): Operation {
  return {
    paths: [path],
    apply: (doc, budget) => {
      const put = (): JsonValue => copyJson(value);
      upsertAt(doc, path, { field, operator: '$set', budget }, put, put);
    },
  };
}

function compileUnset(path: Path): Operation {
  return {
    paths: [path],
    // Unlike the other operators, MongoDB lets $unset pass through scalars: there is nothing to remove.
    apply: (doc) => {
      const target = resolve(doc, path);
      if (target.state === 'found') unsetFound(target);
    },
  };
}

function compileInc(path: Path, amount: JsonValue, field: string): Operation {
  if (typeof amount !== 'number') {
    throw invalid(
      `${field}: Cannot increment ${quote(path.text)} with a non-numeric argument: $inc needs a number, got ${typeName(amount)}`,
    );
  }
  const add = (current: JsonValue): JsonValue => {
    if (typeof current !== 'number') {
      throw failedPrecondition(
        `${field}: Cannot apply $inc to a value of non-numeric type: the field ${quote(path.text)} is of type ${typeName(current)}`,
      );
    }
    const sum = current + amount;
    if (!Number.isFinite(sum))
      throw failedPrecondition(`${field}: $inc of ${quote(path.text)} overflows: the result is not a finite number`);
    return sum;
  };
  return {
    paths: [path],
    apply: (doc, budget) => {
      upsertAt(doc, path, { field, operator: '$inc', budget }, add, () => amount);
    },
  };
}

function compileRename(from: Path, to: JsonValue, field: string): Operation {
  if (typeof to !== 'string') {
    throw invalid(`${field}: The 'to' field for $rename must be a string: ${quote(from.text)} maps to ${typeName(to)}`);
  }
  const target = parsePath(to, field, '$rename');
  if (from.text === target.text) throw invalid(`${field}: The source and target field for $rename must differ: ${quote(from.text)}`);
  if (isPrefix(from, target) || isPrefix(target, from)) {
    throw invalid(
      `${field}: The source and target field for $rename must not be on the same path: ${quote(from.text)} and ${quote(target.text)}`,
    );
  }
  return {
    paths: [from, target],
    apply: (doc, budget) => {
      rename(doc, from, target, { field, operator: '$rename', budget });
    },
  };
}

function rename(doc: JsonObject, from: Path, to: Path, site: Site): void {
  const source = resolve(doc, from);
  if (source.state === 'missing') return;
  if (source.arrayAt !== undefined) {
    throw failedPrecondition(
      `${site.field}: $rename of ${quote(from.text)}: The source field cannot be an array element; ${quote(prefixOf(from, source.arrayAt))} is an array`,
    );
  }
  if (source.state === 'blocked') throw notViable(site, from, source);
  const target = resolve(doc, to);
  if (target.arrayAt !== undefined) {
    throw failedPrecondition(
      `${site.field}: $rename to ${quote(to.text)}: The destination field cannot be an array element; ${quote(prefixOf(to, target.arrayAt))} is an array`,
    );
  }
  // The value moves rather than being copied: it lives in our copy of the document and leaves its old place.
  if (target.state === 'found') replaceFound(target, source.value);
  else if (target.state === 'missing') createAt(target, to, source.value, site);
  else throw cannotCreate(site, to, target);
  unsetFound(source);
}

interface PushSpec {
  readonly values: readonly JsonValue[];
  readonly position: number | undefined;
  readonly slice: number | undefined;
}

function compilePush(path: Path, argument: JsonValue, field: string): Operation {
  const spec = parsePushSpec(argument, path, field);
  const extend = (current: JsonValue): JsonValue => {
    if (!Array.isArray(current)) {
      throw failedPrecondition(`${field}: The field ${quote(path.text)} must be an array but is of type ${typeName(current)}`);
    }
    return pushed(current, spec);
  };
  return {
    paths: [path],
    apply: (doc, budget) => {
      upsertAt(doc, path, { field, operator: '$push', budget }, extend, () => pushed([], spec));
    },
  };
}

function parsePushSpec(argument: JsonValue, path: Path, field: string): PushSpec {
  if (!isObject(argument) || !Object.hasOwn(argument, '$each')) {
    const modifier = isObject(argument) ? Object.keys(argument).find((key) => PUSH_MODIFIERS.includes(key)) : undefined;
    if (modifier !== undefined) {
      throw invalid(`${field}: $push to ${quote(path.text)} uses ${modifier} without $each; $push modifiers apply only alongside $each`);
    }
    return { values: [argument], position: undefined, slice: undefined };
  }
  const each = argument.$each;
  if (!Array.isArray(each)) {
    throw invalid(
      `${field}: The argument to $each in $push to ${quote(path.text)} must be an array but it was of type: ${typeName(each ?? null)}`,
    );
  }
  let position: number | undefined;
  let slice: number | undefined;
  for (const [clause, value] of Object.entries(argument)) {
    if (clause === '$position') position = requireInteger(value, clause, path, field);
    else if (clause === '$slice') slice = requireInteger(value, clause, path, field);
    else if (clause === '$sort')
      throw invalid(`${field}: $push to ${quote(path.text)} uses $sort, which is not supported; use $each, $position and $slice`);
    else if (clause !== '$each') throw invalid(`${field}: Unrecognized clause in $push to ${quote(path.text)}: ${quote(clause)}`);
  }
  return { values: each, position, slice };
}

function requireInteger(value: JsonValue, clause: string, path: Path, field: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  const got = typeof value === 'number' ? String(value) : typeName(value);
  throw invalid(`${field}: The value for ${clause} in $push to ${quote(path.text)} must be an integer, got ${got}`);
}

/** MongoDB's order: insert at $position (negative counts from the end, out of range clamps), then trim to $slice. */
function pushed(array: readonly JsonValue[], spec: PushSpec): JsonValue[] {
  const at = insertionIndex(array.length, spec.position);
  // Spread into a literal rather than splice(...values): a long $each would overflow the argument limit.
  const grown = [...array.slice(0, at), ...spec.values.map(copyJson), ...array.slice(at)];
  if (spec.slice === undefined) return grown;
  return spec.slice >= 0 ? grown.slice(0, spec.slice) : grown.slice(Math.max(0, grown.length + spec.slice));
}

function insertionIndex(length: number, position: number | undefined): number {
  if (position === undefined) return length;
  return position >= 0 ? Math.min(position, length) : Math.max(0, length + position);
}

function compilePull(path: Path, condition: JsonValue, field: string): Operation {
  const matches = compileCondition(condition, `${field}: $pull from ${quote(path.text)}`);
  const site: Omit<Site, 'budget'> = { field, operator: '$pull' };
  return {
    paths: [path],
    apply: (doc) => {
      const target = resolve(doc, path);
      if (target.state === 'missing') return;
      if (target.state === 'blocked') throw notViable(site, path, target);
      if (!Array.isArray(target.value)) {
        throw failedPrecondition(
          `${field}: Cannot apply $pull to a non-array value: the field ${quote(path.text)} is of type ${typeName(target.value)}`,
        );
      }
      replaceFound(
        target,
        target.value.filter((element) => !matches(element)),
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// $pull conditions, with MongoDB's query semantics

type Matcher = (element: JsonValue) => boolean;
/** A test on the values a query path reaches (none when the field is missing). */
type ValuesTest = (values: readonly JsonValue[]) => boolean;

/**
 * MongoDB's three kinds of $pull condition: operators ({$gt: 5}) test each element itself; a plain object
 * ({name: "arm"}) is a query that only object elements can match; anything else must equal the element.
 */
function compileCondition(condition: JsonValue, where: string): Matcher {
  if (!isObject(condition)) return (element) => jsonEqual(element, condition);
  if (hasOperatorKey(condition)) {
    const test = compileOperators(condition, where);
    return (element) => test([element]);
  }
  const fieldTests = Object.entries(condition).map(([key, expected]) => {
    const segments = key.split('.');
    const test = isObject(expected) && hasOperatorKey(expected) ? compileOperators(expected, where) : comparison('$eq', expected, where);
    return (element: JsonObject) => test(valuesAt(element, segments));
  });
  return (element) => isObject(element) && fieldTests.every((test) => test(element));
}

function compileOperators(spec: JsonObject, where: string): ValuesTest {
  const tests = Object.entries(spec).map(([name, operand]) => {
    if (!name.startsWith('$')) {
      throw invalid(
        `${where}: the condition mixes the field ${quote(name)} with operators; use either {field: value} or {$operator: value}`,
      );
    }
    if (!isComparison(name)) {
      throw invalid(`${where}: condition operator ${quote(name)} is not supported; use one of ${COMPARISON_OPERATORS.join(', ')}`);
    }
    return comparison(name, operand, where);
  });
  return (values) => tests.every((test) => test(values));
}

function isComparison(name: string): name is Comparison {
  return (COMPARISON_OPERATORS as readonly string[]).includes(name);
}

function comparison(operator: Comparison, operand: JsonValue, where: string): ValuesTest {
  switch (operator) {
    case '$eq':
      return (values) => someCandidate(values, (value) => jsonEqual(value, operand));
    case '$ne':
      return negate(comparison('$eq', operand, where));
    case '$in':
      return inList(requireList(operand, operator, where));
    case '$nin':
      return negate(inList(requireList(operand, operator, where)));
    case '$gt':
      return ordered(operand, (order) => order > 0);
    case '$gte':
      return ordered(operand, (order) => order >= 0);
    case '$lt':
      return ordered(operand, (order) => order < 0);
    case '$lte':
      return ordered(operand, (order) => order <= 0);
  }
}

function negate(test: ValuesTest): ValuesTest {
  return (values) => !test(values);
}

function ordered(operand: JsonValue, accept: (order: number) => boolean): ValuesTest {
  return (values) =>
    someCandidate(values, (value) => {
      const order = compareJson(value, operand);
      return order !== undefined && accept(order);
    });
}

function requireList(operand: JsonValue, operator: Comparison, where: string): readonly JsonValue[] {
  if (!Array.isArray(operand)) throw invalid(`${where}: ${operator} needs an array, got ${typeName(operand)}`);
  return operand;
}

function inList(list: readonly JsonValue[]): ValuesTest {
  const isMember = membership(list);
  return (values) => someCandidate(values, isMember);
}

/** Scalars go in a Set so a long $in list costs one lookup per element, not one comparison per entry. */
function membership(list: readonly JsonValue[]): (value: JsonValue) => boolean {
  const scalars = new Set(list.filter((item) => !isContainer(item)));
  const composites = list.filter(isContainer);
  return (value) => (isContainer(value) ? composites.some((item) => jsonEqual(value, item)) : scalars.has(value));
}

/** MongoDB's query reading: a missing field compares as null, and an array matches when it or any of its elements does. */
function someCandidate(values: readonly JsonValue[], test: (value: JsonValue) => boolean): boolean {
  const candidates = values.length === 0 ? [null] : values;
  return candidates.some((value) => test(value) || (Array.isArray(value) && value.some((item) => test(item))));
}

/**
 * The values a dotted query path reaches, with MongoDB's implicit traversal: a name applied to an array
 * reaches into its object elements, and a number also indexes it.
 */
function valuesAt(root: JsonObject, segments: readonly string[]): JsonValue[] {
  let frontier: JsonValue[] = [root];
  for (const segment of segments) {
    const next: JsonValue[] = [];
    for (const value of frontier) {
      if (Array.isArray(value)) {
        const index = arrayIndex(segment);
        const indexed = index === undefined ? undefined : value[index];
        if (indexed !== undefined) next.push(indexed);
        for (const item of value) if (isObject(item) && Object.hasOwn(item, segment)) next.push(item[segment] ?? null);
      } else if (isObject(value) && Object.hasOwn(value, segment)) {
        next.push(value[segment] ?? null);
      }
    }
    frontier = next;
  }
  return frontier;
}

/** Orders two values of the same JSON type; values of different types (or unequal objects and arrays) do not compare. */
function compareJson(a: JsonValue, b: JsonValue): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return jsonEqual(a, b) ? 0 : undefined;
}

/**
 * MongoDB compares strings by their UTF-8 bytes, which is code point order. UTF-16 code units agree except
 * that surrogates (code points above U+FFFF) must sort after U+E000–U+FFFF, hence the shift.
 */
function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  return unit >= 0xd800 ? unit + 0x2000 : unit;
}

// ---------------------------------------------------------------------------------------------------------
// Paths in documents

function resolve(root: JsonObject, path: Path): Resolution {
  let parent: Container = root;
  let key = '';
  let holder: JsonValue = root;
  let arrayAt: number | undefined;
  for (const [depth, segment] of path.segments.entries()) {
    if (Array.isArray(holder)) arrayAt ??= depth;
    const container = enterable(holder, segment);
    if (container === undefined) return { state: 'blocked', holder, depth, arrayAt };
    const child = readSlot(container, segment);
    if (child === undefined) return { state: 'missing', parent: container, depth, arrayAt };
    parent = container;
    key = segment;
    holder = child;
  }
  return { state: 'found', parent, key, value: holder, arrayAt };
}

/** Only objects, and arrays given a numeric segment, can be walked into. */
function enterable(holder: JsonValue, segment: string): Container | undefined {
  if (Array.isArray(holder)) return arrayIndex(segment) === undefined ? undefined : holder;
  return isObject(holder) ? holder : undefined;
}

function readSlot(container: Container, segment: string): JsonValue | undefined {
  if (!Array.isArray(container)) return Object.hasOwn(container, segment) ? container[segment] : undefined;
  const index = arrayIndex(segment);
  return index === undefined ? undefined : container[index];
}

function arrayIndex(segment: string): number | undefined {
  return /^\d+$/.test(segment) ? Number(segment) : undefined;
}

/** Replaces the value at `path`, or creates it (with any missing objects on the way) as MongoDB's path-creating operators do. */
function upsertAt(doc: JsonObject, path: Path, site: Site, update: (current: JsonValue) => JsonValue, initial: () => JsonValue): void {
  const target = resolve(doc, path);
  if (target.state === 'found') replaceFound(target, update(target.value));
  else if (target.state === 'missing') createAt(target, path, initial(), site);
  else throw cannotCreate(site, path, target);
}

function replaceFound(found: Found, value: JsonValue): void {
  if (Array.isArray(found.parent)) found.parent[Number(found.key)] = value;
  else setOwn(found.parent, found.key, value);
}

/** Removing an array element would shift the others, so MongoDB sets it to null instead. */
function unsetFound(found: Found): void {
  if (Array.isArray(found.parent)) found.parent[Number(found.key)] = null;
  else Reflect.deleteProperty(found.parent, found.key);
}

/** New intermediate levels are objects, even for numeric segments; an index past an array's end pads it with nulls. */
function createAt(missing: Missing, path: Path, value: JsonValue, site: Site): void {
  const [first, ...rest] = path.segments.slice(missing.depth);
  if (first === undefined) return;
  // Computed keys define own properties, so a segment named __proto__ stays data.
  const subtree = rest.reduceRight<JsonValue>((inner, segment) => ({ [segment]: inner }), value);
  if (!Array.isArray(missing.parent)) {
    setOwn(missing.parent, first, subtree);
    return;
  }
  const index = Number(first);
  const padding = index - missing.parent.length;
  if (padding > site.budget.backfill) {
    throw failedPrecondition(
      `${site.field}: ${site.operator} of ${quote(path.text)} would backfill the array ${quote(prefixOf(path, missing.depth))} with ${padding} nulls; at most ${MAX_BACKFILL} are added in all`,
    );
  }
  site.budget.backfill -= padding;
  while (missing.parent.length < index) missing.parent.push(null);
  missing.parent.push(subtree);
}

function cannotCreate(site: Omit<Site, 'budget'>, path: Path, blocked: Blocked): DomainError {
  const segment = path.segments[blocked.depth] ?? '';
  return failedPrecondition(
    `${site.field}: ${site.operator} of ${quote(path.text)}: Cannot create field ${quote(segment)} in element ${quote(prefixOf(path, blocked.depth))} of type ${typeName(blocked.holder)}`,
  );
}

function notViable(site: Omit<Site, 'budget'>, path: Path, blocked: Blocked): DomainError {
  const segment = path.segments[blocked.depth] ?? '';
  return failedPrecondition(
    `${site.field}: ${site.operator} of ${quote(path.text)}: Cannot use the part ${quote(segment)} to traverse the element ${quote(prefixOf(path, blocked.depth))} of type ${typeName(blocked.holder)}`,
  );
}

function prefixOf(path: Path, depth: number): string {
  return path.segments.slice(0, depth).join('.');
}

function isPrefix(shorter: Path, longer: Path): boolean {
  return shorter.segments.length < longer.segments.length && shorter.segments.every((segment, i) => longer.segments[i] === segment);
}

// ---------------------------------------------------------------------------------------------------------
// JSON values

function isObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isContainer(value: JsonValue): value is Container {
  return typeof value === 'object' && value !== null;
}

function hasOperatorKey(value: JsonObject): boolean {
  return Object.keys(value).some((key) => key.startsWith('$'));
}

/** Plain assignment of "__proto__" would replace the object's prototype instead of storing the value. */
export function setOwn(target: JsonObject, key: string, value: JsonValue): void {
  // defineProperty costs several times an assignment, and every other key assigns as data.
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/** A deep copy made from a work list rather than by recursion, so no nesting depth can exhaust the stack. */
function copyJson(value: JsonValue): JsonValue {
  const pending: (() => void)[] = [];
  const shallow = (original: JsonValue): JsonValue => {
    if (Array.isArray(original)) {
      const copy: JsonValue[] = [];
      pending.push(() => {
        for (const item of original) copy.push(shallow(item));
      });
      return copy;
    }
    if (isObject(original)) {
      const copy: JsonObject = {};
      pending.push(() => {
        for (const [key, item] of Object.entries(original)) setOwn(copy, key, shallow(item));
      });
      return copy;
    }
    return original;
  };
  const root = shallow(value);
  for (let fill = pending.pop(); fill !== undefined; fill = pending.pop()) fill();
  return root;
}

function copyObject(value: JsonObject): JsonObject {
  const copy: JsonObject = {};
  for (const [key, item] of Object.entries(value)) setOwn(copy, key, copyJson(item));
  return copy;
}

/** Deep equality without recursion; objects are equal whatever their key order, as JSON objects are unordered. */
function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  const pairs: [JsonValue | undefined, JsonValue | undefined][] = [[a, b]];
  for (let pair = pairs.pop(); pair !== undefined; pair = pairs.pop()) {
    const [x, y] = pair;
    if (x === y) continue;
    if (x === undefined || y === undefined) return false;
    if (Array.isArray(x)) {
      if (!Array.isArray(y) || x.length !== y.length) return false;
      x.forEach((item, i) => pairs.push([item, y[i]]));
    } else if (isObject(x)) {
      if (!isObject(y)) return false;
      const keys = Object.keys(x);
      if (keys.length !== Object.keys(y).length || !keys.every((key) => Object.hasOwn(y, key))) return false;
      for (const key of keys) pairs.push([x[key], y[key]]);
    } else {
      return false;
    }
  }
  return true;
}

function typeName(value: JsonValue): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function quote(text: string): string {
  return `'${text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text}'`;
}
