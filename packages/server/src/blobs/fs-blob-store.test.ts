import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BlobNotFoundError, BlobTooLargeError } from './blob-store.js';
import { createFsBlobStore } from './fs-blob-store.js';

async function* chunks(...parts: (string | Error)[]): AsyncIterable<Uint8Array> {
  for (const part of parts) {
    if (part instanceof Error) throw part;
    yield Buffer.from(part);
    await Promise.resolve();
  }
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of source) out.push(Buffer.from(c));
  return Buffer.concat(out).toString();
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('filesystem blob store', () => {
  it('keeps a streamed file under its sha256, whole or by range, once for the same content', async () => {
    const root = await mkdtemp(join(tmpdir(), 'hangar-blobs-'));
    const blobs = createFsBlobStore(root);
    const info = await blobs.put(chunks('hello ', 'blob ', 'world'), { maxBytes: 100 });
    assert.deepEqual(info, { sha256: sha('hello blob world'), size: 16 });
    assert.deepEqual(await blobs.stat(info.sha256), info);
    assert.equal(await collect(blobs.read(info.sha256)), 'hello blob world');
    assert.equal(await collect(blobs.read(info.sha256, { start: 6, end: 9 })), 'blob');
    assert.deepEqual(await blobs.put(chunks('hello blob world'), { maxBytes: 100 }), info);
    assert.deepEqual(await readdir(join(root, 'incoming')), []);
    await blobs.delete(info.sha256);
    assert.equal(await blobs.stat(info.sha256), undefined);
    await assert.rejects(collect(blobs.read(info.sha256)), BlobNotFoundError);
    await assert.rejects(collect(blobs.read('../../etc/passwd')), BlobNotFoundError);
  });

  it('keeps nothing of a file over the limit, a failed source or an aborted write', async () => {
    const root = await mkdtemp(join(tmpdir(), 'hangar-blobs-'));
    const blobs = createFsBlobStore(root);
    await assert.rejects(blobs.put(chunks('12345', '67890'), { maxBytes: 8 }), BlobTooLargeError);
    await assert.rejects(blobs.put(chunks('half', new Error('connection lost')), { maxBytes: 100 }), /connection lost/);
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(blobs.put(chunks('x'), { maxBytes: 100, signal: abort.signal }), { name: 'AbortError' });
    assert.deepEqual(await readdir(join(root, 'incoming')), []);
    assert.deepEqual(await readdir(root).then((names) => names.filter((n) => n !== 'incoming')), []);
  });

  it('sweeps what a crashed write left behind, once it is old enough', async () => {
    const root = await mkdtemp(join(tmpdir(), 'hangar-blobs-'));
    const blobs = createFsBlobStore(root);
    await blobs.put(chunks('first'), { maxBytes: 100 });
    const stale = join(root, 'incoming', 'left-behind');
    await writeFile(stale, 'partial');
    await utimes(stale, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    await writeFile(join(root, 'incoming', 'in-progress'), 'partial');
    assert.equal(await blobs.sweep(60_000), 1);
    assert.deepEqual(await readdir(join(root, 'incoming')), ['in-progress']);
  });

  it('lists its blobs with when they were written, and renews that time when the same bytes come again', async () => {
    const root = await mkdtemp(join(tmpdir(), 'hangar-blobs-'));
    const blobs = createFsBlobStore(root);
    const a = await blobs.put(chunks('alpha'), { maxBytes: 100 });
    const b = await blobs.put(chunks('beta'), { maxBytes: 100 });
    await writeFile(join(root, 'incoming', 'unfinished'), 'x');
    const listed = new Map<string, number>();
    for await (const blob of blobs.list()) listed.set(blob.sha256, blob.writtenAtMs);
    assert.deepEqual([...listed.keys()].sort(), [a.sha256, b.sha256].sort(), 'complete blobs only');
    assert.equal(await blobs.writtenAt(a.sha256), listed.get(a.sha256));
    assert.equal(await blobs.writtenAt(sha('never stored')), undefined);
    assert.equal(await blobs.writtenAt('../../etc/passwd'), undefined);

    const dayAgo = new Date(Date.now() - 86_400_000);
    await utimes(join(root, 'sha256', a.sha256.slice(0, 2), a.sha256), dayAgo, dayAgo);
    assert.ok(((await blobs.writtenAt(a.sha256)) ?? Infinity) < Date.now() - 80_000_000, 'backdated');
    await blobs.put(chunks('alp', 'ha'), { maxBytes: 100 });
    assert.ok(((await blobs.writtenAt(a.sha256)) ?? 0) > Date.now() - 60_000, 'stored again: written now');
  });

  it('writes a file of many chunks in order, across its write batches', async () => {
    const root = await mkdtemp(join(tmpdir(), 'hangar-blobs-'));
    const blobs = createFsBlobStore(root);
    const payload = randomBytes(5 * 1024 * 1024 + 333);
    async function* network(): AsyncIterable<Uint8Array> {
      for (let at = 0, n = 0; at < payload.length; n++) {
        const size = 1 + ((n * 7919) % (96 * 1024));
        yield payload.subarray(at, at + size);
        at += size;
        if (n % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const info = await blobs.put(network(), { maxBytes: 10 * 1024 * 1024 });
    assert.equal(info.sha256, createHash('sha256').update(payload).digest('hex'));
    const stored = await readFile(join(root, 'sha256', info.sha256.slice(0, 2), info.sha256));
    assert.ok(stored.equals(payload));
  });

  it('takes a complete file by name, once for the same content, and refuses one over the limit', async () => {
    const root = await mkdtemp(join(tmpdir(), 'hangar-blobs-'));
    const blobs = createFsBlobStore(root);
    const parts = await mkdtemp(join(tmpdir(), 'hangar-parts-'));
    const first = join(parts, 'a.part');
    await writeFile(first, 'a whole upload');
    const expected = { sha256: sha('a whole upload'), size: 14 };
    const inode = (await stat(first)).ino;
    assert.deepEqual(await blobs.putFile(first, expected, { maxBytes: 100 }), expected);
    assert.equal(await collect(blobs.read(expected.sha256)), 'a whole upload');
    assert.equal((await stat(join(root, 'sha256', expected.sha256.slice(0, 2), expected.sha256))).ino, inode, 'moved, not copied');
    const again = join(parts, 'b.part');
    await writeFile(again, 'a whole upload');
    assert.deepEqual(await blobs.putFile(again, expected, { maxBytes: 100 }), expected);
    const big = join(parts, 'c.part');
    await writeFile(big, '123456789');
    await assert.rejects(blobs.putFile(big, { sha256: sha('123456789'), size: 9 }, { maxBytes: 8 }), BlobTooLargeError);
    assert.equal(await blobs.stat(sha('123456789')), undefined);
    assert.deepEqual(await readdir(parts), ['c.part'], "the files taken are gone; a refused one is the caller's to delete");
  });
});
