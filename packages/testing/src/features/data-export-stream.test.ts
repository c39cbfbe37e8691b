/**
 * Hangar's ReadingsExportService: a whole tabular export in one stream of seed-format NDJSON lines. It
 * answers exactly what TabularDataByFilter pages answer — same readings, same order, same metadata — confined
 * the same way, over every protocol; anonymous callers are refused and a paged request is INVALID_ARGUMENT.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { Code, dataApi, type AppClient } from '@hangar/sdk';
import { ReadingsExportService, type ExportReadingsResponse } from '@hangar/wire';
import { outcome } from '../assertions.js';
import { newMachine } from '../fleet.js';
import { seedOrg, type SeededOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import type { TestServer } from '../server.js';

const at = (ms: number): [Date, Date] => [new Date(ms), new Date(ms + 3)];
const T0 = Date.UTC(2026, 10, 1, 10, 0, 0);

/** thermo and hygro readings, interleaved in time, from one machine of the organization. */
async function seedReadings(s: TestServer, a: SeededOrg, tag: string): Promise<void> {
  const { mainPart } = await newMachine(a.owner, a.location.id, `sensors-${tag}`);
  const part = await a.owner.getRobotPart(mainPart.id);
  const machine = (await s.connect({ type: 'robot-secret', partId: part.id, secret: part.secret }, 'grpc')).dataClient();
  await machine.tabularDataCaptureUpload(
    [{ temp: 20, org: tag }, { temp: 21 }, { temp: 22 }],
    part.id,
    'rdk:component:sensor',
    'thermo',
    'Readings',
    [at(T0), at(T0 + 2000), at(T0 + 4000)],
    ['lab'],
  );
  await machine.tabularDataCaptureUpload([{ humidity: 40 }, { humidity: 41 }], part.id, 'rdk:component:sensor', 'hygro', 'Readings', [
    at(T0 + 1000),
    at(T0 + 3000),
  ]);
}

async function collect(stream: AsyncIterable<ExportReadingsResponse>) {
  const lines: Record<string, unknown>[] = [];
  const metadata: dataApi.CaptureMetadata[] = [];
  let messages = 0;
  for await (const m of stream) {
    messages++;
    metadata.push(...m.metadata);
    const text = Buffer.from(m.lines).toString('utf8');
    const got = text === '' ? [] : text.trimEnd().split('\n');
    assert.equal(got.length, m.readings, 'readings counts the message’s lines');
    lines.push(...got.map((l) => JSON.parse(l) as Record<string, unknown>));
  }
  return { lines, metadata, messages };
}

/** The same readings through TabularDataByFilter, in its default order, as the seed-era CLI numbers metadata. */
async function viaPages(client: AppClient, organizationIds: string[]) {
  const page = await client.dataClient().tabularDataByFilter({ organizationIds }, { limit: 1000 });
  const keys: string[] = [];
  return page.data.map((row) => {
    const key = row.metadata?.toJsonString() ?? '';
    if (!keys.includes(key)) keys.push(key);
    return { data: row.data, metadataIndex: keys.indexOf(key), timeRequested: row.timeRequested?.getTime() };
  });
}

await describeEngines('tabular export stream', (server) => {
  it('streams what TabularDataByFilter pages answer, as seed-format lines, confined to what the caller reads', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    await seedReadings(s, a, 'a');
    await seedReadings(s, b, 'b');

    const mine = await collect(a.owner.dataClient().exportReadings({ organizationIds: [a.org.id] }));
    const expected = await viaPages(a.owner, [a.org.id]);
    assert.equal(mine.lines.length, 5);
    assert.deepEqual(
      mine.lines.map((l) => {
        const { MetadataIndex, TimeRequested, ...rest } = l;
        const data = Object.fromEntries(Object.entries(rest).filter(([k]) => k !== 'TimeReceived'));
        const t = TimeRequested as { seconds: number; nanos?: number };
        return { data, metadataIndex: MetadataIndex, timeRequested: t.seconds * 1000 + (t.nanos ?? 0) / 1e6 };
      }),
      expected,
    );
    // Newest first, each metadata entry once, numbered as the readings first use them.
    assert.deepEqual(
      mine.lines.map((l) => l.MetadataIndex),
      [0, 1, 0, 1, 0],
    );
    assert.deepEqual(
      mine.metadata.map((md) => [md.componentName, md.organizationId, md.tags]),
      [
        ['thermo', a.org.id, ['lab']],
        ['hygro', a.org.id, []],
      ],
    );
    assert.deepEqual(Object.keys(mine.lines[4] ?? {}), ['MetadataIndex', 'TimeReceived', 'TimeRequested', 'org', 'temp']);
    assert.deepEqual(mine.lines[4]?.TimeReceived, { seconds: T0 / 1000, nanos: 3_000_000 });

    // Ascending when asked; no filter means everything the caller reads, which is never another organization's.
    const ascending = await collect(a.owner.dataClient().exportReadings({}, { sortOrder: dataApi.Order.ASCENDING }));
    assert.deepEqual(
      ascending.lines.map((l) => l.temp ?? l.humidity),
      [20, 40, 21, 41, 22],
    );
    assert.equal(
      ascending.lines.some((l) => l.org === 'b'),
      false,
    );
    const outsider = await collect(b.owner.dataClient().exportReadings({ organizationIds: [a.org.id] }));
    assert.deepEqual([outsider.lines.length, outsider.metadata.length, outsider.messages], [0, 0, 0]);
    const narrowed = await collect(a.owner.dataClient().exportReadings({ organizationIds: [a.org.id], componentName: 'hygro' }));
    assert.deepEqual(
      narrowed.lines.map((l) => [l.humidity, l.MetadataIndex]),
      [
        [41, 0],
        [40, 0],
      ],
    );
  });

  it('serves every protocol, refuses anonymous callers and paged requests', async () => {
    const s = server();
    const a = await seedOrg(s);
    await seedReadings(s, a, 'a');
    const token = a.owner.accessToken;
    const headers = { authorization: `Bearer ${token}` };
    const request = { dataRequest: { filter: { organizationIds: [a.org.id] } } };
    for (const transport of [
      createConnectTransport({ baseUrl: s.url, httpVersion: '1.1' }),
      createGrpcWebTransport({ baseUrl: s.url, httpVersion: '1.1' }),
      createGrpcTransport({ baseUrl: s.url, httpVersion: '2' }),
    ]) {
      const client = createClient(ReadingsExportService, transport);
      const { lines } = await collect(client.exportReadings(request, { headers }));
      assert.equal(lines.length, 5);
      assert.equal(await outcome(collect(client.exportReadings(request))), Code.Unauthenticated);
      assert.equal(
        await outcome(
          collect(client.exportReadings({ dataRequest: { limit: 10n, filter: { organizationIds: [a.org.id] } } }, { headers })),
        ),
        Code.InvalidArgument,
      );
      assert.equal(await outcome(collect(client.exportReadings({ dataRequest: { last: 'x' } }, { headers }))), Code.InvalidArgument);
    }
  });
});
