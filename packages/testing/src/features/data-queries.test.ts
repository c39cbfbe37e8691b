/**
 * Queries users write over their organization's readings: SQL (TabularDataBySQL, in the backend's own
 * dialect over a `readings` relation) and MongoDB aggregation pipelines (TabularDataByMQL), both
 * answering BSON documents, through the official TS SDK and ours. Only owners query; only their
 * organization's rows are there; anything but one read of `readings` is refused.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Code } from '@hangar/sdk';
import { hasCode } from '../assertions.js';
import { newMachine } from '../fleet.js';
import { seedOrg, type SeededOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { officialClient } from '../viam.js';
import { startTestServer, type TestServer } from '../server.js';

const at = (iso: string): [Date, Date] => [new Date(iso), new Date(new Date(iso).getTime() + 5)];

/** thermo: 20, 21, 22 at 10:00, 10:01, 10:02; hygro: 40, 41 at 11:00, 11:01 (2026-11-01, UTC). */
async function seedReadings(s: TestServer, a: SeededOrg): Promise<string> {
  const { mainPart } = await newMachine(a.owner, a.location.id, 'sensors');
  const part = await a.owner.getRobotPart(mainPart.id);
  const machine = (await s.connect({ type: 'robot-secret', partId: part.id, secret: part.secret }, 'grpc')).dataClient();
  await machine.tabularDataCaptureUpload(
    [{ temp: 20 }, { temp: 21 }, { temp: 22 }],
    part.id,
    'rdk:component:sensor',
    'thermo',
    'Readings',
    [at('2026-11-01T10:00:00Z'), at('2026-11-01T10:01:00Z'), at('2026-11-01T10:02:00Z')],
    ['lab'],
  );
  await machine.tabularDataCaptureUpload([{ humidity: 40 }, { humidity: 41 }], part.id, 'rdk:component:sensor', 'hygro', 'Readings', [
    at('2026-11-01T11:00:00Z'),
    at('2026-11-01T11:01:00Z'),
  ]);
  return part.id;
}

