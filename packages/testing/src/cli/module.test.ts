/**
 * The seed CLI's module workflow end to end: `module create` writes meta.json, `update` pushes it,
 * `upload` validates (each failure its own message, nothing uploaded) and uploads, `versions`, `list` and
 * `download` read it back, and `hangar agent` downloads the version its config names. Then `board`.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { startAgent, waitFor } from '../agent-process.js';
import { newMachine } from '../fleet.js';
import { seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { assertError, loginWithKey, unique } from './helpers.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hangar-module-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Meta {
  module_id: string;
  visibility: string;
  url: string;
  description: string;
  models: { api: string; model: string }[];
  entrypoint: string;
}

await describeEngines('hangar module and board', (server) => {
  it('runs the module workflow from create to the agent downloading the version its config names', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Modules'));
    const cli = await loginWithKey(s, a.ownerKey);
    const work = await mkdtemp(join(dir, 'work-'));
    const metaPath = join(work, 'meta.json');

    const created = await cli(['module', 'create', '--name', 'my-module', '--org-id', a.org.id, '--module', metaPath, '--json']);
    assert.equal(created.code, 0, created.stderr);
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Meta;
    assert.deepEqual(Object.keys(meta), ['module_id', 'visibility', 'url', 'description', 'models', 'entrypoint']);
    assert.equal(meta.module_id, `${a.org.id}:my-module`);
    assert.equal(meta.visibility, 'private');
    assertError(
      await cli(['module', 'create', '--name', 'my-module', '--org-id', a.org.id, '--module', join(work, 'other.json')]),
      1,
      /already/,
    );
    assertError(await cli(['module', 'create', '--name', 'x']), 2, /organization/, /--org-id/);

    await writeFile(
      metaPath,
      JSON.stringify({
        ...meta,
        description: 'Moves things',
        models: [{ api: 'rdk:component:generic', model: 'acme:demo:mover' }],
        entrypoint: 'bin/run.sh',
      }),
    );
    const updated = await cli(['module', 'update', '--module', metaPath]);
    assert.equal(updated.code, 0, updated.stderr);
    assert.equal((await a.owner.getModule(meta.module_id)).description, 'Moves things');

    // The module: a directory the CLI packs.
    const src = join(work, 'src');
    await mkdir(join(src, 'bin'), { recursive: true });
    await writeFile(join(src, 'bin', 'run.sh'), '#!/bin/sh\necho moving\n');
    await chmod(join(src, 'bin', 'run.sh'), 0o755);
    await writeFile(join(src, 'README'), 'hello');
    const upload = (args: string[]) => cli(['module', 'upload', '--module', metaPath, ...args]);

    // Every local validation, each with its own message, and nothing uploaded.
    assertError(await upload(['--version', '1.0.0', '--platform', 'linux/amd64', join(work, 'missing')]), 1, /does not exist/);
    await writeFile(join(work, 'module.zip'), 'zip');
    assertError(await upload(['--version', '1.0.0', '--platform', 'linux/amd64', join(work, 'module.zip')]), 1, /\.tar\.gz/);
    assertError(await upload(['--version', 'one', '--platform', 'linux/amd64', src]), 2, /semver/);
    assertError(await upload(['--version', '1.0.0', '--platform', 'windows/amd64', src]), 2, /platform/);
    await chmod(join(src, 'bin', 'run.sh'), 0o644);
    assertError(await upload(['--version', '1.0.0', '--platform', 'linux/amd64', src]), 1, /not executable/);
    await chmod(join(src, 'bin', 'run.sh'), 0o755);
    const noEntry = join(work, 'empty-src');
    await mkdir(noEntry);
    await writeFile(join(noEntry, 'other'), 'x');
    assertError(await upload(['--version', '1.0.0', '--platform', 'linux/amd64', noEntry]), 1, /entrypoint "bin\/run.sh".* is not in/);
    await writeFile(metaPath, JSON.stringify({ ...JSON.parse(await readFile(metaPath, 'utf8')), visibility: 'public' }));
    assertError(await upload(['--version', '1.0.0', '--platform', 'linux/amd64', src]), 1, /--public-namespace/);
    await writeFile(metaPath, JSON.stringify({ ...JSON.parse(await readFile(metaPath, 'utf8')), visibility: 'private' }));
    assert.equal((await a.owner.getModule(meta.module_id)).versions.length, 0, 'no refused upload left a version');

    const ok = await upload(['--version', '1.0.0', '--platform', 'linux/amd64', src, '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    const uploaded = ok.json<{ module_id: string; version: string; platform: string; size: number; sha256: string; packed: boolean }>();
    assert.equal(uploaded.packed, true);
    assert.match(uploaded.sha256, /^[0-9a-f]{64}$/);
    assertError(await upload(['--version', '1.0.0', '--platform', 'linux/amd64', src]), 1, /already has version 1\.0\.0 for linux\/amd64/);
    assert.equal((await upload(['--version', '1.1.0', '--platform', 'linux/amd64', src])).code, 0);

    const versions = await cli(['module', 'versions', '--module', metaPath, '--json']);
    assert.deepEqual(
      versions.json<{ version: string; platforms: string[] }[]>().map((v) => [v.version, v.platforms]),
      [
        ['1.0.0', ['linux/amd64']],
        ['1.1.0', ['linux/amd64']],
      ],
    );
    const listed = await cli(['module', 'list', '--org-id', a.org.id, '--json']);
    assert.deepEqual(
      listed.json<{ module_id: string }[]>().map((m) => m.module_id),
      [meta.module_id],
    );
    const dest = join(work, 'downloaded');
    const down = await cli([
      'module',
      'download',
      '--id',
      meta.module_id,
      '--version',
      '1.0.0',
      '--platform',
      'linux/amd64',
      '--destination',
      dest,
      '--json',
    ]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(down.json<{ sha256: string }>().sha256, uploaded.sha256);
    assert.equal(await readFile(join(dest, 'bin', 'run.sh'), 'utf8'), '#!/bin/sh\necho moving\n');
    assert.ok(((await stat(join(dest, 'bin', 'run.sh'))).mode & 0o111) !== 0, 'the entrypoint stays executable');

    // A machine whose config names the module with a range gets the newest matching version.
    const { mainPart } = await newMachine(a.owner, a.location.id, 'module-bot');
    const part = await a.owner.getRobotPart(mainPart.id);
    await a.owner.updateRobotPart(part.id, part.name, {
      modules: [{ type: 'registry', name: 'mover', module_id: meta.module_id, version: '^1' }],
    });
    const configPath = join(work, 'viam.json');
    assert.equal((await cli(['robots', 'part', 'setup', '--part-id', part.id, '--output', configPath])).code, 0);
    const dataDir = join(work, 'agent-data');
    const agent = startAgent(configPath, dataDir);
    try {
      const moduleDir = await waitFor('the agent to unpack the module', async () => {
        const names = await readdir(join(dataDir, 'packages', 'data', 'module')).catch(() => [] as string[]);
        const found = names.find((n) => n.includes('1.1.0') && !n.includes('.tmp') && !n.endsWith('.download'));
        return found === undefined ? undefined : join(dataDir, 'packages', 'data', 'module', found);
      });
      assert.equal(await readFile(join(moduleDir, 'bin', 'run.sh'), 'utf8'), '#!/bin/sh\necho moving\n');
      await waitFor('the download in the agent log', () =>
        Promise.resolve(/module .*1\.1\.0.* downloaded/.test(agent.stderr()) ? true : undefined),
      );
    } finally {
      await agent.stop();
    }
  });

  it('uploads, lists and downloads board definitions, latest by default', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Boards'));
    const cli = await loginWithKey(s, a.ownerKey);
    const work = await mkdtemp(join(dir, 'boards-'));
    const file = join(work, 'my-board.json');
    await writeFile(file, JSON.stringify({ gpio: [{ name: '7', line: 7 }] }));
    const up = await cli(['board', 'upload', '--name', 'my-board', '--organization', a.org.name, '--version', '1.0.0', file]);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(up.stdout.trim(), 'Board definitions file was successfully uploaded!');
    await writeFile(file, JSON.stringify({ gpio: [{ name: '8', line: 8 }] }));
    assert.equal((await cli(['board', 'upload', '--name', 'my-board', '--organization', a.org.id, '--version', '1.1.0', file])).code, 0);
    assertError(
      await cli(['board', 'upload', '--name', 'my-board', '--organization', a.org.id, '--version', '1.1.0', file]),
      1,
      /already has version 1\.1\.0/,
    );
    await writeFile(join(work, 'bad.json'), '{ nope');
    assertError(
      await cli(['board', 'upload', '--name', 'my-board', '--organization', a.org.id, '--version', '2.0.0', join(work, 'bad.json')]),
      1,
      /not a valid board definitions file/,
    );
    assertError(await cli(['board', 'upload', '--name', 'my-board', '--organization', a.org.id, '--version', 'v2', file]), 2, /semver/);

    const list = await cli(['board', 'list', '--organization', a.org.id, '--json']);
    assert.deepEqual(
      list.json<{ name: string; version: string; size: number }[]>().map((r) => [r.name, r.version]),
      [
        ['my-board', '1.1.0'],
        ['my-board', '1.0.0'],
      ],
    );
    const out = join(work, 'out');
    await mkdir(out);
    const latest = await cli(['board', 'download', '--name', 'my-board', '--organization', a.org.id, '--destination', out, '--json']);
    assert.equal(latest.code, 0, latest.stderr);
    assert.equal(latest.json<{ version: string }>().version, '1.1.0');
    assert.deepEqual(JSON.parse(await readFile(join(out, 'my-board.json'), 'utf8')), { gpio: [{ name: '8', line: 8 }] });
    const first = await cli([
      'board',
      'download',
      '--name',
      'my-board',
      '--organization',
      a.org.id,
      '--version',
      '1.0.0',
      '--destination',
      out,
    ]);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(await readFile(join(out, 'my-board.json'), 'utf8')), { gpio: [{ name: '7', line: 7 }] });
    // Another organization sees none of it.
    const b = await seedOrg(s, unique('Other'));
    const other = await loginWithKey(s, b.ownerKey);
    assert.notEqual((await other(['board', 'list', '--organization', a.org.id])).code, 0);
  });
});
