import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createLogShipper, type ShippedEntry } from './log-shipper.js';

const entry = (message: string): ShippedEntry => ({ timeUs: Date.now() * 1000, level: 'info', loggerName: 'test', message });
const spooled = (path: string) =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as ShippedEntry).message)
    : [];
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check());
};

/** A shipper whose server is reachable only while `link.up`; what it stored lands in `link.sent`. */
async function shipperBehind(link: { up: boolean; sent: string[] }, maxEntries: number, spoolPath?: string) {
  const path = spoolPath ?? join(await mkdtemp(join(tmpdir(), 'hangar-spool-')), 'logs.spool');
  const shipper = createLogShipper({
    spoolPath: path,
    maxEntries,
    intervalMs: 5,
    send: (entries) => {
      if (!link.up) return Promise.reject(new Error('unreachable'));
      link.sent.push(...entries.map((e) => e.message));
      return Promise.resolve();
    },
  });
  return { shipper, spoolPath: path };
}

describe('log shipper', () => {
  it('puts entries on disk the moment they are logged while the server is unreachable, and sends each once when it is back', async () => {
    const link = { up: false, sent: [] as string[] };
    const { shipper, spoolPath } = await shipperBehind(link, 100);
    shipper.add(entry('a'));
    await until(() => spooled(spoolPath).length === 1);
    shipper.add(entry('b'));
    shipper.add(entry('c'));
    // Synchronously on disk: a kill -9 now loses nothing.
    assert.deepEqual(spooled(spoolPath), ['a', 'b', 'c']);

    // A new shipper (the agent started again) picks the spool up.
    await shipper.stop(0);
    link.up = true;
    const { shipper: again } = await shipperBehind(link, 100, spoolPath);
    await until(() => link.sent.length === 3);
    await until(() => !existsSync(spoolPath));
    assert.deepEqual(link.sent, ['a', 'b', 'c']);
    await again.stop(100);
  });

  it('drops the oldest beyond its bound and says how many once the server is back', async () => {
    const link = { up: false, sent: [] as string[] };
    const { shipper, spoolPath } = await shipperBehind(link, 3);
    shipper.add(entry('1'));
    await until(() => spooled(spoolPath).length === 1);
    for (const m of ['2', '3', '4', '5']) shipper.add(entry(m));
    assert.deepEqual(spooled(spoolPath), ['3', '4', '5']);
    link.up = true;
    await until(() => link.sent.length === 4);
    assert.match(link.sent[0] ?? '', /dropped the 2 oldest log entries/);
    assert.deepEqual(link.sent.slice(1), ['3', '4', '5']);
    await shipper.stop(100);
  });

  it('sends a batch whose answer was lost again with the same entries and number, across a restart too', async () => {
    // A server that numbers as Hangar's does: a batch whose number it stored is answered but not stored again.
    const stored = new Map<string, string[]>();
    const numbers: string[] = [];
    const link = { up: true, answerLost: true };
    const path = join(await mkdtemp(join(tmpdir(), 'hangar-spool-')), 'logs.spool');
    const start = () =>
      createLogShipper({
        spoolPath: path,
        maxEntries: 100,
        intervalMs: 5,
        send: (entries, batch) => {
          if (!link.up) return Promise.reject(new Error('unreachable'));
          const key = `${batch.stream} ${batch.seq}`;
          numbers.push(key);
          if (!stored.has(key))
            stored.set(
              key,
              entries.map((e) => e.message),
            );
          return link.answerLost ? Promise.reject(new Error('connection reset')) : Promise.resolve();
        },
      });
    const first = start();
    first.add(entry('a'));
    first.add(entry('b'));
    await until(() => numbers.length >= 2);
    // Killed while unanswered: the spool holds the batch with its number.
    link.up = false;
    first.add(entry('c'));
    await first.stop(0);
    const onDisk = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as ShippedEntry);
    assert.deepEqual(
      onDisk.map((e) => [e.message, e.batch === undefined ? undefined : `${e.batch.stream} ${e.batch.seq}`]),
      [
        ['a', numbers[0]],
        ['b', numbers[0]],
        ['c', undefined],
      ],
    );

    link.up = true;
    link.answerLost = false;
    const again = start();
    await until(() => !existsSync(path));
    assert.equal(new Set(numbers.slice(0, -1)).size, 1, 'the unanswered batch went again and again under one number');
    assert.notEqual(numbers.at(-1), numbers[0], 'the entry logged later went in a batch of its own');
    assert.deepEqual([...stored.values()], [['a', 'b'], ['c']]);
    await again.stop(100);
  });
});
