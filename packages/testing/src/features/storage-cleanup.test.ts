/**
 * The background storage cleanup (`--storage-cleanup-interval-seconds`): a resumable upload abandoned past its
 * expiry, a write a killed server never finished, and bytes no row names any more (a crash between a delete
 * and its collection) are cleared; the files registry versions and machine data name stay, and so do
 * unnamed bytes younger than a day (an upload whose row is being written).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { waitFor } from '../agent-process.js';
import { newMachine } from '../fleet.js';
import { seedOrg } from '../seed.js';
import { startTestServer } from '../server.js';
import { describeEngines } from '../suite.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const HOUR = 3600 * 1000;

await describeEngines('storage cleanup', (_server, engine) => {
  it('clears abandoned uploads, unfinished writes and unnamed bytes, and keeps what rows name', async () => {
    const s = await startTestServer(engine, { flags: { storageCleanupIntervalSeconds: '1' } });
    try {
      const root = join(s.db.dataDir, 'blobs');
      const blobPath = (sum: string) => join(root, 'sha256', sum.slice(0, 2), sum);
      const a = await seedOrg(s);

      // Named bytes: a module version and a capture.
      const http = a.owner;
      const [moduleId] = await http.createModule(a.org.id, 'kept-module');
      await http.updateModule(moduleId, '', 'kept', [], 'run');
      const moduleBytes = randomBytes(4096);
      await http.uploadModuleFile({ moduleId, version: '1.0.0', platform: 'any' }, moduleBytes);
      const { mainPart } = await newMachine(a.owner, a.location.id, 'cam');
      const part = await a.owner.getRobotPart(mainPart.id);
      const machine = (await s.connect({ type: 'robot-secret', partId: part.id, secret: part.secret }, 'grpc')).dataClient();
      const captureBytes = randomBytes(4096);
      await machine.binaryDataCaptureUpload(captureBytes, part.id, '.bin', {});

      // An HTTP upload abandoned after its first chunk.
      const abandon = new AbortController();
      await assert.rejects(
        http.uploadModuleFileFromPath({ moduleId, version: '2.0.0', platform: 'any' }, await tempFile(s.db.dataDir, 3 * 1024 * 1024), {
          signal: abandon.signal,
          chunkBytes: 1024 * 1024,
          onProgress: (p) => {
            if (p.done >= 1024 * 1024) abandon.abort();
          },
        }),
      );
      const uploads = join(s.db.dataDir, 'uploads');
      assert.equal((await readdir(uploads)).length, 1, 'the abandoned upload could still be resumed');

      // What a crash leaves: bytes whose rows are gone, and a write never finished (idle for two hours).
      const orphan = randomBytes(2048);
      const young = randomBytes(2048);
      for (const bytes of [orphan, young]) {
        await mkdir(join(blobPath(sha256(bytes)), '..'), { recursive: true });
        await writeFile(blobPath(sha256(bytes)), bytes);
      }
      const unfinished = join(root, 'incoming', 'crashed-write');
      await mkdir(join(root, 'incoming'), { recursive: true });
      await writeFile(unfinished, randomBytes(100));
      const twoHoursAgo = new Date(Date.now() - 2 * HOUR);
      await utimes(unfinished, twoHoursAgo, twoHoursAgo);

      // A day and a bit later (the server's clock), all of it is old but the young orphan, renewed just now.
      s.clock.advance(25 * HOUR);
      const later = new Date(s.clock.now().getTime());
      await utimes(blobPath(sha256(young)), later, later);

      await waitFor('the cleanup to clear the leftovers', async () =>
        !existsSync(blobPath(sha256(orphan))) && !existsSync(unfinished) && (await readdir(uploads)).length === 0 ? true : undefined,
      );
      assert.ok(existsSync(blobPath(sha256(young))), 'unnamed bytes younger than a day stay');
      assert.ok(existsSync(blobPath(sha256(moduleBytes))), 'a module version’s bytes stay');
      assert.ok(existsSync(blobPath(sha256(captureBytes))), 'a capture’s bytes stay');
      const [capture] = (await a.owner.dataClient().binaryDataByFilter()).data;
      assert.equal(sha256(capture?.binary ?? new Uint8Array()), sha256(captureBytes));
      assert.deepEqual(
        (await http.getModule(moduleId)).versions.map((v) => v.version),
        ['1.0.0'],
      );
    } finally {
      await s.close();
    }
  });
});

async function tempFile(dir: string, size: number): Promise<string> {
  const path = join(dir, `upload-${size}.bin`);
  await writeFile(path, randomBytes(size));
  return path;
}
