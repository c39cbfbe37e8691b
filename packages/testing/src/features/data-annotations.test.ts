/**
 * Datasets, bounding boxes and signed URLs, through the official TS SDK (gRPC-web): an owner builds a
 * dataset from uploaded images, boxes them, filters by box label and dataset, and hands out a link that
 * works without credentials until it expires. Operators read but change nothing; other organizations
 * see nothing.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { Code } from '@hangar/sdk';
import { hasCode } from '../assertions.js';
import { newMachine } from '../fleet.js';
import { seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { officialClient } from '../viam.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const times = (iso: string): [Date, Date] => [new Date(iso), new Date(iso)];

type OfficialData = Awaited<ReturnType<typeof officialClient>>['dataClient'];

/** A camera image captured at `iso`, uploaded through the official SDK (DataCaptureUpload over gRPC-web). */
function capture(
  viam: OfficialData,
  partId: string,
  iso: string,
  options: { ext: string; bytes?: Uint8Array; datasets?: string[] },
): Promise<string> {
  const { ext, bytes = randomBytes(32), datasets = [] } = options;
  return viam.binaryDataCaptureUpload(bytes, partId, 'rdk:component:camera', 'cam', 'ReadImage', ext, times(iso), [], datasets);
}

await describeEngines('datasets, bounding boxes and signed URLs', (server) => {
  it('builds datasets from files and filters by dataset_id; names are unique per organization', async () => {
    const s = server();
    const a = await seedOrg(s);
    const { mainPart } = await newMachine(a.owner, a.location.id, 'camera');
    const viam = (await officialClient(s.url, a.ownerKey.id, a.ownerKey.key)).dataClient;

    const cats = await viam.createDataset('cats', a.org.id);
    await assert.rejects(viam.createDataset('cats', a.org.id), hasCode(Code.AlreadyExists));
    await assert.rejects(viam.createDataset('no spaces please', a.org.id), hasCode(Code.InvalidArgument));
    // A capture can name its datasets as it is uploaded (the SDK's datasetIds).
    const first = await capture(viam, mainPart.id, '2026-11-03T10:00:00Z', { ext: '.jpg', datasets: [cats] });
    const second = await capture(viam, mainPart.id, '2026-11-03T10:01:00Z', { ext: '.jpg' });
    const third = await capture(viam, mainPart.id, '2026-11-03T10:02:00Z', { ext: '.jpg' });
    await viam.addBinaryDataToDatasetByIds([second], cats);
    const inCats = await viam.binaryDataByFilter({ datasetId: cats } as never, 10, undefined, undefined, false);
    assert.deepEqual(inCats.data.map((d) => d.metadata?.binaryDataId).sort(), [first, second].sort());
    assert.deepEqual(inCats.data[0]?.metadata?.datasetIds, [cats]);

    const dogs = await viam.createDataset('dogs', a.org.id);
    await viam.addBinaryDataToDatasetByIds([third, second], dogs);
    await viam.removeBinaryDataFromDatasetByIds([second], cats);
    assert.deepEqual(
      (await viam.binaryDataByFilter({ datasetId: cats } as never, 10, undefined, undefined, false)).data.map(
        (d) => d.metadata?.binaryDataId,
      ),
      [first],
    );
    await viam.renameDataset(dogs, 'good-dogs');
    await assert.rejects(viam.renameDataset(dogs, 'cats'), hasCode(Code.AlreadyExists));
    const listed = await viam.listDatasetsByOrganizationID(a.org.id);
    assert.deepEqual(listed.map((d) => d.name).sort(), ['cats', 'good-dogs']);
    assert.ok(listed.every((d) => d.created instanceof Date && d.organizationId === a.org.id));
    assert.deepEqual(
      (await viam.listDatasetsByIds([dogs])).map((d) => d.name),
      ['good-dogs'],
    );

    // Datasets belong to the organization: a location's operator neither reads nor changes them.
    const operator = (await officialClient(s.url, a.operatorKey.id, a.operatorKey.key)).dataClient;
    assert.deepEqual(await operator.listDatasetsByIds([cats, dogs]), []);
    await assert.rejects(operator.createDataset('mine', a.org.id), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.deleteDataset(cats), hasCode(Code.PermissionDenied));
    const b = await seedOrg(s);
    const other = (await officialClient(s.url, b.ownerKey.id, b.ownerKey.key)).dataClient;
    assert.deepEqual(await other.listDatasetsByIds([cats, dogs]), []);
    await assert.rejects(other.deleteDataset(cats), hasCode(Code.NotFound));
    const theirs = await other.createDataset('cats', b.org.id);
    await assert.rejects(viam.addBinaryDataToDatasetByIds([first], theirs), hasCode(Code.NotFound));

    // Deleting a dataset leaves its files.
    await viam.deleteDataset(dogs);
    assert.deepEqual(
      (await viam.listDatasetsByOrganizationID(a.org.id)).map((d) => d.name),
      ['cats'],
    );
    assert.equal((await viam.binaryDataByFilter(undefined, 10, undefined, undefined, false, true)).count, 3n);
    await assert.rejects(viam.deleteDataset(dogs), hasCode(Code.NotFound));
  });

  it('adds, changes and removes bounding boxes, lists their labels and filters by them', async () => {
    const s = server();
    const a = await seedOrg(s);
    const { mainPart } = await newMachine(a.owner, a.location.id, 'camera');
    const viam = (await officialClient(s.url, a.ownerKey.id, a.ownerKey.key)).dataClient;
    const image = await capture(viam, mainPart.id, '2026-11-03T10:00:00Z', { ext: '.jpg' });
    const plain = await capture(viam, mainPart.id, '2026-11-03T10:01:00Z', { ext: '.jpg' });

    const box = await viam.addBoundingBoxToImageById(image, 'cat', 0.1, 0.2, 0.5, 0.6, 0.9);
    await viam.addBoundingBoxToImageById(image, 'bowl', 0, 0, 1, 1);
    const [withBoxes] = await viam.binaryDataByIds([image]);
    const boxes = withBoxes?.metadata?.annotations?.bboxes ?? [];
    assert.deepEqual(
      boxes.map((b) => [b.id === box, b.label, b.xMinNormalized, b.yMaxNormalized, b.confidence]),
      [
        [true, 'cat', 0.1, 0.6, 0.9],
        [false, 'bowl', 0, 1, undefined],
      ],
    );
    assert.deepEqual(await viam.boundingBoxLabelsByFilter(), ['bowl', 'cat']);
    const byLabel = await viam.binaryDataByFilter({ bboxLabels: ['cat', 'horse'] } as never, 10, undefined, undefined, false);
    assert.deepEqual(
      byLabel.data.map((d) => d.metadata?.binaryDataId),
      [image],
    );

    await viam.updateBoundingBox(image, box, 'dog', 0.1, 0.2, 0.4, 0.5, 0.8);
    assert.deepEqual(await viam.boundingBoxLabelsByFilter(), ['bowl', 'dog']);
    // A change that leaves the box inside out is refused, and the box stays as it was.
    await assert.rejects(viam.updateBoundingBox(image, box, 'cat', 0.9, 0.2, 0.4, 0.5), hasCode(Code.InvalidArgument));
    const [unchanged] = await viam.binaryDataByIds([image]);
    const kept = unchanged?.metadata?.annotations?.bboxes.find((b) => b.id === box);
    assert.deepEqual([kept?.label, kept?.xMinNormalized, kept?.xMaxNormalized], ['dog', 0.1, 0.4]);
    await viam.removeBoundingBoxFromImageById(image, box);
    assert.deepEqual(await viam.boundingBoxLabelsByFilter(), ['bowl']);
    await assert.rejects(viam.removeBoundingBoxFromImageById(image, box), hasCode(Code.NotFound));

    // Coordinates are normalized; owners only; other organizations' files do not exist for them.
    await assert.rejects(viam.addBoundingBoxToImageById(plain, 'cat', 0.5, 0.5, 0.2, 0.9), hasCode(Code.InvalidArgument));
    await assert.rejects(viam.addBoundingBoxToImageById(plain, 'cat', 0, 0, 1.5, 1), hasCode(Code.InvalidArgument));
    await assert.rejects(viam.addBoundingBoxToImageById(plain, '', 0, 0, 1, 1), hasCode(Code.InvalidArgument));
    const operator = (await officialClient(s.url, a.operatorKey.id, a.operatorKey.key)).dataClient;
    await assert.rejects(operator.addBoundingBoxToImageById(plain, 'cat', 0, 0, 1, 1), hasCode(Code.PermissionDenied));
    assert.deepEqual(await operator.boundingBoxLabelsByFilter(), ['bowl'], 'operators read labels');
    const b = await seedOrg(s);
    const other = (await officialClient(s.url, b.ownerKey.id, b.ownerKey.key)).dataClient;
    await assert.rejects(other.addBoundingBoxToImageById(plain, 'cat', 0, 0, 1, 1), hasCode(Code.NotFound));
    assert.deepEqual(await other.boundingBoxLabelsByFilter(), []);
  });

  it('hands out signed URLs that fetch the file without credentials until they expire', async () => {
    const s = server();
    const a = await seedOrg(s);
    const { mainPart } = await newMachine(a.owner, a.location.id, 'camera');
    const viam = (await officialClient(s.url, a.ownerKey.id, a.ownerKey.key)).dataClient;
    const bytes = randomBytes(70_000);
    const id = await capture(viam, mainPart.id, '2026-11-03T10:00:00Z', { ext: '.png', bytes });

    const url = await viam.createBinaryDataSignedURL(id, 5);
    assert.ok(url.startsWith(`${s.url}/data/v1/binary/`), url);
    const fetched = await fetch(url);
    assert.equal(fetched.status, 200);
    assert.equal(fetched.headers.get('content-type'), 'image/png');
    assert.equal(sha256(new Uint8Array(await fetched.arrayBuffer())), sha256(bytes));
    const ranged = await fetch(url, { headers: { range: 'bytes=0-9' } });
    assert.equal(ranged.status, 206);
    assert.deepEqual(new Uint8Array(await ranged.arrayBuffer()), new Uint8Array(bytes.subarray(0, 10)));

    const tampered = new URL(url);
    tampered.searchParams.set('expires', String(Number(tampered.searchParams.get('expires')) + 3600));
    assert.equal((await fetch(tampered)).status, 401, 'a changed expiry breaks the signature');
    const unsigned = new URL(url);
    unsigned.search = '';
    assert.equal((await fetch(unsigned)).status, 401, 'without the signature it needs credentials');

    await assert.rejects(viam.createBinaryDataSignedURL(id, 10_081), hasCode(Code.InvalidArgument));
    const operator = (await officialClient(s.url, a.operatorKey.id, a.operatorKey.key)).dataClient;
    assert.ok((await operator.createBinaryDataSignedURL(id)).includes('signature='), 'any reader may link to what it reads');
    const b = await seedOrg(s);
    await assert.rejects(
      (await officialClient(s.url, b.ownerKey.id, b.ownerKey.key)).dataClient.createBinaryDataSignedURL(id),
      hasCode(Code.NotFound),
    );
    // A deleted file's link finds nothing.
    await viam.deleteBinaryDataByIds([id]);
    assert.equal((await fetch(url)).status, 404);
  });
});
