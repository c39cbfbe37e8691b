import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { create } from 'tar';
import { appRobotApi, Code, HangarError } from '@hangar/sdk';
import { FileInfo, Package, PackageInfo, PackageType } from '@hangar/wire';
import { COMPLETE_MARKER, createModuleSync, registryPlatform, type NoteLevel, type PackageRequest } from './module-sync.js';

const PLATFORM = 'linux/amd64';
const TOKEN = 'test-token';

interface Archive {
  bytes: Buffer;
  sha256: string;
}

/** A .tar.gz of the given files, packed by tar from a temp directory. */
async function tarball(files: Record<string, { content: Buffer | string; mode?: number }>): Promise<Archive> {
  const dir = await mkdtemp(join(tmpdir(), 'hangar-module-src-'));
  const out = await mkdtemp(join(tmpdir(), 'hangar-module-tgz-'));
  for (const [name, { content, mode = 0o644 }] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
    await chmod(join(dir, name), mode);
  }
  const file = join(out, 'module.tar.gz');
  await create({ gzip: true, file, cwd: dir }, readdirSync(dir));
  const bytes = await readFile(file);
  await rm(dir, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** A module with an executable entrypoint and enough incompressible data that half of it is a real download. */
const runnable = (version: string) =>
  tarball({
    'bin/run.sh': { content: `#!/bin/sh\necho ${version}\n`, mode: 0o755 },
    'data.bin': { content: randomBytes(512 * 1024) },
  });

interface Seen {
  url: string;
  range: string | undefined;
  ifRange: string | undefined;
  authorization: string | undefined;
  status: number;
}

/** The server's download side: archives by path, Range and ETag as the registry answers them, every request recorded. */
async function startDownloads(t: TestContext) {
  const archives = new Map<string, Archive & { breakOnce: boolean; sloppy: boolean }>();
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const record = (status: number) => seen.push({ url: req.url ?? '', ...pick(req.headers), status });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      record(401);
      res.writeHead(401).end();
      return;
    }
    const archive = archives.get(req.url ?? '');
    if (archive === undefined) {
      record(404);
      res.writeHead(404).end();
      return;
    }
    // A sloppy server tags its archives its own way and answers a range whatever If-Range says.
    const etag = archive.sloppy ? '"v1"' : `"${archive.sha256}"`;
    const total = archive.bytes.length;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    const headers = { 'content-type': 'application/x-gzip', etag, 'accept-ranges': 'bytes' };
    if (range !== null && (ifRange === undefined || ifRange === etag || archive.sloppy)) {
      const start = Number(range[1]);
      if (start >= total) {
        record(416);
        res.writeHead(416, { 'content-range': `bytes */${total}` }).end();
        return;
      }
      record(206);
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${total - 1}/${total}`, 'content-length': total - start });
      res.end(archive.bytes.subarray(start));
      return;
    }
    record(200);
    res.writeHead(200, { ...headers, 'content-length': total });
    if (archive.breakOnce) {
      archive.breakOnce = false;
      // Half the archive, then the connection drops, as a flaky link would.
      res.write(archive.bytes.subarray(0, Math.floor(total / 2)));
      setTimeout(() => res.socket?.destroy(), 100);
      return;
    }
    res.end(archive.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    // A download the client gave up on mid-body would otherwise keep close() waiting for seconds.
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    seen,
    /** Serves the archive at /packages/<id>/<version> and returns its URL. */
    serve(id: string, version: string, archive: Archive, options: { breakOnce?: boolean; sloppy?: boolean } = {}) {
      const path = `/packages/${id}/${version}`;
      archives.set(path, { ...archive, breakOnce: options.breakOnce ?? false, sloppy: options.sloppy ?? false });
      return `${base}${path}`;
    },
  };
}

const pick = (h: IncomingHttpHeaders) => ({
  range: h.range,
  ifRange: typeof h['if-range'] === 'string' ? h['if-range'] : undefined,
  authorization: h.authorization,
});

/** The GetPackage side: known id@version answers with URL, checksum and size; anything else is NOT_FOUND. */
function packageRegistry() {
  const known = new Map<string, { url: string; checksum: string; size: number }>();
  const asked: PackageRequest[] = [];
  return {
    asked,
    add(id: string, version: string, answer: { url: string; checksum: string; size: number }) {
      known.set(`${id}@${version}`, answer);
    },
    getPackage(req: PackageRequest): Promise<Package> {
      asked.push(req);
      const answer = known.get(`${req.id}@${req.version}`);
      if (answer === undefined || req.type !== PackageType.MODULE || req.platform !== PLATFORM) {
        return Promise.reject(new HangarError(Code.NotFound, `no package ${req.id} ${req.version} for ${req.platform ?? ''}`));
      }
      return Promise.resolve(
        new Package({
          id: req.id,
          url: answer.url,
          checksum: answer.checksum,
          info: new PackageInfo({
            name: req.id,
            version: req.version,
            type: PackageType.MODULE,
            platform: PLATFORM,
            files: [new FileInfo({ name: 'module.tar.gz', size: BigInt(answer.size) })],
          }),
        }),
      );
    },
  };
}

interface ModuleSpec {
  name: string;
  id: string;
  version: string;
  entrypoint?: string;
}

/** A config as the server delivers it: per registry module a modules[] entry and a packages[] entry. */
function configOf(specs: ModuleSpec[], unresolved: { name: string; moduleId: string; error: string }[] = []): appRobotApi.RobotConfig {
  const pkgName = (s: ModuleSpec) => s.id.replace('/', '_');
  return new appRobotApi.RobotConfig({
    modules: [
      ...specs.map(
        (s) =>
          new appRobotApi.ModuleConfig({
            name: s.name,
            moduleId: s.id.replace('/', ':'),
            type: 'registry',
            path: `\${packages.module.${pkgName(s)}}/${s.entrypoint ?? 'bin/run.sh'}`,
          }),
      ),
      ...unresolved.map(
        (u) =>
          new appRobotApi.ModuleConfig({
            name: u.name,
            moduleId: u.moduleId,
            type: 'registry',
            status: new appRobotApi.AppValidationStatus({ error: u.error }),
          }),
      ),
    ],
    packages: specs.map((s) => new appRobotApi.PackageConfig({ name: pkgName(s), package: s.id, version: s.version, type: 'module' })),
  });
}

async function setup(t: TestContext) {
  const dataDir = await mkdtemp(join(tmpdir(), 'hangar-agent-data-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const downloads = await startDownloads(t);
  const registry = packageRegistry();
  const notes: { level: NoteLevel; message: string }[] = [];
  const sync = createModuleSync({
    dataDir,
    platform: PLATFORM,
    getPackage: (req) => registry.getPackage(req),
    token: () => TOKEN,
    note: (level, message) => notes.push({ level, message }),
  });
  const moduleRoot = join(dataDir, 'packages', 'data', 'module');
  /** Publishes a version: the server serves the archive and GetPackage answers for it. */
  const publish = (
    id: string,
    version: string,
    archive: Archive,
    options: { breakOnce?: boolean; sloppy?: boolean; checksum?: string } = {},
  ) => {
    const url = downloads.serve(id, version, archive, options);
    registry.add(id, version, { url, checksum: options.checksum ?? archive.sha256, size: archive.bytes.length });
  };
  return { dataDir, moduleRoot, downloads, registry, notes, sync, publish };
}

const messages = (notes: { level: NoteLevel; message: string }[]) => notes.map((n) => `${n.level} ${n.message}`);

describe('module sync', () => {
  it('downloads, verifies and unpacks a module, writes its marker and resolves its path; a second sync uses it without a request', async (t) => {
    const { moduleRoot, downloads, registry, notes, sync, publish } = await setup(t);
    const archive = await runnable('1.0.0');
    publish('acme/lidar', '1.0.0', archive);
    const config = configOf([{ name: 'lidar', id: 'acme/lidar', version: '1.0.0' }]);

    const [result, ...rest] = await sync.sync(config);
    const dir = join(moduleRoot, 'acme-lidar-1.0.0-linux-amd64');
    assert.deepEqual(rest, []);
    assert.deepEqual(result, {
      name: 'acme_lidar',
      package: 'acme/lidar',
      version: '1.0.0',
      platform: PLATFORM,
      outcome: 'downloaded',
      dir,
      sha256: archive.sha256,
      bytes: archive.bytes.length,
      modules: [{ name: 'lidar', path: join(dir, 'bin/run.sh') }],
    });
    assert.deepEqual(messages(notes), [
      `info module acme:lidar 1.0.0 (linux/amd64) downloaded, ${archive.bytes.length} bytes, sha256 ${archive.sha256.slice(0, 12)}…`,
    ]);
    assert.equal(readFileSync(join(dir, 'bin/run.sh'), 'utf8'), '#!/bin/sh\necho 1.0.0\n');
    assert.equal(statSync(join(dir, 'bin/run.sh')).mode & 0o111, 0o111);
    assert.equal(readFileSync(join(dir, COMPLETE_MARKER), 'utf8').trim(), archive.sha256);
    assert.deepEqual(readdirSync(moduleRoot), ['acme-lidar-1.0.0-linux-amd64'], 'no download or temp directory is left');
    assert.equal(sync.packageDir('acme_lidar'), dir);
    assert.deepEqual(registry.asked, [{ id: 'acme/lidar', version: '1.0.0', type: PackageType.MODULE, platform: PLATFORM }]);
    assert.deepEqual(
      downloads.seen.map((s) => [s.url, s.status, s.authorization, s.range]),
      [['/packages/acme/lidar/1.0.0', 200, `Bearer ${TOKEN}`, undefined]],
    );

    notes.length = 0;
    const [again] = await sync.sync(config);
    assert.equal(again?.outcome, 'cached');
    assert.equal(again.sha256, archive.sha256);
    assert.deepEqual(again.modules, [{ name: 'lidar', path: join(dir, 'bin/run.sh') }]);
    assert.deepEqual(messages(notes), ['info module acme:lidar 1.0.0 cached']);
    assert.equal(downloads.seen.length, 1, 'a cached module costs no download');
    assert.equal(registry.asked.length, 1, 'nor a GetPackage call');
  });

  it('discards a download whose sha256 differs from the server checksum and leaves no module directory', async (t) => {
    const { moduleRoot, notes, sync, publish } = await setup(t);
    const archive = await runnable('1.0.0');
    const wrong = createHash('sha256').update('something else').digest('hex');
    publish('acme/lidar', '1.0.0', archive, { checksum: wrong });

    const [result] = await sync.sync(configOf([{ name: 'lidar', id: 'acme/lidar', version: '1.0.0' }]));
    assert.equal(result?.outcome, 'failed');
    assert.equal(result.dir, undefined);
    assert.deepEqual(result.modules, []);
    assert.deepEqual(readdirSync(moduleRoot), []);
    assert.equal(sync.packageDir('acme_lidar'), undefined);
    assert.deepEqual(messages(notes), [
      `error module acme:lidar: the download's sha256 ${archive.sha256.slice(0, 12)}… (${archive.bytes.length} bytes) does not match ` +
        `the server's ${wrong.slice(0, 12)}… (${archive.bytes.length} bytes); it was discarded and the next sync downloads it again — ` +
        'if this persists, upload the version again',
    ]);
  });

  it('downloads a new version when the config changes and removes the old one and stale leftovers', async (t) => {
    const { moduleRoot, notes, sync, publish } = await setup(t);
    publish('acme/lidar', '1.0.0', await runnable('1.0.0'));
    const v2 = await runnable('1.1.0');
    publish('acme/lidar', '1.1.0', v2);
    await sync.sync(configOf([{ name: 'lidar', id: 'acme/lidar', version: '1.0.0' }]));
    // What a crash leaves behind: an unpacking cut short, and a partial download of a package no longer wanted.
    await mkdir(join(moduleRoot, 'acme-lidar-1.0.0-linux-amd64.tmp-0a1b2c'));
    await writeFile(join(moduleRoot, 'acme-radar-0.1.0-linux-amd64.download'), 'partial');
    notes.length = 0;

    const [result] = await sync.sync(configOf([{ name: 'lidar', id: 'acme/lidar', version: '1.1.0' }]));
    const dir = join(moduleRoot, 'acme-lidar-1.1.0-linux-amd64');
    assert.equal(result?.outcome, 'downloaded');
    assert.equal(result.dir, dir);
    assert.deepEqual(readdirSync(moduleRoot), ['acme-lidar-1.1.0-linux-amd64']);
    assert.equal(readFileSync(join(dir, 'bin/run.sh'), 'utf8'), '#!/bin/sh\necho 1.1.0\n');
    assert.deepEqual(messages(notes), [
      `info module acme:lidar 1.1.0 (linux/amd64) downloaded, ${v2.bytes.length} bytes, sha256 ${v2.sha256.slice(0, 12)}…`,
      'info removed old module version acme-lidar-1.0.0-linux-amd64',
    ]);
  });

  it('resumes an interrupted download with a Range request and ends with the right sha256', async (t) => {
    const { moduleRoot, downloads, notes, sync, publish } = await setup(t);
    const archive = await runnable('1.0.0');
    const total = archive.bytes.length;
    publish('acme/lidar', '1.0.0', archive, { breakOnce: true });
    const config = configOf([{ name: 'lidar', id: 'acme/lidar', version: '1.0.0' }]);

    const [first] = await sync.sync(config);
    assert.equal(first?.outcome, 'failed');
    const partialPath = join(moduleRoot, 'acme-lidar-1.0.0-linux-amd64.download');
    const partial = statSync(partialPath).size;
    assert.ok(partial > 0 && partial <= Math.floor(total / 2), `kept ${partial} of ${total} bytes`);
    assert.equal(notes.length, 1);
    assert.match(
      notes[0]?.message ?? '',
      new RegExp(`^module acme:lidar: download interrupted after ${partial} of ${total} bytes \\(.+\\); the next sync resumes it`),
    );
    assert.equal(notes[0]?.level, 'error');
    assert.equal(existsSync(join(moduleRoot, 'acme-lidar-1.0.0-linux-amd64')), false);

    const [second] = await sync.sync(config);
    assert.equal(second?.outcome, 'downloaded');
    assert.equal(second.sha256, archive.sha256);
    assert.equal(second.bytes, total);
    assert.deepEqual(
      downloads.seen.map((s) => [s.status, s.range, s.ifRange]),
      [
        [200, undefined, undefined],
        [206, `bytes=${partial}-`, `"${archive.sha256}"`],
      ],
    );
    const dir = join(moduleRoot, 'acme-lidar-1.0.0-linux-amd64');
    assert.equal(readFileSync(join(dir, COMPLETE_MARKER), 'utf8').trim(), archive.sha256);
    assert.equal(readFileSync(join(dir, 'bin/run.sh'), 'utf8'), '#!/bin/sh\necho 1.0.0\n');
    assert.equal(existsSync(partialPath), false);
  });

  it('starts over from byte 0 when the server answers a range with another ETag', async (t) => {
    const { moduleRoot, downloads, sync, publish } = await setup(t);
    const archive = await runnable('1.0.0');
    publish('acme/lidar', '1.0.0', archive, { sloppy: true });
    // A partial download of bytes that are not this archive's.
    await mkdir(moduleRoot, { recursive: true });
    await writeFile(join(moduleRoot, 'acme-lidar-1.0.0-linux-amd64.download'), randomBytes(1000));

    const [result] = await sync.sync(configOf([{ name: 'lidar', id: 'acme/lidar', version: '1.0.0' }]));
    assert.equal(result?.outcome, 'downloaded');
    assert.equal(result.sha256, archive.sha256);
    assert.deepEqual(
      downloads.seen.map((s) => [s.status, s.range]),
      [
        [206, 'bytes=1000-'],
        [200, undefined],
      ],
    );
  });

  it('downloads the other packages when one fails, and says what failed', async (t) => {
    const { notes, sync, publish } = await setup(t);
    const archive = await runnable('2.0.0');
    publish('acme/radar', '2.0.0', archive);

    const results = await sync.sync(
      configOf([
        { name: 'ghost', id: 'acme/ghost', version: '9.9.9' },
        { name: 'radar', id: 'acme/radar', version: '2.0.0' },
      ]),
    );
    assert.deepEqual(
      results.map((r) => [r.name, r.outcome]),
      [
        ['acme_ghost', 'failed'],
        ['acme_radar', 'downloaded'],
      ],
    );
    assert.deepEqual(messages(notes), [
      'error module acme:ghost: the server has no package acme/ghost 9.9.9 for linux/amd64 (no package acme/ghost 9.9.9 for linux/amd64); ' +
        'check that this version was uploaded for linux/amd64',
      `info module acme:radar 2.0.0 (linux/amd64) downloaded, ${archive.bytes.length} bytes, sha256 ${archive.sha256.slice(0, 12)}…`,
    ]);
  });

  it('says which modules the server could not resolve', async (t) => {
    const { notes, sync, registry } = await setup(t);
    const results = await sync.sync(
      configOf([], [{ name: 'broken', moduleId: 'acme:broken', error: 'no version of acme:broken matches "^2.0.0" for linux/amd64' }]),
    );
    assert.deepEqual(results, [
      {
        name: 'broken',
        package: '',
        version: '',
        platform: PLATFORM,
        outcome: 'unresolved',
        error: 'no version of acme:broken matches "^2.0.0" for linux/amd64',
        modules: [],
      },
    ]);
    assert.deepEqual(messages(notes), [
      'warn module acme:broken: not downloaded: no version of acme:broken matches "^2.0.0" for linux/amd64',
    ]);
    assert.deepEqual(registry.asked, []);
  });

  it('warns when the entrypoint is not executable or not in the package', async (t) => {
    const { notes, sync, publish } = await setup(t);
    const plain = await tarball({ 'bin/run.sh': { content: '#!/bin/sh\n', mode: 0o644 } });
    publish('acme/plain', '1.0.0', plain);
    publish('acme/elsewhere', '1.0.0', await runnable('1.0.0'));

    await sync.sync(
      configOf([
        { name: 'plain', id: 'acme/plain', version: '1.0.0' },
        { name: 'elsewhere', id: 'acme/elsewhere', version: '1.0.0', entrypoint: 'bin/missing' },
      ]),
    );
    assert.deepEqual(
      messages(notes).filter((m) => m.startsWith('warn')),
      [
        'warn module acme:plain: entrypoint bin/run.sh is not executable; run chmod +x on it, then pack and upload the module again',
        `warn module acme:elsewhere: entrypoint bin/missing is not in the package; check "entrypoint" in the module's meta.json and upload it again`,
      ],
    );
  });

  it('downloads a package once when syncs overlap', async (t) => {
    const { downloads, sync, publish } = await setup(t);
    publish('acme/lidar', '1.0.0', await runnable('1.0.0'));
    const config = configOf([{ name: 'lidar', id: 'acme/lidar', version: '1.0.0' }]);

    const [a, b] = await Promise.all([sync.sync(config), sync.sync(config)]);
    assert.deepEqual([a[0]?.outcome, b[0]?.outcome], ['downloaded', 'cached']);
    assert.equal(downloads.seen.length, 1);
  });

  it('spells the platform as the registry does', () => {
    assert.equal(registryPlatform('linux', 'x64'), 'linux/amd64');
    assert.equal(registryPlatform('linux', 'arm64'), 'linux/arm64');
    assert.equal(registryPlatform('linux', 'arm'), 'linux/arm32v7');
    assert.equal(registryPlatform('darwin', 'arm64'), 'darwin/arm64');
  });
});
