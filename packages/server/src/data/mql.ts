/**
 * TabularDataByMQL: a MongoDB aggregation pipeline over one organization's readings. The stages come as
 * BSON documents and must be among those Viam allows. The leading $match stages, and a $sort on a capture
 * time and $skip/$limit right after them, are answered by SQL (plan below); the rest of the pipeline runs
 * in mingo, an in-memory implementation of MongoDB's aggregation, over the rows SQL returned.
 */
import { invalid } from '@hangar/domain';
import type { data } from '@hangar/store';
import { BSON } from 'bson';

export type Stage = Record<string, unknown>;

/** Viam's MQL stage allowlist (docs: query data with MQL). */
export const ALLOWED_STAGES: ReadonlySet<string> = new Set([
  '$addFields',
  '$bucket',
  '$bucketAuto',
  '$count',
  '$densify',
  '$fill',
  '$geoNear',
  '$group',
  '$limit',
  '$match',
  '$project',
  '$redact',
  '$replaceRoot',
  '$replaceWith',
  '$sample',
  '$set',
  '$setWindowFields',
  '$skip',
  '$sort',
  '$sortByCount',
  '$unset',
  '$unwind',
]);

const MAX_STAGES = 100;

/** The pipeline's stages, each one BSON document with one key from the allowlist. */
export function decodeStages(mqlBinary: readonly Uint8Array[]): Stage[] {
  if (mqlBinary.length === 0) throw invalid('mql_binary is empty: give the pipeline, one BSON document per stage');
  if (mqlBinary.length > MAX_STAGES) throw invalid(`at most ${MAX_STAGES} stages, got ${mqlBinary.length}`);
  return mqlBinary.map((bytes, i) => {
    let stage: Stage;
    try {
      stage = BSON.deserialize(bytes);
    } catch (err) {
      throw invalid(`mql_binary[${i}] is not a BSON document: ${err instanceof Error ? err.message : String(err)}`);
    }
    const keys = Object.keys(stage);
    if (keys.length !== 1) throw invalid(`stage ${i} must have exactly one operator, like {"$match": {...}}; it has ${keys.length}`);
    const name = keys[0] ?? '';
    if (!ALLOWED_STAGES.has(name))
      throw invalid(`stage ${i}: ${name} is not an allowed stage; allowed are ${[...ALLOWED_STAGES].join(', ')}`);
    return stage;
  });
}

// ---- what SQL can answer ----

const TEXT_FIELDS: ReadonlySet<string> = new Set([
  'organization_id',
  'location_id',
  'robot_id',
  'part_id',
  'component_type',
  'component_name',
  'method_name',
]);
const TIME_FIELDS: Readonly<Record<string, 'time_requested_us' | 'time_received_us'>> = {
  time_requested: 'time_requested_us',
  time_received: 'time_received_us',
};
const COMPARISONS: Readonly<Record<string, '=' | '<>' | '<' | '<=' | '>' | '>='>> = {
  $eq: '=',
  $ne: '<>',
  $gt: '>',
  $gte: '>=',
  $lt: '<',
  $lte: '<=',
};

interface Translation {
  /** Conditions SQL checks; every document they drop, the $match would have dropped too. */
  readonly predicates: data.ReadingPredicate[];
  /** Whether the predicates are the whole $match (it need not run again in memory). */
  readonly complete: boolean;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof RegExp);

/** A field condition on a metadata column or a capture time, where SQL and MongoDB agree on its meaning. */
function translateField(field: string, condition: unknown): Translation {
  const timeColumn = TIME_FIELDS[field];
  const textual = TEXT_FIELDS.has(field);
  if (!textual && timeColumn === undefined) return { predicates: [], complete: false };
  const column = (timeColumn ?? field) as data.ReadingColumn;
  // Strings compare as strings and dates as dates; a value of another type matches nothing in MongoDB,
  // which is left to mingo to decide.
  const value = (v: unknown): string | number | undefined => {
    if (textual) return typeof v === 'string' ? v : undefined;
    return v instanceof Date ? v.getTime() * 1000 : undefined;
  };
  if (!isPlainObject(condition)) {
    const v = value(condition);
    return v === undefined ? { predicates: [], complete: false } : { predicates: [{ column, op: '=', value: v }], complete: true };
  }
  const predicates: data.ReadingPredicate[] = [];
  let complete = true;
  for (const [op, operand] of Object.entries(condition)) {
    const comparison = COMPARISONS[op];
    // String ranges depend on collation, which SQL and MongoDB need not share: only equality for text.
    if (comparison !== undefined && (!textual || comparison === '=' || comparison === '<>')) {
      const v = value(operand);
      if (v === undefined) complete = false;
      else predicates.push({ column, op: comparison, value: v });
    } else if ((op === '$in' || op === '$nin') && Array.isArray(operand)) {
      const values = operand.map(value);
      if (values.some((v) => v === undefined)) complete = false;
      else predicates.push({ column, op: op === '$in' ? 'in' : 'not in', values: values as (string | number)[] });
    } else complete = false;
  }
  return { predicates, complete };
}

