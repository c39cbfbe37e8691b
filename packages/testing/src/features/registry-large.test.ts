/**
 * Large module uploads against the server as its own process, so its memory is its own: 200 MB over gRPC
 * (h2c) and over the resumable HTTP upload keep the server's resident memory flat (the file is streamed
 * to disk), the sha256 round-trips, and an upload cut off half-way leaves no version and no temp file.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AppClient } from '@hangar/sdk';
import { freshDatabase, type TestDatabase } from '../databases.js';
import { engineSkip, testEngines } from '../engines.js';
import { initialAdminKey, serverArgs, spawnServer, type ServerProcess } from '../server-process.js';

const SIZE = 200 * 1024 * 1024;

/** A file of random bytes, written in pieces; returns its sha256. */
async function bigFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const piece = randomBytes(4 * 1024 * 1024);
  for (let written = 0; written < size;) {
    const n = Math.min(piece.length, size - written);
    // Vary each piece a little so no two are equal (content-addressing must not hide anything).
    piece.writeUInt32BE(written >>> 0, 0);
    const chunk = piece.subarray(0, n);
    hash.update(chunk);
    if (!out.write(Buffer.from(chunk))) await new Promise<void>((r) => out.once('drain', () => r()));
    written += n;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return hash.digest('hex');
}

/** The process's resident set and its peak so far (VmRSS, VmHWM), in bytes. */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** Resets the peak (VmHWM) to the current resident set, so a measurement starts from now. */
async function resetPeak(pid: number): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => undefined);
}

for (const engine of testEngines()) {
  const skip = await engineSkip(engine);
  describe(`large module uploads [${engine}]`, { skip }, () => {
    let server: ServerProcess | undefined;
    let db: TestDatabase | undefined;
    after(async () => {
      server?.child.kill('SIGKILL');
      await db?.drop();
    });

    it('streams 200 MB over gRPC and over HTTP with flat server memory, and leaves nothing of an interrupted upload', async (t) => {
      db = await freshDatabase(engine);
      server = await spawnServer(serverArgs(db));
      const pid = server.child.pid ?? 0;
      const credentials = await initialAdminKey(db.dataDir);
      const http = await AppClient.connect({ url: server.url, credentials });
      const grpc = await AppClient.connect({ url: server.url, credentials, protocol: 'grpc' });
      const org = await http.createOrganization('Big uploads');
      const [moduleId] = await http.createModule(org.id, 'big');
      await http.updateModule(moduleId, '', 'large', [], 'run');
      const path = join(db.dataDir, '..', `${org.id}-big.tar.gz`);
      const sha = await bigFile(path, SIZE);
      try {
        // Warm up (code paths, buffers), then measure the peak from here.
        await grpc.uploadModuleFileFromPath({ moduleId, version: '0.0.1', platform: 'any' }, path, { chunkBytes: 1024 * 1024 });
        for (const [label, client, version] of [
          ['gRPC', grpc, '1.0.0'],
          ['HTTP', http, '1.0.1'],
        ] as const) {
          await resetPeak(pid);
          const before = await memoryOf(pid);
          await client.uploadModuleFileFromPath({ moduleId, version, platform: 'linux/amd64' }, path);
          const afterUpload = await memoryOf(pid);
          const growth = afterUpload.peak - before.rss;
          t.diagnostic(`${label}: server peak RSS grew ${(growth / 1024 / 1024).toFixed(1)} MiB uploading ${SIZE / 1024 / 1024} MiB`);
          assert.ok(growth < SIZE / 4, `${label}: the server's peak RSS grew by ${growth} bytes for a ${SIZE}-byte upload`);
          const pkg = await http.getPackage(`${org.id}/big`, version, { platform: 'linux/amd64' });
          assert.equal(pkg.checksum, sha, `${label}: the stored file's sha256 is the uploaded one`);
        }
        const download = join(db.dataDir, '..', `${org.id}-big.download`);
        const got = await http.downloadPackage(await http.getPackage(`${org.id}/big`, '1.0.0', { platform: 'linux/amd64' }), download);
        assert.equal(got.sha256, sha);
        await rm(download, { force: true });

        // Cut off half-way: over gRPC (the client aborts) and over HTTP (the client stops sending).
        const abort = new AbortController();
        await assert.rejects(
          grpc.uploadModuleFileFromPath({ moduleId, version: '2.0.0', platform: 'linux/amd64' }, path, {
            signal: abort.signal,
            onProgress: (p) => {
              if (p.done > SIZE / 2) abort.abort();
            },
          }),
        );
        const halfHttp = new AbortController();
        await assert.rejects(
          http.uploadModuleFileFromPath({ moduleId, version: '2.0.1', platform: 'linux/amd64' }, path, {
            signal: halfHttp.signal,
            chunkBytes: 8 * 1024 * 1024,
            onProgress: (p) => {
              if (p.done > SIZE / 2) halfHttp.abort();
            },
          }),
        );
        const versions = (await http.getModule(moduleId)).versions.map((v) => v.version);
        if (versions.includes('2.0.0')) {
          const p = await http.getPackage(`${org.id}/big`, '2.0.0', { platform: 'linux/amd64' });
          t.diagnostic(`interrupted 2.0.0 stored with ${String(p.info?.files[0]?.size)} bytes`);
        }
        assert.deepEqual(versions, ['0.0.1', '1.0.0', '1.0.1'], 'no interrupted upload is visible');
        const incoming = join(db.dataDir, 'blobs', 'incoming');
        const leftover = async () => (await readdir(incoming).catch(() => [] as string[])).length;
        for (let i = 0; i < 50 && (await leftover()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
        assert.equal(await leftover(), 0, 'an interrupted gRPC upload leaves no temp file in the blob store');
        // The HTTP upload keeps its bytes for a resume until cancelled (or expired): cancelling removes them.
        const uploads = join(db.dataDir, 'uploads');
        const parts = await readdir(uploads);
        assert.equal(parts.length, 1, 'the half-done HTTP upload is resumable');
        const id = (parts[0] ?? '').replace(/\.part$/, '');
        const cancel = await fetch(`${server.url}/registry/v1/uploads/${id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${http.accessToken}` },
        });
        assert.equal(cancel.status, 204);
        assert.deepEqual(await readdir(uploads), [], 'a cancelled HTTP upload leaves no temp file');
      } finally {
        await rm(path, { force: true });
      }
    });
  });
}
