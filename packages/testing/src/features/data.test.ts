/**
 * Machine data through our SDK: a machine uploads readings and files with its own credential (gRPC, the
 * streams over HTTP/2), users query them by filter and id, page through them, download a file from its
 * uri and delete. Other organizations' data is never visible, not even in counts.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { it } from 'node:test';
import { Code, dataApi, type AppClient, type DataClient } from '@hangar/sdk';
import { hasCode } from '../assertions.js';
import { newMachine } from '../fleet.js';
import { seedOrg, type SeededOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { officialClient } from '../viam.js';
import { startTestServer, type TestServer } from '../server.js';
import { WIRE_PROTOCOLS, withAuthorization } from '../wire-clients.js';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { DataService, DataSyncService } from '@hangar/wire';
import { waitFor } from '../agent-process.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

interface DataMachine {
  readonly robotId: string;
  readonly partId: string;
  /** Signed in as the machine part itself (its secret), over gRPC as viam-server calls. */
  readonly uploader: DataClient;
}

async function dataMachine(s: TestServer, a: SeededOrg, name: string): Promise<DataMachine> {
  const { robotId, mainPart } = await newMachine(a.owner, a.location.id, name);
  const part = await a.owner.getRobotPart(mainPart.id);
  const machine = await s.connect({ type: 'robot-secret', partId: part.id, secret: part.secret }, 'grpc');
  return { robotId, partId: part.id, uploader: machine.dataClient() };
}

const at = (iso: string): [Date, Date] => [new Date(iso), new Date(new Date(iso).getTime() + 5)];