await describeEngines('SQL and MQL over readings', (server, engine) => {
  it('answers SQL as BSON documents through the official TS SDK, confined to the organization', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const partId = await seedReadings(s, a);
    await seedReadings(s, b);
    const viam = (await officialClient(s.url, a.ownerKey.id, a.ownerKey.key)).dataClient;

    const counts = await viam.tabularDataBySQL(
      a.org.id,
      'SELECT component_name, count(*) AS n FROM readings GROUP BY component_name ORDER BY component_name',
    );
    assert.deepEqual(counts, [
      { component_name: 'hygro', n: 2 },
      { component_name: 'thermo', n: 3 },
    ]);
    const first = await viam.tabularDataBySQL(
      a.org.id,
      `SELECT part_id, time_requested, tags, data FROM sensorData.readings WHERE component_name = 'thermo' ORDER BY time_requested LIMIT 1`,
    );
    assert.equal(first.length, 1);
    const row = first[0] as Record<string, unknown> | undefined;
    assert.equal(row?.part_id, partId);
    const captured = row?.time_requested;
    assert.ok(captured instanceof Date, 'capture times are BSON dates');
    assert.equal(captured.toISOString(), '2026-11-01T10:00:00.000Z');
    assert.deepEqual(row?.tags, ['lab']);
    assert.deepEqual(row?.data, { temp: 20 });

    // The backend's own JSON operators, and a WITH of the query's own.
    const temp = engine === 'postgres' ? "(data->>'temp')::float" : "json_extract(data, '$.temp')";
    const hot = await viam.tabularDataBySQL(
      a.org.id,
      `WITH t AS (SELECT ${temp} AS temp FROM readings WHERE component_name = 'thermo') SELECT max(temp) AS hottest FROM t`,
    );
    assert.deepEqual(hot, [{ hottest: 22 }]);

    // Ours says the same.
    assert.deepEqual(await a.owner.dataClient().tabularDataBySql(a.org.id, 'SELECT count(*) AS n FROM readings'), [{ n: 5 }]);

    // Owners only, and only their own organization.
    const operator = (await officialClient(s.url, a.operatorKey.id, a.operatorKey.key)).dataClient;
    await assert.rejects(operator.tabularDataBySQL(a.org.id, 'SELECT 1 AS x FROM readings'), hasCode(Code.PermissionDenied));
    // To another organization's owner, this organization does not exist.
    await assert.rejects(b.owner.dataClient().tabularDataBySql(a.org.id, 'SELECT 1 AS x FROM readings'), hasCode(Code.NotFound));
  });

  it('refuses SQL that is not one SELECT over readings, each with its own message, and changes nothing', async () => {
    const s = server();
    const a = await seedOrg(s);
    await seedReadings(s, a);
    const data = a.owner.dataClient();
    const refused = async (query: string, words: RegExp) => {
      await assert.rejects(data.tabularDataBySql(a.org.id, query), (err: unknown) => {
        assert.ok(hasCode(Code.InvalidArgument)(err), `${query}: ${String(err)}`);
        assert.match((err as Error).message, words, query);
        return true;
      });
    };
    await refused('', /empty/);
    await refused('DELETE FROM readings', /must be a SELECT/);
    await refused('SELECT 1 AS x FROM readings; DELETE FROM readings', /exactly one statement/);
    await refused('SELECT * FROM users', /only readings.*not users/);
    await refused('SELECT * FROM readings r JOIN data_tabular d ON true', /not data_tabular/);
    await refused('SELECT * FROM public.organizations', /not public\.organizations/);
    await refused(engine === 'postgres' ? "SELECT pg_read_file('/etc/passwd') AS f" : "SELECT load_extension('x') AS f", /may not call/);
    await refused('SELECT no_such_column FROM readings', /the query failed/);
    await refused('SELEKT everything', /does not parse/);
    assert.deepEqual(await data.tabularDataBySql(a.org.id, 'SELECT count(*) AS n FROM readings'), [{ n: 5 }], 'nothing was changed');
  });

  it('runs MQL pipelines through the official TS SDK: $match pushed to SQL, the rest in memory', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    await seedReadings(s, a);
    await seedReadings(s, b);
    const viam = (await officialClient(s.url, a.ownerKey.id, a.ownerKey.key)).dataClient;

    const average = await viam.tabularDataByMQL(a.org.id, [
      { $match: { component_name: 'thermo' } },
      { $group: { _id: '$component_name', avg: { $avg: '$data.temp' }, n: { $sum: 1 } } },
    ]);
    assert.deepEqual(average, [{ _id: 'thermo', avg: 21, n: 3 }]);

    const since = await viam.tabularDataByMQL(a.org.id, [
      // The SDK's type has no room for a nested Date, though BSON carries it.
      { $match: { time_requested: { $gte: new Date('2026-11-01T10:01:00Z') }, component_name: { $in: ['thermo', 'hygro'] } } } as never,
      { $count: 'n' },
    ]);
    assert.deepEqual(since, [{ n: 4 }]);

    const latest = await viam.tabularDataByMQL(a.org.id, [
      { $sort: { time_requested: -1 } },
      { $limit: 2 },
      { $project: { _id: 0, component_name: 1, data: 1, time_requested: 1 } },
    ]);
    assert.deepEqual(latest, [
      { component_name: 'hygro', time_requested: new Date('2026-11-01T11:01:00Z'), data: { humidity: 41 } },
      { component_name: 'hygro', time_requested: new Date('2026-11-01T11:00:00Z'), data: { humidity: 40 } },
    ]);

    // A $match SQL cannot answer (a data path, a regex) runs in memory, with the same answer.
    const warm = await a.owner
      .dataClient()
      .tabularDataByMql(a.org.id, [
        { $match: { 'data.temp': { $gt: 20 }, component_name: { $regex: '^th' } } },
        { $sort: { 'data.temp': 1 } },
        { $skip: 1 },
        { $project: { _id: 0, temp: '$data.temp' } },
      ]);
    assert.deepEqual(warm, [{ temp: 22 }]);

    const byTag = await viam.tabularDataByMQL(a.org.id, [{ $unwind: '$tags' }, { $sortByCount: '$tags' }]);
    assert.deepEqual(byTag, [{ _id: 'lab', count: 3 }]);

    // Stages outside Viam's allowlist, and bad BSON, are refused by name.
    await assert.rejects(
      viam.tabularDataByMQL(a.org.id, [{ $lookup: { from: 'users', localField: 'x', foreignField: 'y', as: 'z' } }]),
      (err: unknown) => hasCode(Code.InvalidArgument)(err) && (err as Error).message.includes('$lookup is not an allowed stage'),
    );
    await assert.rejects(viam.tabularDataByMQL(a.org.id, [{ $out: 'copy' }]), hasCode(Code.InvalidArgument));
    await assert.rejects(viam.tabularDataByMQL(a.org.id, [new Uint8Array([1, 2, 3])]), hasCode(Code.InvalidArgument));
    await assert.rejects(b.owner.dataClient().tabularDataByMql(a.org.id, [{ $count: 'n' }]), hasCode(Code.NotFound));
  });

  it('ends a query at --data-query-timeout-seconds and refuses answers over --data-query-max-rows', async () => {
    const s = await startTestServer(engine, { flags: { dataQueryTimeoutSeconds: '1', dataQueryMaxRows: '4' } });
    try {
      const a = await seedOrg(s);
      await seedReadings(s, a);
      const data = a.owner.dataClient();
      const forever = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c, readings';
      await assert.rejects(data.tabularDataBySql(a.org.id, forever), hasCode(Code.DeadlineExceeded));
      await assert.rejects(data.tabularDataBySql(a.org.id, 'SELECT * FROM readings'), hasCode(Code.ResourceExhausted));
      assert.equal((await data.tabularDataBySql(a.org.id, 'SELECT * FROM readings LIMIT 4')).length, 4);
      await assert.rejects(data.tabularDataByMql(a.org.id, [{ $project: { data: 1 } }]), hasCode(Code.ResourceExhausted));
      // The server goes on answering after a query it ended.
      assert.deepEqual(await data.tabularDataBySql(a.org.id, 'SELECT count(*) AS n FROM readings'), [{ n: 5 }]);
    } finally {
      await s.close();
    }
  });
});
