/**
 * The registry through our SDK and the official TS SDK: items and modules with the seed's visibility
 * rules, versions per platform uploaded over gRPC and over the resumable HTTP upload, package downloads
 * with ranges and ETags, and configs whose registry modules resolve to a version for the machine.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { MachineClient, PackageType, appApi, Code, type AppClient } from '@hangar/sdk';
import { AppService } from '@hangar/wire';
import { withAuthorization } from '../wire-clients.js';
import { hasCode } from '../assertions.js';
import { newMachine } from '../fleet.js';
import { seedOrg, type SeededOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { officialClient } from '../viam.js';
import { startTestServer, type TestServer } from '../server.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** CRC-32C by its bit-at-a-time definition, as `x-goog-hash` spells it: what viam-server checks a download by. */
function crc32cHeader(data: Uint8Array): string {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0x82f63b78 ^ (crc >>> 1) : crc >>> 1;
  }
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return `crc32c=${out.toString('base64')}`;
}
const models = [{ api: 'rdk:component:generic', model: 'acme:demo:thing' }];
let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hangar-registry-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function moduleWithEntrypoint(client: AppClient, orgId: string, name: string): Promise<string> {
  const [moduleId] = await client.createModule(orgId, name);
  await client.updateModule(moduleId, 'https://example.com/src', 'A test module', models, 'bin/run.sh');
  return moduleId;
}

/** A gRPC client on the org owner's key: uploads that send bytes go over HTTP/2. */
const grpcOwner = (s: TestServer, a: SeededOrg) => s.connect({ type: 'api-key', keyId: a.ownerKey.id, key: a.ownerKey.key }, 'grpc');

