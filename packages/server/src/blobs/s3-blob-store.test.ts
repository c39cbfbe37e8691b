import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobNotFoundError, BlobTooLargeError, type BlobStore } from './blob-store.js';
import { describeBlobStore, openBlobStore } from './open-blob-store.js';

// s3rver ships no types; this is the part of it the tests use.
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  readonly httpServer: Server;
  on(event: 'event', listener: (e: S3Event) => void): void;
  off(event: 'event', listener: (e: S3Event) => void): void;
}
interface S3Event {
  readonly Records: readonly { readonly eventName: string; readonly s3: { readonly object: { readonly key: string } } }[];
}
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

const BUCKET = 'hangar-test';
const MiB = 1024 * 1024;

let server: S3rverInstance;
let serverDir: string;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let raw: S3Client;

before(async () => {
  serverDir = await mkdtemp(join(tmpdir(), 'hangar-s3rver-'));
  dataDir = await mkdtemp(join(tmpdir(), 'hangar-data-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: serverDir });
  const { port } = await server.run();
  // No AWS_REGION: openBlobStore must supply one, as it must for a MinIO-style endpoint.
  const endpoint = `http://127.0.0.1:${port}`;
  env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_S3_FORCE_PATH_STYLE: 'true',
  };
  raw = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await raw.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

after(async () => {
  raw.destroy();
  // The stores' clients keep sockets alive, and http.Server.close() waits for them.
  server.httpServer.closeAllConnections();
  await server.close();
  await rm(serverDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

/** A store under its own prefix, so each test can check exactly what it left in the bucket. */
const storeAt = (prefix: string): Promise<BlobStore> => openBlobStore(`s3://${BUCKET}/some/prefix/${prefix}`, dataDir, env);

async function keysUnder(prefix: string): Promise<string[]> {
  const page = await raw.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key ?? '').sort();
}

/** `data` in pieces of 1 byte to 64 KiB, as a network upload arrives. */
async function* pieces(data: Buffer): AsyncIterable<Uint8Array> {
  for (let at = 0, n = 0; at < data.length; n++) {
    const size = n % 7 === 0 ? 1 : 1 + ((n * 7919) % (64 * 1024));
    yield data.subarray(at, at + size);
    at += size;
    if (n % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of source) out.push(Buffer.from(c));
  return Buffer.concat(out);
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const never = new Promise<never>(() => undefined);

describe('S3 blob store (against s3rver)', () => {
  it('keeps a streamed multi-part file under its sha256, and reads it back whole and by range', async () => {
    const blobs = await storeAt('roundtrip');
    // Over one 8 MiB part, so the multipart path runs.
    const payload = randomBytes(12 * MiB + 12345);
    const info = await blobs.put(pieces(payload), { maxBytes: 20 * MiB });
    assert.deepEqual(info, { sha256: sha(payload), size: payload.length });
    assert.deepEqual(await keysUnder('some/prefix/roundtrip/'), [`some/prefix/roundtrip/sha256/${info.sha256.slice(0, 2)}/${info.sha256}`]);
    assert.deepEqual(await blobs.stat(info.sha256), info);

    assert.equal(sha(await collect(blobs.read(info.sha256))), info.sha256);
    const last = payload.length - 1;
    for (const [start, end] of [
      [0, 0],
      [1, 1],
      [5 * MiB - 3, 9 * MiB + 7],
      [last - 10, last],
      [last, last],
    ] as const) {
      const part = await collect(blobs.read(info.sha256, { start, end }));
      assert.equal(part.length, end - start + 1, `length of bytes ${start}-${end}`);
      assert.ok(part.equals(payload.subarray(start, end + 1)), `content of bytes ${start}-${end}`);
    }
  });

  it('keeps the same content once, copying it into place only the first time', async () => {
    const blobs = await storeAt('dedup');
    const copies: string[] = [];
    const onEvent = (e: S3Event) => {
      for (const r of e.Records) if (r.eventName === 'ObjectCreated:Copy') copies.push(r.s3.object.key);
    };
    server.on('event', onEvent);
    const payload = randomBytes(300_000);
    const first = await blobs.put(pieces(payload), { maxBytes: MiB });
    const second = await blobs.put(pieces(payload), { maxBytes: MiB });
    server.off('event', onEvent);
    assert.deepEqual(second, first);
    const key = `some/prefix/dedup/sha256/${first.sha256.slice(0, 2)}/${first.sha256}`;
    assert.deepEqual(await keysUnder('some/prefix/dedup/'), [key]);
    assert.deepEqual(copies, [key]);
  });

  it('takes a complete local file, checking its bytes against what the caller computed, and deletes the file', async () => {
    const blobs = await storeAt('putfile');
    const payload = randomBytes(200_000);
    const file = join(dataDir, 'upload.part');
    await writeFile(file, payload);
    const expected = { sha256: sha(payload), size: payload.length };
    assert.deepEqual(await blobs.putFile(file, expected, { maxBytes: MiB }), expected);
    assert.ok((await collect(blobs.read(expected.sha256))).equals(payload));
    await assert.rejects(stat(file), { code: 'ENOENT' });
    await writeFile(file, payload);
    await assert.rejects(
      blobs.putFile(file, { sha256: sha(Buffer.from('other')), size: payload.length }, { maxBytes: MiB }),
      /changed on disk/,
    );
    await assert.rejects(stat(file), { code: 'ENOENT' });
  });

  it('keeps nothing of a file over the limit, in one part or several', async () => {
    const blobs = await storeAt('too-large');
    await assert.rejects(blobs.put(pieces(randomBytes(1000)), { maxBytes: 999 }), BlobTooLargeError);
    // The first 8 MiB part is uploaded before the limit is reached; the multipart upload must be dropped.
    await assert.rejects(blobs.put(pieces(randomBytes(12 * MiB)), { maxBytes: 10 * MiB }), (err: unknown) => {
      assert.ok(err instanceof BlobTooLargeError, `expected BlobTooLargeError, got ${String(err)}`);
      assert.equal(err.maxBytes, 10 * MiB);
      return true;
    });
    assert.deepEqual(await keysUnder('some/prefix/too-large/'), []);
  });

  it('keeps nothing of a failed source or an aborted write, and gives up on a stalled source when aborted', async () => {
    const blobs = await storeAt('aborted');
    async function* failing(): AsyncIterable<Uint8Array> {
      yield* pieces(randomBytes(9 * MiB));
      throw new Error('connection lost');
    }
    await assert.rejects(blobs.put(failing(), { maxBytes: 20 * MiB }), /connection lost/);

    const already = new AbortController();
    already.abort();
    await assert.rejects(blobs.put(pieces(Buffer.from('x')), { maxBytes: 100, signal: already.signal }), { name: 'AbortError' });

    for (const size of [100, 9 * MiB]) {
      const abort = new AbortController();
      const reason = new Error('the client went away');
      async function* stalls(): AsyncIterable<Uint8Array> {
        yield* pieces(randomBytes(size));
        setTimeout(() => abort.abort(reason), 100);
        await never;
      }
      // As the filesystem store does: the caller gets its own reason back, not the stream's wrapper.
      await assert.rejects(blobs.put(stalls(), { maxBytes: 20 * MiB, signal: abort.signal }), (err) => err === reason);
    }
    assert.deepEqual(await keysUnder('some/prefix/aborted/'), []);
  });

  it('answers a missing or malformed blob as missing, and deletes', async () => {
    const blobs = await storeAt('delete');
    const payload = randomBytes(1000);
    const info = await blobs.put(pieces(payload), { maxBytes: MiB });
    const missing = sha(Buffer.from('never stored'));
    assert.equal(await blobs.stat(missing), undefined);
    await assert.rejects(collect(blobs.read(missing)), BlobNotFoundError);
    await assert.rejects(collect(blobs.read('../../etc/passwd')), BlobNotFoundError);
    await assert.rejects(blobs.delete('../../etc/passwd'), BlobNotFoundError);
    assert.equal(await blobs.stat('not-a-hash'), undefined);

    await blobs.delete(info.sha256);
    assert.equal(await blobs.stat(info.sha256), undefined);
    await assert.rejects(collect(blobs.read(info.sha256)), BlobNotFoundError);
    await blobs.delete(info.sha256);
    assert.deepEqual(await keysUnder('some/prefix/delete/'), []);
  });

  it('lists its blobs with when they were written, and nothing else under its prefix', async () => {
    const blobs = await storeAt('list');
    const a = await blobs.put(pieces(Buffer.from('alpha')), { maxBytes: 100 });
    const b = await blobs.put(pieces(Buffer.from('beta')), { maxBytes: 100 });
    await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'some/prefix/list/incoming/unfinished', Body: 'x' }));
    const listed = new Map<string, number>();
    for await (const blob of blobs.list()) listed.set(blob.sha256, blob.writtenAtMs);
    assert.deepEqual([...listed.keys()].sort(), [a.sha256, b.sha256].sort());
    const at = await blobs.writtenAt(a.sha256);
    assert.ok(at !== undefined && Math.abs(at - Date.now()) < 60_000, 'written just now');
    assert.equal(await blobs.writtenAt(sha(Buffer.from('never stored'))), undefined);
    assert.equal(await blobs.writtenAt('not-a-hash'), undefined);
  });

  it('sweeps what a crashed write left behind, once it is old enough, and nothing else', async () => {
    const blobs = await storeAt('sweep');
    const kept = await blobs.put(pieces(Buffer.from('complete')), { maxBytes: 100 });
    const incoming = 'some/prefix/sweep/incoming/';
    await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${incoming}left-behind`, Body: 'partial' }));
    await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${incoming}in-progress`, Body: 'partial' }));
    // S3 cannot backdate an object; s3rver reports its file's mtime as LastModified, so age it there.
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(join(serverDir, BUCKET, `${incoming}left-behind._S3rver_object`), hourAgo, hourAgo);
    const aged = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${incoming}left-behind` }));
    assert.ok((aged.LastModified?.getTime() ?? Infinity) < Date.now() - 3_000_000, 'the stale object was not backdated');

    assert.equal(await blobs.sweep(60_000), 1);
    assert.deepEqual(await keysUnder(incoming), [`${incoming}in-progress`]);
    assert.deepEqual(await blobs.stat(kept.sha256), kept);
    assert.equal(await blobs.sweep(60_000), 0);
  });
});

describe('openBlobStore', () => {
  it('keeps blobs in <data dir>/blobs without a URL', async () => {
    for (const url of [undefined, '']) {
      const blobs = await openBlobStore(url, dataDir, env);
      const info = await blobs.put(pieces(Buffer.from('on disk')), { maxBytes: 100 });
      assert.ok((await stat(join(dataDir, 'blobs', 'sha256', info.sha256.slice(0, 2), info.sha256))).isFile());
    }
    assert.equal(describeBlobStore(undefined), 'the data directory (blobs/)');
  });

  it('puts blobs at the bucket root or under a prefix, however its slashes are written', async () => {
    const payload = Buffer.from('where am I');
    const key = (prefix: string) => `${prefix}sha256/${sha(payload).slice(0, 2)}/${sha(payload)}`;
    for (const [url, prefix] of [
      [`s3://${BUCKET}`, ''],
      [`s3://${BUCKET}/`, ''],
      [`s3://${BUCKET}/norm`, 'norm/'],
      [`s3://${BUCKET}/norm/`, 'norm/'],
      [`s3://${BUCKET}/a/b//`, 'a/b/'],
    ] as const) {
      await (await openBlobStore(url, dataDir, env)).put(pieces(payload), { maxBytes: 100 });
      const head = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key(prefix) }));
      assert.equal(head.ContentLength, payload.length, url);
    }
  });

  it('refuses anything but s3://bucket[/prefix], saying what is accepted', async () => {
    for (const url of [
      'http://example.com/bucket',
      's3://',
      's3://ab',
      's3://Upper',
      's3://under_score/x',
      'file:///tmp/blobs',
      's3:/bucket',
    ]) {
      await assert.rejects(
        openBlobStore(url, dataDir, env),
        { message: '--blob-url must be s3://bucket[/prefix]; leave it out to keep blobs in the data directory' },
        url,
      );
      assert.equal(describeBlobStore(url, env), 'an invalid --blob-url');
    }
  });

  it('describes an S3 store without credentials', () => {
    assert.equal(describeBlobStore('s3://bucket/a/b', {}), 'S3 bucket bucket, prefix a/b/');
    assert.equal(
      describeBlobStore('s3://bucket', { AWS_ENDPOINT_URL: 'https://key:secret@minio.local:9000/' }),
      'S3 bucket bucket at minio.local:9000',
    );
    assert.doesNotMatch(describeBlobStore('s3://bucket', { ...env, AWS_SECRET_ACCESS_KEY: 'hunter2' }), /hunter2|S3RVER/);
  });
});