function get(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

const tokenOf = (client: AppClient): string => client.accessToken;

await describeEngines('machine data', (server, engine) => {
  it('takes tabular readings from a machine and answers TabularDataByFilter with metadata indexes', async () => {
    const s = server();
    const a = await seedOrg(s);
    const m = await dataMachine(s, a, 'sensor-bot');
    const fileId = await m.uploader.tabularDataCaptureUpload(
      [{ temp: 21.5, ok: true }, { temp: 22 }],
      m.partId,
      'rdk:component:sensor',
      'thermo',
      'Readings',
      [at('2026-11-01T10:00:00Z'), at('2026-11-01T10:00:01Z')],
      ['lab'],
    );
    assert.match(fileId, /^[0-9a-f]{64}$/);
    const data = a.owner.dataClient();
    const page = await data.tabularDataByFilter({ organizationIds: [a.org.id] }, { sortOrder: dataApi.Order.ASCENDING });
    assert.equal(page.data.length, 2);
    assert.deepEqual(page.data[0]?.data, { temp: 21.5, ok: true });
    assert.equal(page.data[0]?.timeRequested?.toISOString(), '2026-11-01T10:00:00.000Z');
    const md = page.data[0]?.metadata;
    assert.equal(md?.partId, m.partId);
    assert.equal(md?.robotId, m.robotId);
    assert.equal(md?.robotName, 'sensor-bot');
    assert.equal(md?.organizationId, a.org.id, 'the organization comes from the part, not the message');
    assert.equal(md?.locationId, a.location.id);
    assert.deepEqual(md?.tags, ['lab']);
    assert.equal(page.data[1]?.metadata, md, 'both readings share one metadata entry');
    const counted = await data.tabularDataByFilter({ organizationIds: [a.org.id] }, { countOnly: true });
    assert.equal(counted.count, 2);
    // The operator of the location reads too; another organization sees nothing, not even a count.
    assert.equal((await a.operator.dataClient().tabularDataByFilter()).data.length, 2);
    const b = await seedOrg(s);
    assert.equal((await b.owner.dataClient().tabularDataByFilter({ organizationIds: [a.org.id] }, { countOnly: true })).count, 0);
    const latest = await data.getLatestTabularData(m.partId, 'thermo', 'rdk:component:sensor', 'Readings');
    assert.deepEqual(latest?.payload, { temp: 22 });
    assert.equal(await data.getLatestTabularData(m.partId, 'nothing', 'rdk:component:sensor', 'Readings'), null);
    const exported = await data.exportTabularData(m.partId, 'thermo', 'rdk:component:sensor', 'Readings');
    assert.deepEqual(
      exported.map((r) => r.payload?.toJson()),
      [{ temp: 21.5, ok: true }, { temp: 22 }],
    );
  });

  it('answers TabularDataByFilter alike in every protocol and codec (readings pre-encoded for binary ones)', async () => {
    const s = server();
    const a = await seedOrg(s);
    const m = await dataMachine(s, a, 'codecs');
    const readings = [
      { temp: 21.5, nested: { list: [1, 'two', null, { deep: true }] } },
      { empty: {}, text: 'ünïcode ✓' },
    ];
    await m.uploader.tabularDataCaptureUpload(readings, m.partId, 'rdk:component:sensor', 'thermo', 'Readings', [
      at('2026-11-01T10:00:00.123456Z'),
      at('2026-11-01T10:00:01Z'),
    ]);
    for (const protocol of WIRE_PROTOCOLS) {
      const client = createClient(DataService, protocol.transport(s.url, [withAuthorization(`Bearer ${tokenOf(a.owner)}`)]));
      const page = await client.tabularDataByFilter({
        dataRequest: { filter: { organizationIds: [a.org.id] }, sortOrder: dataApi.Order.ASCENDING },
      });
      assert.deepEqual(
        page.data.map((d) => d.data?.toJson()),
        readings,
        protocol.name,
      );
      assert.equal(page.data[0]?.timeRequested?.nanos, 123_000_000, `${protocol.name}: microseconds kept`);
      assert.equal(page.metadata[page.data[1]?.metadataIndex ?? -1]?.componentName, 'thermo', protocol.name);
    }
  });

  it('stores binary captures and files, filters them, keeps request order by id, and serves the uri with ranges', async () => {
    const s = server();
    const a = await seedOrg(s);
    const m = await dataMachine(s, a, 'camera-bot');
    const image = randomBytes(5000);
    const big = randomBytes(300 * 1024);
    const imageId = await m.uploader.binaryDataCaptureUpload(image, m.partId, '.jpg', {
      componentType: 'rdk:component:camera',
      componentName: 'cam',
      methodName: 'ReadImage',
      tags: ['cats'],
      dataRequestTimes: at('2026-11-02T08:00:00Z'),
    });
    const fileId = await m.uploader.fileUpload(m.partId, big, { fileName: 'logs/run.bin', tags: ['dogs'] });
    const streamedId = await m.uploader.streamingDataCaptureUpload(big, m.partId, '.pcd', {
      componentName: 'lidar',
      dataRequestTimes: at('2026-11-02T09:00:00Z'),
    });
    for (const id of [imageId, fileId, streamedId]) assert.match(id, new RegExp(`^${a.org.id}/${a.location.id}/[0-9a-f]{64}$`));

    const data = a.owner.dataClient();
    const all = await data.binaryDataByFilter({ organizationIds: [a.org.id] }, { includeBinaryData: false });
    assert.equal(all.data.length, 3);
    assert.ok(
      all.data.every((d) => d.binary.length === 0),
      'no bytes without include_binary',
    );
    const cats = await data.binaryDataByFilter({ tagsFilter: { type: dataApi.TagsFilterType.MATCH_BY_OR, tags: ['cats', 'nope'] } });
    assert.deepEqual(
      cats.data.map((d) => d.metadata?.binaryDataId),
      [imageId],
    );
    assert.equal(sha256(cats.data[0]?.binary ?? new Uint8Array()), sha256(image), 'include_binary defaults to true');
    assert.equal(cats.data[0]?.metadata?.captureMetadata?.mimeType, 'image/jpeg');
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the seed-era CLI reads it
    assert.equal(cats.data[0]?.metadata?.id, imageId.split('/')[2], 'the deprecated id is the file id');
    const untagged = await data.binaryDataByFilter({ tagsFilter: { type: dataApi.TagsFilterType.UNTAGGED } }, { includeBinaryData: false });
    assert.deepEqual(
      untagged.data.map((d) => d.metadata?.binaryDataId),
      [streamedId],
    );
    const byComponent = await data.binaryDataByFilter(
      { componentName: 'lidar', mimeType: ['pointcloud/pcd'] },
      { includeBinaryData: false },
    );
    assert.deepEqual(
      byComponent.data.map((d) => d.metadata?.binaryDataId),
      [streamedId],
    );
    const window = await data.binaryDataByFilter(
      {
        interval: {
          start: { seconds: BigInt(Date.parse('2026-11-02T07:00:00Z') / 1000) },
          end: { seconds: BigInt(Date.parse('2026-11-02T08:30:00Z') / 1000) },
        },
      },
      { includeBinaryData: false },
    );
    assert.deepEqual(
      window.data.map((d) => d.metadata?.binaryDataId),
      [imageId],
    );
    const counted = await data.binaryDataByFilter({}, { countOnly: true });
    assert.equal(counted.count, 3);
    assert.equal(counted.totalSizeBytes, image.length + 2 * big.length);

    const ordered = await data.binaryDataByIds([streamedId, imageId, fileId]);
    assert.deepEqual(
      ordered.map((d) => d.metadata?.binaryDataId),
      [streamedId, imageId, fileId],
      'request order is kept',
    );
    assert.equal(sha256(ordered[2]?.binary ?? new Uint8Array()), sha256(big));
    assert.equal(ordered[2]?.metadata?.fileName, 'logs/run.bin');
    assert.equal(ordered[2]?.metadata?.fileExt, '.bin');
    await assert.rejects(data.binaryDataByIds([]), hasCode(Code.InvalidArgument));

    // The uri is a real download: the caller's token, ranges, ETag = sha256.
    const uri = ordered[2]?.metadata?.uri ?? '';
    const token = tokenOf(a.owner);
    const whole = await get(uri, { authorization: `Bearer ${token}` });
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.etag, `"${sha256(big)}"`);
    assert.equal(sha256(whole.body), sha256(big));
    const part = await get(uri, { authorization: `Bearer ${token}`, range: 'bytes=100-199' });
    assert.equal(part.status, 206);
    assert.deepEqual(part.body, Buffer.from(big.subarray(100, 200)));
    assert.equal((await get(uri, {})).status, 401);
    const byKey = await get(uri, { key_id: a.ownerKey.id, key: a.ownerKey.key });
    assert.equal(byKey.status, 200, 'an API key in key_id/key headers, as the newer viam CLI sends it');
    assert.equal(sha256(byKey.body), sha256(big));
    assert.equal((await get(uri, { key_id: a.ownerKey.id, key: 'wrong' })).status, 401);
    const b = await seedOrg(s);
    assert.equal((await get(uri, { authorization: `Bearer ${tokenOf(b.owner)}` })).status, 404, 'another organization gets NOT_FOUND');
    await assert.rejects(b.owner.dataClient().binaryDataByIds([imageId]), hasCode(Code.NotFound));
  });

  it('answers the official TS SDK (gRPC-web): queries, ids, tags, latest and export', async () => {
    const s = server();
    const a = await seedOrg(s);
    const m = await dataMachine(s, a, 'official');
    const first = await m.uploader.binaryDataCaptureUpload(randomBytes(64), m.partId, '.png', { componentName: 'cam', tags: ['x'] });
    const second = await m.uploader.binaryDataCaptureUpload(randomBytes(64), m.partId, '.png', { componentName: 'cam' });
    await m.uploader.tabularDataCaptureUpload([{ v: 1 }], m.partId, 'rdk:component:sensor', 's1', 'Readings', [at('2026-11-01T00:00:00Z')]);
    const viam = (await officialClient(s.url, a.ownerKey.id, a.ownerKey.key)).dataClient;
    const page = await viam.binaryDataByFilter({ organizationIds: [a.org.id] } as never, 10, undefined, undefined, false);
    assert.equal(page.data.length, 2);
    assert.notEqual(page.last, '');
    assert.equal(page.count, 2n);
    const byIds = await viam.binaryDataByIds([second, first]);
    assert.deepEqual(
      byIds.map((d) => d.metadata?.binaryDataId),
      [second, first],
    );
    const tabular = await viam.tabularDataByFilter(undefined, 10);
    assert.deepEqual(tabular.data[0]?.data, { v: 1 });
    await viam.addTagsToBinaryDataByIds(['y', 'z'], [first, second]);
    assert.deepEqual(await viam.tagsByFilter({ organizationIds: [a.org.id] } as never), ['x', 'y', 'z']);
    assert.equal(await viam.removeTagsFromBinaryDataByIds(['z'], [first, second]), 2n);
    assert.deepEqual(await viam.tagsByFilter(), ['x', 'y']);
    const latest = await viam.getLatestTabularData(m.partId, 's1', 'rdk:component:sensor', 'Readings');
    assert.deepEqual(latest?.[2], { v: 1 });
    const exported = await viam.exportTabularData(m.partId, 's1', 'rdk:component:sensor', 'Readings');
    assert.equal(exported.length, 1);
    assert.deepEqual(exported[0]?.payload, { v: 1 });
    // Tagging and deleting are for owners: the operator's key changes nothing.
    const operator = (await officialClient(s.url, a.operatorKey.id, a.operatorKey.key)).dataClient;
    await assert.rejects(operator.addTagsToBinaryDataByIds(['nope'], [first]), hasCode(Code.PermissionDenied));
    await assert.rejects((await seedOrg(s)).owner.dataClient().binaryDataByIds([first]), hasCode(Code.NotFound));
    assert.equal(await operator.deleteBinaryDataByIds([first]), 0n);
    assert.equal(await viam.deleteBinaryDataByIds([first]), 1n);
    assert.equal((await viam.binaryDataByFilter(undefined, 10, undefined, undefined, false, true)).count, 1n);
  });

  it('pages with a non-empty last on every page and an empty page after the last, while uploads continue', async () => {
    const s = server();
    const a = await seedOrg(s);
    const m = await dataMachine(s, a, 'pager');
    const uploaded: string[] = [];
    for (let i = 0; i < 7; i++) {
      uploaded.push(
        await m.uploader.binaryDataCaptureUpload(randomBytes(10), m.partId, '.bin', {
          dataRequestTimes: at(`2026-11-03T00:00:0${i}Z`),
        }),
      );
    }
    const data = a.owner.dataClient();
    const seen: string[] = [];
    let last = '';
    let pages = 0;
    for (;;) {
      const page = await data.binaryDataByFilter({ organizationIds: [a.org.id] }, { limit: 3, last, includeBinaryData: false });
      if (page.data.length === 0) break;
      assert.notEqual(page.last, '', 'a non-empty page has a cursor');
      seen.push(...page.data.map((d) => d.metadata?.binaryDataId ?? ''));
      last = page.last;
      pages++;
      // New data arrives (newer than anything listed) while the export pages.
      if (pages === 1)
        await m.uploader.binaryDataCaptureUpload(randomBytes(10), m.partId, '.bin', { dataRequestTimes: at('2026-11-04T00:00:00Z') });
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...uploaded].reverse(), 'newest first, each exactly once');
    await assert.rejects(data.binaryDataByFilter({}, { last: 'not-a-cursor' }), hasCode(Code.InvalidArgument, 'cursor'));
  });

  it('deletes by filter and by id (owners only) and tabular data by UTC day', async () => {
    const s = server();
    const a = await seedOrg(s);
    const m = await dataMachine(s, a, 'deleter');
    const ids = [];
    for (const tag of ['a', 'a', 'b'])
      ids.push(await m.uploader.binaryDataCaptureUpload(randomBytes(100), m.partId, '.bin', { tags: [tag] }));
    const b = await seedOrg(s);
    const mb = await dataMachine(s, b, 'other');
    await mb.uploader.binaryDataCaptureUpload(randomBytes(100), mb.partId, '.bin', { tags: ['a'] });

    assert.equal(await a.operator.dataClient().deleteBinaryDataByFilter({}), 0, 'operators may not delete: nothing is deleted');
    const data = a.owner.dataClient();
    assert.equal(await data.deleteBinaryDataByFilter({ tagsFilter: { tags: ['a'] } }), 2, "only this organization's data");
    assert.equal((await b.owner.dataClient().binaryDataByFilter({}, { countOnly: true })).count, 1);
    assert.equal(await data.deleteBinaryDataByIds([ids[2] ?? '']), 1);
    assert.equal((await data.binaryDataByFilter({}, { countOnly: true })).count, 0);

    const now = Date.now();
    const day = 86_400_000;
    await m.uploader.tabularDataCaptureUpload([{ v: 1 }, { v: 2 }, { v: 3 }], m.partId, 'rdk:component:sensor', 's', 'Readings', [
      [new Date(now - 3 * day), new Date(now - 3 * day)],
      [new Date(now - 1 * day), new Date(now - 1 * day)],
      [new Date(now), new Date(now)],
    ]);
    await assert.rejects(a.operator.dataClient().deleteTabularData(a.org.id, 1), hasCode(Code.PermissionDenied));
    assert.equal(await data.deleteTabularData(a.org.id, 2), 1, 'two days keep today and yesterday (UTC)');
    assert.equal(await data.deleteTabularData(a.org.id, 0), 2, '0 deletes everything');
  });

  it('refuses uploads without metadata first, for parts the caller cannot write, and over the size limit', async () => {
    const s = server();
    const a = await seedOrg(s);
    const m = await dataMachine(s, a, 'guarded');
    const other = await dataMachine(s, a, 'neighbour');
    await assert.rejects(
      m.uploader.tabularDataCaptureUpload([{ x: 1 }], other.partId, 't', 'n', 'm', [at('2026-11-01T00:00:00Z')]),
      hasCode(Code.NotFound),
      "a machine uploads only for its own part: another part's answers as if missing",
    );
    await assert.rejects(
      a.operator.dataClient().tabularDataCaptureUpload([{ x: 1 }], m.partId, 't', 'n', 'm', [at('2026-11-01T00:00:00Z')]),
      hasCode(Code.PermissionDenied),
    );
    await assert.rejects(m.uploader.tabularDataCaptureUpload([], m.partId, 't', 'n', 'm', []), hasCode(Code.InvalidArgument));
    // A stream whose first message is not its metadata.
    const sync = createClient(
      DataSyncService,
      createGrpcTransport({ baseUrl: s.url, httpVersion: '2', interceptors: [withAuthorization(`Bearer ${tokenOf(a.owner)}`)] }),
    );
    async function* bytesFirst() {
      await Promise.resolve();
      yield { uploadPacket: { case: 'fileContents' as const, value: { data: new Uint8Array(10) } } };
    }
    await assert.rejects(sync.fileUpload(bytesFirst()), hasCode(Code.InvalidArgument, 'first message must be metadata'));
    assert.equal((await a.owner.dataClient().tabularDataByFilter({}, { countOnly: true })).count, 0, 'nothing was stored');
    assert.equal((await a.owner.dataClient().binaryDataByFilter({}, { countOnly: true })).count, 0, 'nothing was stored');

    // A file over --max-upload-mb is refused whole: RESOURCE_EXHAUSTED, and nothing listed.
    const small = await startTestServer(engine, { flags: { maxUploadMb: '1' } });
    try {
      const b = await seedOrg(small);
      const mb = await dataMachine(small, b, 'big');
      await assert.rejects(
        mb.uploader.fileUpload(mb.partId, randomBytes(1024 * 1024 + 1), { fileName: 'big.bin' }),
        hasCode(Code.ResourceExhausted),
      );
      assert.equal((await b.owner.dataClient().binaryDataByFilter({}, { countOnly: true })).count, 0);
    } finally {
      await small.close();
    }
  });

  it("deleting an organization frees its files' blobs, and keeps those another organization's files share", async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const ma = await dataMachine(s, a, 'doomed');
    const mb = await dataMachine(s, b, 'kept');
    const shared = randomBytes(2048);
    const own = randomBytes(2048);
    await ma.uploader.binaryDataCaptureUpload(shared, ma.partId, '.bin', {});
    await ma.uploader.binaryDataCaptureUpload(own, ma.partId, '.bin', {});
    await mb.uploader.binaryDataCaptureUpload(shared, mb.partId, '.bin', {});
    const blobPath = (bytes: Uint8Array) => {
      const sum = sha256(bytes);
      return join(s.db.dataDir, 'blobs', 'sha256', sum.slice(0, 2), sum);
    };
    assert.ok(existsSync(blobPath(own)) && existsSync(blobPath(shared)));
    await s.client.deleteOrganization(a.org.id);
    assert.equal(existsSync(blobPath(own)), false, 'the deleted organization’s own file is gone from disk');
    assert.ok(existsSync(blobPath(shared)), 'bytes another organization still lists stay');
    const [left] = (await b.owner.dataClient().binaryDataByFilter()).data;
    assert.equal(sha256(left?.binary ?? new Uint8Array()), sha256(shared));
  });

  it('deletes data past --data-retention-days in the background, and keeps the rest', async () => {
    const s = await startTestServer(engine, { flags: { dataRetentionDays: '2', dataRetentionIntervalSeconds: '1' } });
    try {
      const a = await seedOrg(s);
      const m = await dataMachine(s, a, 'retained');
      const old = new Date(Date.now() - 3 * 86_400_000);
      const recent = new Date(Date.now() - 86_400_000);
      await m.uploader.tabularDataCaptureUpload([{ v: 'old' }, { v: 'new' }], m.partId, 't', 'n', 'm', [
        [old, old],
        [recent, recent],
      ]);
      await m.uploader.binaryDataCaptureUpload(randomBytes(10), m.partId, '.bin', { dataRequestTimes: [old, old] });
      const kept = await m.uploader.binaryDataCaptureUpload(randomBytes(10), m.partId, '.bin', { dataRequestTimes: [recent, recent] });
      const data = a.owner.dataClient();
      await waitFor('retention to delete the old data', async () => {
        const files = await data.binaryDataByFilter({}, { countOnly: true });
        const readings = await data.tabularDataByFilter({}, { countOnly: true });
        return files.count === 1 && readings.count === 1 ? true : undefined;
      });
      assert.deepEqual(
        (await data.binaryDataByFilter({}, { includeBinaryData: false })).data.map((d) => d.metadata?.binaryDataId),
        [kept],
      );
      assert.deepEqual(
        (await data.tabularDataByFilter()).data.map((d) => d.data),
        [{ v: 'new' }],
      );
    } finally {
      await s.close();
    }
  });
});