await describeEngines('registry', (server) => {
  it("creates a private module with the seed's id forms, updates it and lists it as a registry item", async () => {
    const s = server();
    const a = await seedOrg(s);
    const [moduleId, url] = await a.owner.createModule(a.org.id, 'my-module');
    assert.equal(moduleId, `${a.org.id}:my-module`, 'without a namespace the id is <org id>:<name>');
    assert.match(url, /\/registry\//);
    await assert.rejects(a.owner.createModule(a.org.id, 'my-module'), hasCode(Code.AlreadyExists));
    await assert.rejects(a.owner.createModule(a.org.id, 'Bad Name!'), hasCode(Code.InvalidArgument));
    await assert.rejects(a.operator.createModule(a.org.id, 'nope'), hasCode(Code.PermissionDenied));

    await a.owner.updateModule(moduleId, 'https://example.com/src', 'A test module', models, 'bin/run.sh');
    const got = await a.owner.getModule(moduleId);
    assert.equal(got.moduleId, moduleId);
    assert.equal(got.visibility, appApi.Visibility.PRIVATE, 'new modules are private');
    assert.equal(got.entrypoint, 'bin/run.sh');
    assert.deepEqual(
      got.models.map((m) => [m.api, m.model]),
      [['rdk:component:generic', 'acme:demo:thing']],
    );
    // Public needs the organization's namespace…
    await assert.rejects(a.owner.updateModule(moduleId, '', 'x', models, 'bin/run.sh', true), hasCode(Code.FailedPrecondition));
    await a.owner.updateOrganization(a.org.id, { publicNamespace: `ns-${a.org.id.slice(0, 8)}` });
    const ns = `ns-${a.org.id.slice(0, 8)}`;
    // …and models in it.
    await assert.rejects(a.owner.updateModule(`${ns}:my-module`, '', 'x', models, 'bin/run.sh', true), /namespace/);
    const nsModels = [{ api: 'rdk:component:generic', model: `${ns}:demo:thing` }];
    await a.owner.updateModule(`${ns}:my-module`, '', 'now public', nsModels, 'bin/run.sh', true);
    const item = await a.owner.getRegistryItem(`${ns}:my-module`);
    assert.equal(item.itemId, `${ns}:my-module`, 'with a namespace the id is <namespace>:<name>');
    assert.equal(item.visibility, appApi.Visibility.PUBLIC);
    assert.equal(item.type, PackageType.MODULE);
    assert.equal(item.metadata.case, 'moduleMetadata');
    // The org-id form still names it.
    assert.equal((await a.owner.getModule(`${a.org.id}:my-module`)).description, 'now public');

    const listed = await a.owner.listRegistryItems(a.org.id, [PackageType.MODULE], [], [], []);
    assert.deepEqual(
      listed.map((i) => i.name),
      ['my-module'],
    );
    await a.owner.deleteRegistryItem(`${ns}:my-module`);
    await assert.rejects(a.owner.getModule(`${ns}:my-module`), hasCode(Code.NotFound));
  });

  it('shows private modules to their organization only and public ones to every organization', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const privateId = await moduleWithEntrypoint(a.owner, a.org.id, 'secret-sauce');
    await assert.rejects(b.owner.getModule(privateId), hasCode(Code.NotFound), 'another organization cannot see a private module');
    const ns = `pub-${a.org.id.slice(0, 8)}`;
    await a.owner.updateOrganization(a.org.id, { publicNamespace: ns });
    const [publicId] = await a.owner.createModule(a.org.id, 'shared');
    await a.owner.updateModule(publicId, '', 'for all', [{ api: 'rdk:component:generic', model: `${ns}:demo:x` }], 'run', true);
    assert.equal((await b.owner.getModule(publicId)).description, 'for all');
    await assert.rejects(b.owner.updateModule(publicId, '', 'mine', [], 'run', true), hasCode(Code.PermissionDenied));
    const everyone = await b.owner.listRegistryItems('', [PackageType.MODULE], [], [], []);
    const names = everyone.map((i) => i.itemId);
    assert.ok(names.includes(`${ns}:shared`), 'public modules are listed to everyone');
    assert.ok(!names.includes(`${ns}:secret-sauce`) && !names.includes(privateId), 'private ones are not');
    // Naming the other organization does not reveal its private items.
    await assert.rejects(b.owner.listRegistryItems(a.org.id, [], [], [], []), hasCode(Code.NotFound));
  });

  it('uploads versions per platform over gRPC and HTTP, refuses repeats and bad input, and serves the bytes', async () => {
    const s = server();
    const a = await seedOrg(s);
    const moduleId = await moduleWithEntrypoint(a.owner, a.org.id, 'uploader');
    const grpc = await grpcOwner(s, a);
    const small = randomBytes(300_000);
    await grpc.uploadModuleFile({ moduleId, version: '1.0.0', platform: 'linux/amd64' }, small);
    await assert.rejects(
      grpc.uploadModuleFile({ moduleId, version: '1.0.0', platform: 'linux/amd64' }, small),
      (err: unknown) => hasCode(Code.AlreadyExists)(err) && String(err).includes('1.0.0'),
    );
    await assert.rejects(grpc.uploadModuleFile({ moduleId, version: 'v1', platform: 'linux/amd64' }, small), hasCode(Code.InvalidArgument));
    await assert.rejects(
      grpc.uploadModuleFile({ moduleId, version: '1.0.1', platform: 'plan9/mips' }, small),
      hasCode(Code.InvalidArgument),
    );
    await assert.rejects(
      grpc.uploadModuleFile({ moduleId: `${a.org.id}:missing`, version: '1.0.1', platform: 'linux/amd64' }, small),
      hasCode(Code.NotFound),
    );
    const operatorGrpc = await s.connect({ type: 'api-key', keyId: a.operatorKey.id, key: a.operatorKey.key }, 'grpc');
    await assert.rejects(
      operatorGrpc.uploadModuleFile({ moduleId, version: '1.0.1', platform: 'linux/amd64' }, small),
      hasCode(Code.PermissionDenied),
    );

    // The HTTP path, in several chunks.
    const big = randomBytes(5 * 1024 * 1024 + 17);
    const path = join(dir, `${a.org.id}.tar.gz`);
    await writeFile(path, big);
    const progress: number[] = [];
    const http = await a.owner.uploadModuleFileFromPath({ moduleId, version: '1.1.0', platform: 'linux/arm64' }, path, {
      chunkBytes: 1024 * 1024,
      onProgress: (p) => progress.push(p.done),
    });
    assert.equal(http.sha256, sha256(big));
    assert.ok(progress.length >= 6 && progress.at(-1) === big.length, `progress ${progress.join(',')}`);
    await assert.rejects(
      a.owner.uploadModuleFileFromPath({ moduleId, version: '1.1.0', platform: 'linux/arm64' }, path),
      hasCode(Code.AlreadyExists),
    );

    const module = await a.owner.getModule(moduleId);
    assert.deepEqual(
      module.versions.map((v) => [v.version, v.files.map((f) => f.platform), v.entrypoint]),
      [
        ['1.0.0', ['linux/amd64'], 'bin/run.sh'],
        ['1.1.0', ['linux/arm64'], 'bin/run.sh'],
      ],
    );

    // Download: the link GetPackage gives, whole, by range, and cached by ETag.
    const pkg = await a.owner.getPackage(`${a.org.id}/uploader`, '1.1.0', { platform: 'linux/arm64', type: PackageType.MODULE });
    assert.equal(pkg.checksum, sha256(big));
    assert.equal(pkg.info?.files[0]?.size, BigInt(big.length));
    const whole = await fetch(pkg.url);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'application/x-gzip');
    assert.equal(whole.headers.get('etag'), `"${sha256(big)}"`);
    assert.equal(whole.headers.get('x-goog-hash'), crc32cHeader(big));
    assert.equal(sha256(new Uint8Array(await whole.arrayBuffer())), sha256(big));
    const part = await fetch(pkg.url, { headers: { range: 'bytes=10-19' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 10-19/${big.length}`);
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), new Uint8Array(big.subarray(10, 20)));
    assert.equal((await fetch(pkg.url, { headers: { 'if-none-match': `"${sha256(big)}"` } })).status, 304);
    assert.equal((await fetch(pkg.url, { headers: { range: `bytes=${big.length}-` } })).status, 416);
    const forged = new URL(pkg.url);
    forged.searchParams.set('signature', 'x'.repeat(43));
    assert.equal((await fetch(forged)).status, 401, 'a forged link is refused');
    // With a token instead of a signed link.
    const bare = pkg.url.split('?')[0] ?? '';
    assert.equal((await fetch(bare, { headers: { authorization: `Bearer ${a.owner.accessToken}` } })).status, 200);
    const b = await seedOrg(s);
    assert.equal((await fetch(bare, { headers: { authorization: `Bearer ${b.owner.accessToken}` } })).status, 404);
    // The SDK's download, checked against the checksum.
    const dest = join(dir, `${a.org.id}.download`);
    const got = await a.owner.downloadPackage(pkg, dest);
    assert.equal(got.sha256, sha256(big));
    assert.equal(sha256(await readFile(dest)), sha256(big));
    await assert.rejects(a.owner.getPackage(`${a.org.id}/uploader`, '9.9.9'), /package not found/);
  });

  it('keeps a resumable upload whole through a second PATCH at once, lost or extra bytes in its part file, and a replica finishing it', async () => {
    const s = server();
    const a = await seedOrg(s);
    const moduleId = await moduleWithEntrypoint(a.owner, a.org.id, 'resumable');
    const MiB = 1024 * 1024;
    const payload = randomBytes(3 * MiB + 5);
    const auth = { authorization: `Bearer ${a.owner.accessToken}` };
    const started = await fetch(`${s.url}/registry/v1/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ module_id: moduleId, version: '3.0.0', platform: 'linux/amd64', size: payload.length }),
    });
    assert.equal(started.status, 201);
    const { upload_id: uploadId, location } = (await started.json()) as { upload_id: string; location: string };
    const patch = (at: string, offset: number, end: number) =>
      fetch(at, { method: 'PATCH', headers: { ...auth, 'upload-offset': String(offset) }, body: payload.subarray(offset, end) });
    assert.equal((await patch(location, 0, MiB)).status, 204);

    // A second PATCH while one is still sending is refused, and the first one counts.
    const slow = http.request(location, {
      method: 'PATCH',
      headers: { ...auth, 'upload-offset': String(MiB), 'content-length': String(MiB) },
    });
    const slowDone = new Promise<number>((resolve, reject) => {
      slow.once('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      slow.once('error', reject);
    });
    slow.write(payload.subarray(MiB, MiB + 1000));
    await new Promise((r) => setTimeout(r, 200));
    const second = await patch(location, MiB, 2 * MiB);
    assert.equal(second.status, 409);
    assert.match(((await second.json()) as { message: string }).message, /another request is adding/);
    slow.end(payload.subarray(MiB + 1000, 2 * MiB));
    assert.equal(await slowDone, 204);

    // The part file lost its last bytes (a crash before the disk had them): the server says where to resume.
    const part = join(s.db.dataDir, 'uploads', `${uploadId}.part`);
    await truncate(part, MiB + 512 * 1024);
    const rewound = await patch(location, 2 * MiB, 3 * MiB);
    assert.equal(rewound.status, 409);
    assert.equal(rewound.headers.get('upload-offset'), String(MiB + 512 * 1024));
    assert.equal((await patch(location, MiB + 512 * 1024, 2 * MiB)).status, 204);
    // Bytes past what the server recorded (a crash between writing and recording) are cut.
    await appendFile(part, 'left over from a crash');
    assert.equal((await patch(location, 2 * MiB, 3 * MiB)).status, 204);

    // Another replica, without this one's running hashes, finishes it from the part file.
    const replica = await startTestServer(s.engine, { database: s.db, ownsDatabase: false });
    try {
      const last = await patch(location.replace(s.url, replica.url), 3 * MiB, payload.length);
      assert.equal(last.status, 201);
      assert.equal(((await last.json()) as { sha256: string }).sha256, sha256(payload));
    } finally {
      await replica.close();
    }
    const pkg = await a.owner.getPackage(`${a.org.id}/resumable`, '3.0.0', { platform: 'linux/amd64', type: PackageType.MODULE });
    const whole = await fetch(pkg.url);
    assert.equal(whole.headers.get('x-goog-hash'), crc32cHeader(payload));
    assert.equal(sha256(new Uint8Array(await whole.arrayBuffer())), sha256(payload));
    await assert.rejects(readFile(part), { code: 'ENOENT' });
  });

  it('takes a whole file as one message, as the Python SDK sends it, and answers a refused stream at once', async () => {
    const s = server();
    const a = await seedOrg(s);
    const moduleId = await moduleWithEntrypoint(a.owner, a.org.id, 'one-message');
    const app = createClient(
      AppService,
      createGrpcTransport({
        baseUrl: s.url,
        httpVersion: '2',
        // Node's HTTP/2 client refuses further streams (ENHANCE_YOUR_CALM) once it buffers more than 10 MB.
        nodeOptions: { maxSessionMemory: 200 },
        interceptors: [withAuthorization(`Bearer ${a.owner.accessToken}`)],
      }),
    );
    const whole = randomBytes(33 * 1024 * 1024);
    async function* stream(version: string, chunks: readonly Uint8Array[]) {
      await Promise.resolve();
      yield { moduleFile: { case: 'moduleFileInfo' as const, value: { moduleId, version, platform: 'linux/arm64' } } };
      for (const value of chunks) yield { moduleFile: { case: 'file' as const, value } };
    }
    await app.uploadModuleFile(stream('1.0.0', [whole]));
    const pkg = await a.owner.getPackage(`${a.org.id}/one-message`, '1.0.0', { platform: 'linux/arm64' });
    assert.equal(pkg.checksum, sha256(whole));
    // The same version again, with more to send than HTTP/2 flow control lets through unread: the client
    // still gets ALREADY_EXISTS, not a stalled send.
    const started = Date.now();
    await assert.rejects(app.uploadModuleFile(stream('1.0.0', [whole, whole])), hasCode(Code.AlreadyExists));
    assert.ok(Date.now() - started < 20_000, 'the refusal is answered without waiting for a timeout');
    // A stream without its first message is refused with what to send.
    await assert.rejects(
      app.uploadModuleFile(
        (async function* () {
          await Promise.resolve();
          yield { moduleFile: { case: 'file' as const, value: new Uint8Array(10) } };
        })(),
      ),
      (err: unknown) => hasCode(Code.InvalidArgument)(err) && String(err).includes('module_file_info'),
    );
  });

  it("resolves a config's registry modules to the newest matching version for the machine's platform", async () => {
    const s = server();
    const a = await seedOrg(s);
    const moduleId = await moduleWithEntrypoint(a.owner, a.org.id, 'resolver');
    const grpc = await grpcOwner(s, a);
    for (const [version, platform] of [
      ['1.0.0', 'linux/amd64'],
      ['1.2.0', 'linux/amd64'],
      ['1.3.0', 'linux/arm64'],
      ['2.0.0', 'any'],
      ['2.1.0-beta.1', 'linux/amd64'],
    ] as const) {
      await grpc.uploadModuleFile({ moduleId, version, platform }, randomBytes(1000));
    }
    const { mainPart } = await newMachine(a.owner, a.location.id, 'resolving-bot');
    const part = await a.owner.getRobotPart(mainPart.id);
    const constraintOf = async (version: string) => {
      await a.owner.updateRobotPart(part.id, part.name, {
        modules: [
          { type: 'registry', name: 'my_mod', module_id: moduleId, version },
          { type: 'local', name: 'local_mod', executable_path: '/opt/x' },
        ],
      });
      const client = await MachineClient.connect({
        url: s.url,
        credentials: { type: 'robot-secret', partId: part.id, secret: part.secret },
      });
      const config = await client.config(part.id, { platform: 'linux/x64' });
      return config;
    };
    const latest = await constraintOf('latest');
    assert.deepEqual(
      latest.packages.map((p) => [p.name, p.package, p.version, p.type]),
      [['my_mod', `${a.org.id}/resolver`, '2.0.0', 'module']],
      'latest skips prereleases; an `any` build serves every platform',
    );
    const mod = latest.modules.find((m) => m.name === 'my_mod');
    assert.equal(mod?.path, '${packages.module.my_mod}/bin/run.sh');
    assert.equal(latest.modules.find((m) => m.name === 'local_mod')?.path, '/opt/x', 'local modules are left alone');
    assert.equal((await constraintOf('~1.2')).packages[0]?.version, '1.2.0');
    assert.equal((await constraintOf('^1')).packages[0]?.version, '1.2.0', 'linux/arm64 builds do not count for an amd64 machine');
    assert.equal((await constraintOf('1.0.0')).packages[0]?.version, '1.0.0');
    const none = await constraintOf('^3');
    assert.equal(none.packages.length, 0);
    assert.match(none.modules.find((m) => m.name === 'my_mod')?.status?.error ?? '', /no version .* matches "\^3" for linux\/amd64/);
  });

  it("works through the official TS SDK's registry and module calls", async () => {
    const s = server();
    const a = await seedOrg(s);
    const app = (await officialClient(s.url, a.ownerKey.id, a.ownerKey.key)).appClient;
    const created = await app.createModule(a.org.id, 'official');
    assert.equal(created.moduleId, `${a.org.id}:official`);
    await app.updateModule(
      created.moduleId,
      appApi.Visibility.PRIVATE,
      'https://example.com',
      'via the official SDK',
      [new appApi.Model(models[0])],
      'main',
    );
    const module = await app.getModule(created.moduleId);
    assert.equal(module?.description, 'via the official SDK');
    assert.equal(module?.entrypoint, 'main');
    const listed = await app.listModules(a.org.id);
    assert.deepEqual(
      listed.map((m) => m.moduleId),
      [created.moduleId],
    );
    await app.createRegistryItem(a.org.id, 'training-script', PackageType.ML_TRAINING as never);
    await app.updateRegistryItem(`${a.org.id}:training-script`, PackageType.ML_TRAINING as never, 'trains', appApi.Visibility.PRIVATE);
    const item = await app.getRegistryItem(`${a.org.id}:training-script`);
    assert.equal(item?.description, 'trains');
    const items = await app.listRegistryItems(a.org.id, [PackageType.ML_TRAINING as never], [appApi.Visibility.PRIVATE], [''], []);
    assert.deepEqual(
      items.map((i) => i.name),
      ['training-script'],
    );
    await app.deleteRegistryItem(`${a.org.id}:training-script`);
    await assert.rejects(app.getRegistryItem(`${a.org.id}:training-script`), /not found/);
  });
});