/** What of one $match document SQL can check. */
export function translateMatch(match: unknown): Translation {
  if (!isPlainObject(match)) return { predicates: [], complete: false };
  const predicates: data.ReadingPredicate[] = [];
  let complete = true;
  for (const [key, condition] of Object.entries(match)) {
    if (key === '$and' && Array.isArray(condition)) {
      for (const part of condition) {
        const t = translateMatch(part);
        predicates.push(...t.predicates);
        complete &&= t.complete;
      }
    } else if (key === '$or' && Array.isArray(condition)) {
      // Pushed only whole: a branch SQL cannot check might be the one a document matches by.
      const branches = condition.map(translateMatch);
      if (branches.length > 0 && branches.every((b) => b.complete))
        predicates.push({ op: 'or', of: branches.map((b) => ({ op: 'and', of: b.predicates }) as const) });
      else complete = false;
    } else if (key.startsWith('$')) {
      complete = false;
    } else {
      const t = translateField(key, condition);
      predicates.push(...t.predicates);
      complete &&= t.complete;
    }
  }
  return { predicates, complete };
}

export interface Plan {
  readonly where: data.ReadingPredicate[];
  readonly order: data.ReadingScan['order'];
  /** Rows SQL returns at most (undefined: all matching). */
  readonly limit?: number;
  readonly offset: number;
  /** The stages left for mingo. */
  readonly rest: Stage[];
}

const SORTABLE: Readonly<Record<string, 'time_requested_us' | 'time_received_us'>> = TIME_FIELDS;

function nonNegativeInteger(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/**
 * Splits the pipeline: leading $match stages become SQL conditions; while everything before is answered
 * by SQL, a $sort on one capture time becomes ORDER BY and $skip/$limit become OFFSET/LIMIT.
 */
export function planPipeline(stages: readonly Stage[]): Plan {
  const where: data.ReadingPredicate[] = [];
  let order: data.ReadingScan['order'] = { column: 'time_requested_us', direction: 'asc' };
  let limit: number | undefined;
  let offset = 0;
  let sorted = false;
  // Stages SQL answers whole; a $match it answers only in part still runs in memory, and ends the push.
  let consumed = 0;
  for (const stage of stages) {
    if ('$match' in stage) {
      // After a $skip/$limit the order of stages matters for SQL too: stop there.
      if (limit !== undefined || offset > 0 || sorted) break;
      const t = translateMatch(stage.$match);
      where.push(...t.predicates);
      if (!t.complete) break;
    } else if ('$sort' in stage && !sorted && limit === undefined && offset === 0) {
      const spec = stage.$sort;
      const keys = isPlainObject(spec) ? Object.entries(spec) : [];
      const [field, direction] = keys[0] ?? [];
      const column = field === undefined ? undefined : SORTABLE[field];
      if (keys.length !== 1 || column === undefined || (direction !== 1 && direction !== -1)) break;
      order = { column, direction: direction === 1 ? 'asc' : 'desc' };
      sorted = true;
    } else if ('$skip' in stage) {
      const n = nonNegativeInteger(stage.$skip);
      if (n === undefined) break;
      offset += n;
      if (limit !== undefined) limit = Math.max(0, limit - n);
    } else if ('$limit' in stage) {
      const n = nonNegativeInteger(stage.$limit);
      if (n === undefined || n === 0) break;
      limit = limit === undefined ? n : Math.min(limit, n);
    } else break;
    consumed++;
  }
  return { where, order, ...(limit !== undefined && { limit }), offset, rest: stages.slice(consumed) };
}

/** A reading as the pipeline sees it: Viam's `readings` document. */
export function readingDocument(row: data.TabularRow): Record<string, unknown> {
  return {
    _id: row.id,
    organization_id: row.organization_id,
    location_id: row.location_id,
    robot_id: row.robot_id,
    part_id: row.part_id,
    component_type: row.component_type,
    component_name: row.component_name,
    method_name: row.method_name,
    time_requested: new Date(Math.floor(row.time_requested_us / 1000)),
    time_received: new Date(Math.floor(row.time_received_us / 1000)),
    tags: JSON.parse(row.tags) as unknown,
    additional_parameters: JSON.parse(row.method_parameters) as unknown,
    data: JSON.parse(row.data) as unknown,
  };
}
