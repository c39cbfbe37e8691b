/**
 * The seed CLI's `data` commands end to end: a machine uploads (our SDK, its own credential), `hangar data
 * export` writes the seed-era layout with `--parallel` workers (the server's in-flight peak equals the
 * flag), resumes, and `data delete` prints what the seed-era CLI prints.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import type { DataClient } from '@hangar/sdk';
import { startAgent, waitFor } from '../agent-process.js';
import { newMachine } from '../fleet.js';
import { metricValue } from '../machine-logs.js';
import { seedOrg, type SeededOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import type { TestServer } from '../server.js';
import { assertError, loginWithKey, readConfig, unique, writeConfig } from './helpers.js';
import { runCli, tempHome } from '../cli.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Each BinaryDataByIDs answer waits 20 ms, so an export's workers are all in flight at once and the
// server's peak shows exactly how many there are (the CLI's writes between calls no longer hide them).
process.env.HANGAR_TEST_DATA_DELAY_MS = '20';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hangar-data-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function uploader(s: TestServer, a: SeededOrg, name: string): Promise<{ partId: string; data: DataClient }> {
  const { mainPart } = await newMachine(a.owner, a.location.id, name);
  const part = await a.owner.getRobotPart(mainPart.id);
  const machine = await s.connect({ type: 'robot-secret', partId: part.id, secret: part.secret }, 'grpc');
  return { partId: part.id, data: machine.dataClient() };
}

const peakOf = (s: TestServer) => metricValue(s, 'hangar_rpc_in_flight_peak', { method: 'viam.app.data.v1.DataService/BinaryDataByIDs' });

await describeEngines('hangar data', (server, engine) => {
  it('exports binary data with --parallel 1 and 10 (the server sees that many at once), in the seed layout, and resumes', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Data'));
    const m = await uploader(s, a, 'cam');
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 40; i++) {
      const bytes = randomBytes(256 * 1024);
      const id = await m.data.binaryDataCaptureUpload(bytes, m.partId, '.jpg', {
        componentName: 'camera-1',
        dataRequestTimes: [new Date(Date.UTC(2026, 10, 5, 12, 0, i, 250)), new Date()],
      });
      files.set(id.split('/')[2] ?? '', bytes);
    }
    const cli = await loginWithKey(s, a.ownerKey);

    const base = await mkdtemp(join(dir, 'export-'));
    const one = join(base, 'one');
    const r1 = await cli(['data', 'export', '--destination', one, '--data-type', 'binary', '--parallel', '1', '--org-ids', a.org.id]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.match(r1.stdout, /Downloaded 40 files/);
    assert.equal(await peakOf(s), 1, 'one request at a time');

    const ten = join(base, 'ten');
    const r10 = await cli(['data', 'export', '--destination', ten, '--data_type', 'binary', '--org-ids', a.org.id, '--json']);
    assert.equal(r10.code, 0, r10.stderr);
    assert.deepEqual(JSON.parse(r10.stdout), { data_type: 'binary', destination: ten, files: 40, skipped: 0, bytes: 40 * 256 * 1024 });
    assert.equal(await peakOf(s), 10, 'the default --parallel is 10, and never more');

    const names = (await readdir(join(ten, 'data'))).sort();
    assert.equal(names.length, 40);
    for (const name of names) {
      // `<time requested, RFC 3339 with ':' replaced>_<file id>.jpg`
      const match = /^2026-11-05T12_00_(\d{2})\.25Z_([0-9a-f]{64})\.jpg$/.exec(name);
      assert.ok(match, name);
      const bytes = files.get(match[2] ?? '');
      assert.ok(bytes);
      assert.equal(sha256(await readFile(join(ten, 'data', name))), sha256(bytes));
      const meta = JSON.parse(await readFile(join(ten, 'metadata', `${name}.json`), 'utf8')) as Record<string, unknown>;
      assert.equal(meta.fileName, name, 'the metadata names the saved file');
      assert.equal(meta.id, match[2]);
      assert.equal((meta.captureMetadata as Record<string, unknown>).componentName, 'camera-1');
    }
    assert.equal((await stat(join(ten, 'data'))).mode & 0o777, 0o700);

    // Run again: everything is there already.
    const again = await cli(['data', 'export', '--destination', ten, '--data-type', 'binary', '--org-ids', a.org.id, '--json']);
    assert.equal((JSON.parse(again.stdout) as { skipped: number; files: number }).skipped, 40);
  });

  it('names files as the seed-era CLI does, unzips .gz uploads and refuses names that leave the destination', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Names'));
    const m = await uploader(s, a, 'files');
    const plain = randomBytes(1000);
    await m.data.fileUpload(m.partId, plain, { fileName: 'notes.txt', fileExtension: '.txt' });
    await m.data.fileUpload(m.partId, gzipSync(plain), { fileName: 'logs/app.log.gz', fileExtension: '.gz' });
    // Over the CLI's 1 MiB inline limit: asked for in one call with the small ones, then streamed from its uri.
    const big = randomBytes(1536 * 1024);
    await m.data.fileUpload(m.partId, big, { fileName: 'big.bin', fileExtension: '.bin' });
    const cli = await loginWithKey(s, a.ownerKey);
    const base = await mkdtemp(join(dir, 'names-'));
    const out = join(base, 'names');
    const r = await cli(['data', 'export', '--destination', out, '--data-type', 'binary', '--parallel', '1', '--org-ids', a.org.id]);
    assert.equal(r.code, 0, r.stderr);
    const bigName = (await readdir(join(out, 'data'))).find((n) => n.endsWith('_big.bin'));
    assert.ok(bigName !== undefined);
    assert.deepEqual(await readFile(join(out, 'data', bigName)), big, 'the large file arrives whole');
    const top = (await readdir(join(out, 'data'))).sort();
    assert.ok(top.includes('logs'), 'a name with directories is kept as is');
    assert.deepEqual(await readdir(join(out, 'data', 'logs')), ['app.log'], 'a trailing .gz goes');
    assert.deepEqual(await readFile(join(out, 'data', 'logs', 'app.log')), plain, 'and the content is unzipped');
    assert.ok(top.some((n) => n.endsWith('_notes.txt')));

    await m.data.fileUpload(m.partId, plain, { fileName: '../../escape.txt', fileExtension: '.txt' });
    const bad = await cli(['data', 'export', '--destination', join(base, 'escape'), '--data-type', 'binary', '--org-ids', a.org.id]);
    assertError(bad, 1, /outside/);
    await assert.rejects(stat(join(base, 'escape.txt')));
  });

  it('writes the same tabular export through Hangar’s export stream and, from a server without it, through TabularDataByFilter pages', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Tabular paths'));
    const m = await uploader(s, a, 'sensors');
    const t0 = Date.UTC(2026, 10, 7, 9, 0, 0);
    // Two components whose readings interleave in time, so metadata entries alternate; keys that sort by
    // code point, escapes, nesting and arrays; more readings than one page or one stream message.
    for (const [component, offset] of [
      ['thermo', 0],
      ['hygro', 500],
    ] as const) {
      const readings = Array.from({ length: 1500 }, (_, i) => ({
        i,
        [component]: { value: i / 7, ok: i % 2 === 0, tags: ['<a&b>', null, 'ü'] },
        '\u{1F600}k': 1,
        '\uFF5Ek': 2,
        Zz: 'x'.repeat(600),
      }));
      await m.data.tabularDataCaptureUpload(
        readings,
        m.partId,
        'rdk:component:sensor',
        component,
        'Readings',
        readings.map((_, i) => [new Date(t0 + i * 1000 + offset), new Date(t0 + i * 1000 + offset + 1)] as [Date, Date]),
      );
    }
    const cli = await loginWithKey(s, a.ownerKey);
    const direct = await mkdtemp(join(dir, 'tabular-stream-'));
    const r = await cli(['data', 'export', '--destination', direct, '--data-type', 'tabular', '--org-ids', a.org.id]);
    assert.equal(r.code, 0, r.stderr);

    // A relay that answers 404 for Hangar's export service, as a server without it would.
    const relay = http.createServer((req, res) => {
      if (req.url?.startsWith('/hangar.data.v1.ReadingsExportService/') === true) {
        res.writeHead(404).end();
        return;
      }
      const upstream = http.request(`${s.url}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((done) => relay.listen(0, '127.0.0.1', done));
    try {
      const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
      const config = await readConfig(cli.home);
      const home = await tempHome();
      await writeConfig(home, { ...config, server: relayUrl, ...(config.session && { session: { ...config.session, server: relayUrl } }) });
      const paged = await mkdtemp(join(dir, 'tabular-pages-'));
      const viaPages = await runCli(['data', 'export', '--destination', paged, '--data-type', 'tabular', '--org-ids', a.org.id], {
        home,
        server: relayUrl,
      });
      assert.equal(viaPages.code, 0, viaPages.stderr);

      const streamed = await readFile(join(direct, 'data', 'data.ndjson'), 'utf8');
      assert.equal(await readFile(join(paged, 'data', 'data.ndjson'), 'utf8'), streamed, 'byte for byte the same lines');
      assert.deepEqual(await readdir(join(paged, 'metadata')), await readdir(join(direct, 'metadata')));
      for (const name of await readdir(join(direct, 'metadata')))
        assert.equal(await readFile(join(paged, 'metadata', name), 'utf8'), await readFile(join(direct, 'metadata', name), 'utf8'));

      const lines = streamed.trim().split('\n');
      assert.equal(lines.length, 3000);
      // Newest first, as TabularDataByFilter answers by default; the two components alternate.
      const first = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
      const second = JSON.parse(lines[1] ?? '') as Record<string, unknown>;
      assert.deepEqual([first.i, first.MetadataIndex, second.i, second.MetadataIndex], [1499, 0, 1499, 1]);
      const metadata = await Promise.all(
        [0, 1].map(async (i) => JSON.parse(await readFile(join(direct, 'metadata', `${i}.json`), 'utf8')) as { componentName: string }),
      );
      assert.deepEqual(
        metadata.map((md) => md.componentName),
        ['hygro', 'thermo'],
      );
      // Go's encoding/json: keys in UTF-8 byte order at every level, <, > and & escaped.
      const at = t0 + 1499 * 1000 + 500;
      assert.deepEqual(Object.keys(first), ['MetadataIndex', 'TimeReceived', 'TimeRequested', 'Zz', 'hygro', 'i', '\uFF5Ek', '\u{1F600}k']);
      assert.deepEqual(first.TimeRequested, { seconds: Math.floor(at / 1000), nanos: 500_000_000 });
      assert.deepEqual(first.TimeReceived, { seconds: Math.floor(at / 1000), nanos: 501_000_000 });
      assert.match(
        lines[0] ?? '',
        /"hygro":\{"ok":false,"tags":\["\\u003ca\\u0026b\\u003e",null,"ü"\],"value":214\.14285714285714\d*\},"i":1499,"～k":2,"😀k":1\}$/u,
      );
    } finally {
      await new Promise<void>((done) => relay.close(() => done()));
    }
  });

  it('exports tabular data as data.ndjson with sorted keys and metadata files, and deletes as the seed CLI prints', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Tabular'));
    const m = await uploader(s, a, 'sensor');
    const t0 = new Date('2026-11-07T00:00:00Z');
    await m.data.tabularDataCaptureUpload(
      [{ b: 1, a: { z: true, y: '<x>' } }, { b: 2 }],
      m.partId,
      'rdk:component:sensor',
      'temp',
      'Readings',
      [
        [t0, t0],
        [new Date(t0.getTime() + 1500), new Date(t0.getTime() + 1500)],
      ],
    );
    const cli = await loginWithKey(s, a.ownerKey);
    const out = await mkdtemp(join(dir, 'tabular-'));
    const r = await cli(['data', 'export', '--destination', out, '--data-type', 'tabular', '--org-ids', a.org.id]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Downloading\.\.\.+\n$/);
    const lines = (await readFile(join(out, 'data', 'data.ndjson'), 'utf8')).trim().split('\n');
    assert.deepEqual(lines.sort(), [
      `{"MetadataIndex":0,"TimeReceived":{"seconds":${t0.getTime() / 1000}},"TimeRequested":{"seconds":${t0.getTime() / 1000}},"a":{"y":"\\u003cx\\u003e","z":true},"b":1}`,
      `{"MetadataIndex":0,"TimeReceived":{"seconds":${t0.getTime() / 1000 + 1},"nanos":500000000},"TimeRequested":{"seconds":${t0.getTime() / 1000 + 1},"nanos":500000000},"b":2}`,
    ]);
    const md = JSON.parse(await readFile(join(out, 'metadata', '0.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(md.componentName, 'temp');
    assert.equal(md.partId, m.partId);

    assertError(await cli(['data', 'export', '--destination', out, '--data-type', 'csv']), 2, /binary or tabular/);
    assertError(await cli(['data', 'export', '--destination', out, '--data-type', 'binary', '--component-model', 'x']), 2, /not supported/);
    assertError(
      await cli(['data', 'export', '--destination', out, '--data-type', 'binary', '--start', 'yesterday']),
      2,
      /could not parse start flag/,
    );

    const del = await cli(['data', 'delete', 'tabular', '--org-id', a.org.id, '--delete-older-than-days', '0']);
    assert.equal(del.code, 0, del.stderr);
    assert.equal(del.stdout.trim(), 'Deleted 2 datapoints');
    await m.data.binaryDataCaptureUpload(randomBytes(10), m.partId, '.bin', { componentName: 'x' });
    const delBinary = await cli(['data', 'delete', 'binary', '--org-ids', a.org.id, '--component-name', 'x', '--json']);
    assert.deepEqual(JSON.parse(delBinary.stdout), { deleted_count: 1 });
  });

  it('hangar agent uploads what its data manager captures, deletes it locally, and leaves files still being written', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Sync'));
    const { mainPart } = await newMachine(a.owner, a.location.id, 'syncer');
    const part = await a.owner.getRobotPart(mainPart.id);
    const work = await mkdtemp(join(dir, 'sync-'));
    const captureDir = join(work, 'capture');
    await mkdir(join(captureDir, 'camera'), { recursive: true });
    const first = randomBytes(5000);
    const second = randomBytes(7000);
    const old = new Date(Date.now() - 60_000);
    for (const [name, bytes] of [
      ['camera/one.jpg', first],
      ['two.bin', second],
      ['three.capture.prog', randomBytes(10)],
    ] as const) {
      await writeFile(join(captureDir, name), bytes);
      await utimes(join(captureDir, name), old, old);
    }
    await a.owner.updateRobotPart(part.id, part.name, {
      services: [
        {
          name: 'data_manager-1',
          api: 'rdk:service:data_manager',
          model: 'rdk:builtin:builtin',
          attributes: { capture_dir: captureDir, sync_interval_mins: 0.005, tags: ['field'] },
        },
      ],
    });
    const cli = await loginWithKey(s, a.ownerKey);
    const configPath = join(work, 'viam.json');
    assert.equal((await cli(['robots', 'part', 'setup', '--part-id', part.id, '--output', configPath])).code, 0);
    const agent = startAgent(configPath, join(work, 'agent-data'));
    try {
      await waitFor('the agent to upload and delete the captured files', async () => {
        const left = await readdir(captureDir, { recursive: true });
        return left.includes('two.bin') || left.includes(join('camera', 'one.jpg')) ? undefined : true;
      });
      const found = await a.owner.dataClient().binaryDataByFilter({ partId: part.id });
      const byName = new Map(found.data.map((d) => [d.metadata?.fileName ?? '', d]));
      assert.deepEqual([...byName.keys()].sort(), [join(captureDir, 'camera', 'one.jpg'), join(captureDir, 'two.bin')]);
      assert.equal(sha256(byName.get(join(captureDir, 'two.bin'))?.binary ?? new Uint8Array()), sha256(second));
      assert.deepEqual(byName.get(join(captureDir, 'camera', 'one.jpg'))?.metadata?.captureMetadata?.tags, ['field']);
      assert.ok((await readdir(captureDir)).includes('three.capture.prog'), 'a file still being written stays');
      await waitFor('the upload in the agent log', () =>
        Promise.resolve(agent.stderr().includes('data sync: uploaded') ? true : undefined),
      );
    } finally {
      await agent.stop();
    }
    // Nothing was uploaded twice.
    assert.equal((await a.owner.dataClient().binaryDataByFilter({ partId: part.id }, { countOnly: true })).count, 2);
  });

  it('gives an organization a read-only database user on PostgreSQL, confined to its own readings; on SQLite says what to use', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Db'));
    const b = await seedOrg(s, unique('DbOther'));
    const ma = await uploader(s, a, 'db-a');
    const mb = await uploader(s, b, 'db-b');
    const t = new Date();
    await ma.data.tabularDataCaptureUpload([{ v: 1 }, { v: 2 }], ma.partId, 'rdk:component:sensor', 's', 'Readings', [
      [t, t],
      [t, t],
    ]);
    await mb.data.tabularDataCaptureUpload([{ v: 3 }], mb.partId, 'rdk:component:sensor', 's', 'Readings', [[t, t]]);
    const cli = await loginWithKey(s, a.ownerKey);
    if (engine === 'sqlite') {
      assertError(await cli(['data', 'database', 'configure', '--org-id', a.org.id, '--password', 'secret-pass-1']), 1, /PostgreSQL/);
      assertError(await cli(['data', 'database', 'hostname', '--org-id', a.org.id]), 1, /PostgreSQL/);
      return;
    }
    const operator = await loginWithKey(s, a.operatorKey);
    assertError(await operator(['data', 'database', 'configure', '--org-id', a.org.id, '--password', 'secret-pass-1']), 1, /may not/);
    const configured = await cli(['data', 'database', 'configure', '--org-id', a.org.id, '--password', 'secret-pass-1']);
    assert.equal(configured.code, 0, configured.stderr);
    assert.equal(configured.stdout.trim(), `Configured database user for org ${a.org.id}`);
    const host = await cli(['data', 'database', 'hostname', '--org-id', a.org.id, '--json']);
    const { uri, hostname } = JSON.parse(host.stdout) as { uri: string; hostname: string };
    assert.equal(hostname, '127.0.0.1');
    assert.match(
      uri,
      new RegExp(`^postgresql://db-user-${a.org.id}:YOUR-PASSWORD-HERE@127\\.0\\.0\\.1:5432/[a-z0-9_]+\\?sslmode=(require|disable)$`),
    );
    const psql = (url: string, query: string) =>
      run('psql', [url, '-At', '-c', query], { env: { ...process.env, PGCONNECT_TIMEOUT: '10' } });
    const real = uri.replace('YOUR-PASSWORD-HERE', 'secret-pass-1');
    assert.equal(
      (await psql(real, 'select count(*) from readings')).stdout.trim(),
      '2',
      "its own organization's readings, none of another's",
    );
    assert.equal((await psql(real, "select data->>'v' from readings order by 1")).stdout.trim(), '1\n2');
    await assert.rejects(psql(real, "insert into data_tabular (id) values ('x')"), 'it cannot write');
    await assert.rejects(psql(real, 'select count(*) from public.users'), 'nor read other tables');
    // This machine's PostgreSQL trusts local connections, so the password itself is not checked here: the
    // stored secret is, a SCRAM verifier (never the password), replaced when the user is configured again.
    const admin = uri.replace(`db-user-${a.org.id}:YOUR-PASSWORD-HERE`, 'postgres');
    const secret = async () => (await psql(admin, `select rolpassword from pg_authid where rolname = 'db-user-${a.org.id}'`)).stdout.trim();
    const first = await secret();
    assert.match(first, /^SCRAM-SHA-256\$4096:/);
    assert.ok(!first.includes('secret-pass-1'));
    assert.equal((await cli(['data', 'database', 'configure', '--org-id', a.org.id, '--password', 'second-pass-2'])).code, 0);
    assert.notEqual(await secret(), first);
    assert.equal((await psql(uri.replace('YOUR-PASSWORD-HERE', 'second-pass-2'), 'select count(*) from readings')).stdout.trim(), '2');
  });
});
