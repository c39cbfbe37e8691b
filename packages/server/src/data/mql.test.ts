/** How a pipeline splits between SQL and mingo, and which stages pass; pure, no database. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { BSON } from 'bson';
import { decodeStages, planPipeline, translateMatch } from './mql.js';
import { bindReadings, checkReadingsQuery } from './sql-guard.js';

const t = (iso: string) => new Date(iso).getTime() * 1000;

it('pushes leading $match stages on metadata and capture times, then $sort/$skip/$limit, into SQL', () => {
  const plan = planPipeline([
    { $match: { component_name: 'thermo', time_requested: { $gte: new Date('2026-01-01T00:00:00Z') } } },
    { $match: { part_id: { $in: ['p1', 'p2'] } } },
    { $sort: { time_requested: -1 } },
    { $skip: 2 },
    { $limit: 10 },
    { $group: { _id: '$component_name' } },
  ]);
  assert.deepEqual(plan.where, [
    { column: 'component_name', op: '=', value: 'thermo' },
    { column: 'time_requested_us', op: '>=', value: t('2026-01-01T00:00:00Z') },
    { column: 'part_id', op: 'in', values: ['p1', 'p2'] },
  ]);
  assert.deepEqual(plan.order, { column: 'time_requested_us', direction: 'desc' });
  assert.equal(plan.offset, 2);
  assert.equal(plan.limit, 10);
  assert.deepEqual(plan.rest, [{ $group: { _id: '$component_name' } }]);
});

it('keeps a $match SQL answers only in part, and everything after it, for mingo', () => {
  const stages = [{ $match: { component_name: 'thermo', 'data.temp': { $gt: 20 } } }, { $limit: 1 }];
  const plan = planPipeline(stages);
  assert.deepEqual(plan.where, [{ column: 'component_name', op: '=', value: 'thermo' }]);
  assert.equal(plan.limit, undefined, 'no LIMIT before the in-memory $match has run');
  assert.deepEqual(plan.rest, stages);
});

it('pushes $or only whole, never string ranges, and never values of another type', () => {
  assert.equal(translateMatch({ $or: [{ part_id: 'a' }, { 'data.x': 1 }] }).complete, false);
  assert.deepEqual(translateMatch({ $or: [{ part_id: 'a' }, { part_id: 'b' }] }), {
    predicates: [
      {
        op: 'or',
        of: [
          { op: 'and', of: [{ column: 'part_id', op: '=', value: 'a' }] },
          { op: 'and', of: [{ column: 'part_id', op: '=', value: 'b' }] },
        ],
      },
    ],
    complete: true,
  });
  assert.deepEqual(translateMatch({ component_name: { $gt: 'a' } }), { predicates: [], complete: false });
  assert.deepEqual(translateMatch({ time_requested: '2026-01-01' }), { predicates: [], complete: false });
  assert.deepEqual(translateMatch({ component_name: 3 }), { predicates: [], complete: false });
});

it('accepts only the allowlisted stages, one operator each', () => {
  const bytes = (doc: Record<string, unknown>) => BSON.serialize(doc);
  assert.deepEqual(decodeStages([bytes({ $match: { a: 1 } })]), [{ $match: { a: 1 } }]);
  assert.throws(() => decodeStages([bytes({ $lookup: {} })]), /\$lookup is not an allowed stage/);
  assert.throws(() => decodeStages([bytes({ $match: {}, $limit: 1 })]), /exactly one operator/);
  assert.throws(() => decodeStages([]), /empty/);
});

it('binds readings into the query, joining a WITH list of its own', () => {
  assert.equal(bindReadings('SELECT 1 FROM readings;', 'R'), 'WITH readings AS (R) SELECT 1 FROM readings');
  assert.equal(
    bindReadings('-- mine\nWITH RECURSIVE c(x) AS (SELECT 1) SELECT * FROM c', 'R'),
    'WITH RECURSIVE readings AS (R), c(x) AS (SELECT 1) SELECT * FROM c',
  );
  assert.equal(checkReadingsQuery('select * from sensorData.readings', 'postgres'), 'select * from readings');
  assert.throws(() => checkReadingsQuery('with readings as (select 1) select * from readings', 'sqlite'), /another name/);
});
