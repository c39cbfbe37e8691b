import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, readFile, readdir, readlink, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { create } from 'tar';
import {
  ModuleValidationError,
  extractModuleArchive,
  prepareModuleUpload,
  readModuleMeta,
  sha256File,
  writeModuleMeta,
  type ModuleMeta,
} from './module-package.js';

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hangar-module-test-'));
  roots.push(dir);
  return dir;
}

/** A module directory: `files` maps relative paths to [content, mode]. */
async function moduleDir(files: Record<string, [string, number]>): Promise<string> {
  const dir = join(await tempDir(), 'module');
  await mkdir(dir);
  for (const [path, [content, mode]] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
    await chmod(join(dir, path), mode);
  }
  return dir;
}

async function archiveOf(dir: string, name = 'module.tar.gz'): Promise<string> {
  const archive = join(await tempDir(), name);
  await create({ gzip: true, file: archive, cwd: dir }, (await readdir(dir)).sort());
  return archive;
}

const rejectsWith = (promise: Promise<unknown>, text: string | RegExp) =>
  assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ModuleValidationError, `expected a ModuleValidationError, got ${String(err)}`);
    if (typeof text === 'string') assert.ok(err.message.includes(text), `"${err.message}" does not contain "${text}"`);
    else assert.match(err.message, text);
    return true;
  });

const RUN: [string, number] = ['#!/bin/sh\necho hi\n', 0o755];

describe('meta.json', () => {
  const meta: ModuleMeta = {
    module_id: 'acme:my-module',
    visibility: 'private',
    url: '',
    description: 'a module',
    models: [{ api: 'rdk:component:camera', model: 'acme:my-module:cam' }],
    entrypoint: 'bin/run.sh',
  };

  it('writes pretty JSON with a trailing newline and reads it back', async () => {
    const path = join(await tempDir(), 'meta.json');
    await writeModuleMeta(path, { ...meta, first_run: 'setup.sh', build: { build: 'make' } });
    assert.equal(
      await readFile(path, 'utf8'),
      `${JSON.stringify({ ...meta, first_run: 'setup.sh', build: { build: 'make' } }, null, 2)}\n`,
    );
    assert.deepEqual(await readModuleMeta(path), { ...meta, first_run: 'setup.sh', build: { build: 'make' } });
  });

  it('refuses to overwrite an existing meta.json unless asked to', async () => {
    const path = join(await tempDir(), 'meta.json');
    await writeModuleMeta(path, meta);
    await rejectsWith(
      writeModuleMeta(path, { ...meta, description: 'other' }),
      `${path} already exists: edit it and run "hangar module update"`,
    );
    assert.equal((await readModuleMeta(path)).description, 'a module');
    await writeModuleMeta(path, { ...meta, description: 'other' }, { overwrite: true });
    assert.equal((await readModuleMeta(path)).description, 'other');
  });

  it('says how to create meta.json when there is none', async () => {
    const path = join(await tempDir(), 'meta.json');
    await rejectsWith(
      readModuleMeta(path),
      `no meta.json at ${path}: run "hangar module create --name <name>" first, or pass --module <path to meta.json>`,
    );
  });

  it('reports invalid JSON with the parser message', async () => {
    const path = join(await tempDir(), 'meta.json');
    await writeFile(path, '{"module_id": ');
    await rejectsWith(readModuleMeta(path), new RegExp(`^${path} is not valid JSON \\(.*JSON.*\\): fix the syntax`));
  });

  it('names each missing or ill-typed field', async () => {
    const path = join(await tempDir(), 'meta.json');
    const cases: [Record<string, unknown>, string][] = [
      [{ module_id: undefined }, '"module_id" must be a non-empty string'],
      [{ visibility: 'secret' }, '"visibility" must be one of "private", "public", "public_unlisted", got "secret"'],
      [{ visibility: undefined }, '"visibility" must be one of "private", "public", "public_unlisted", got nothing'],
      [{ description: 3 }, '"description" must be a string'],
      [{ models: [{ api: 'x' }] }, '"models" must be a list of {"api": "...", "model": "..."} objects'],
      [{ models: 'x' }, '"models" must be a list'],
      [{ entrypoint: '' }, '"entrypoint" must be the path of the executable'],
      [{ url: 5 }, '"url" must be a string'],
    ];
    for (const [change, text] of cases) {
      await writeFile(path, JSON.stringify({ ...meta, ...change }));
      await rejectsWith(readModuleMeta(path), `${path} is not a valid meta.json: ${text}`);
    }
    await writeFile(path, '[]');
    await rejectsWith(readModuleMeta(path), 'must hold a JSON object');
  });

  it('reports every problem at once', async () => {
    const path = join(await tempDir(), 'meta.json');
    await writeFile(path, JSON.stringify({ visibility: 'private', description: '', models: [] }));
    await rejectsWith(readModuleMeta(path), /"module_id".*; "entrypoint"/);
  });
});

describe('prepareModuleUpload', () => {
  it('packs a directory into a temporary .tar.gz that extracts to the same files and modes, and cleans it up', async () => {
    const dir = await moduleDir({ 'bin/run.sh': RUN, 'meta.json': ['{}', 0o644], 'lib/data.txt': ['data', 0o600] });
    await symlink('bin/run.sh', join(dir, 'run'));
    const upload = await prepareModuleUpload({ path: dir, entrypoint: 'bin/run.sh', force: false });
    assert.equal(upload.packed, true);
    assert.match(upload.archive, /\.tar\.gz$/);
    assert.equal(upload.size, (await stat(upload.archive)).size);

    const out = join(await tempDir(), 'out');
    await extractModuleArchive(upload.archive, out);
    assert.deepEqual((await readdir(out, { recursive: true })).sort(), ['bin', 'bin/run.sh', 'lib', 'lib/data.txt', 'meta.json', 'run']);
    assert.equal(await readFile(join(out, 'bin/run.sh'), 'utf8'), RUN[0]);
    assert.equal(await readFile(join(out, 'lib/data.txt'), 'utf8'), 'data');
    assert.equal((await stat(join(out, 'bin/run.sh'))).mode & 0o777, 0o755);
    assert.equal((await stat(join(out, 'lib/data.txt'))).mode & 0o777, 0o600);
    assert.equal(await readlink(join(out, 'run')), 'bin/run.sh');

    await upload.cleanup();
    assert.equal(existsSync(upload.archive), false);
  });

  it('uploads an archive as it is, accepting .tar.gz and .tgz in any case', async () => {
    const dir = await moduleDir({ 'run.sh': RUN });
    for (const name of ['m.tar.gz', 'm.tgz', 'M.TGZ', 'M.Tar.Gz']) {
      const archive = await archiveOf(dir, name);
      const upload = await prepareModuleUpload({ path: archive, entrypoint: 'run.sh', force: false });
      assert.deepEqual({ ...upload, cleanup: undefined }, { archive, size: (await stat(archive)).size, packed: false, cleanup: undefined });
      await upload.cleanup();
      assert.ok(existsSync(archive), 'cleanup must not delete the caller’s archive');
    }
  });

  it('finds an entrypoint in a subdirectory, written with or without "./"', async () => {
    const archive = await archiveOf(await moduleDir({ 'bin/run.sh': RUN }));
    for (const entrypoint of ['bin/run.sh', './bin/run.sh', 'bin//run.sh']) {
      await prepareModuleUpload({ path: archive, entrypoint, force: false });
    }
    // An archive made with `tar czf m.tgz .` has "./" on every entry.
    const dotted = join(await tempDir(), 'dotted.tgz');
    await create({ gzip: true, file: dotted, cwd: await moduleDir({ 'bin/run.sh': RUN }) }, ['.']);
    await prepareModuleUpload({ path: dotted, entrypoint: 'bin/run.sh', force: false });
  });

  it('follows a symlinked entrypoint within the archive', async () => {
    const dir = await moduleDir({ 'bin/real.sh': RUN, 'bin/plain.sh': ['x', 0o644] });
    await symlink('real.sh', join(dir, 'bin/run'));
    await symlink('bin/run', join(dir, 'entry'));
    await symlink('plain.sh', join(dir, 'bin/plain'));
    await symlink('missing.sh', join(dir, 'bin/dangling'));
    await symlink('/bin/sh', join(dir, 'abs'));
    await symlink('loop-b', join(dir, 'loop-a'));
    await symlink('loop-a', join(dir, 'loop-b'));
    await prepareModuleUpload({ path: dir, entrypoint: 'entry', force: false });
    await rejectsWith(prepareModuleUpload({ path: dir, entrypoint: 'bin/plain', force: false }), 'is not executable');
    await rejectsWith(
      prepareModuleUpload({ path: dir, entrypoint: 'bin/dangling', force: false }),
      `entrypoint "bin/dangling" (from meta.json) is not in ${dir}: it links to "bin/missing.sh", which is not in the archive`,
    );
    await rejectsWith(prepareModuleUpload({ path: dir, entrypoint: 'abs', force: false }), 'it links to "/bin/sh", outside the archive');
    await rejectsWith(prepareModuleUpload({ path: dir, entrypoint: 'loop-a', force: false }), 'its links form a loop');
  });

  it('rejects a path that does not exist, even with --force', async () => {
    const path = join(await tempDir(), 'nope');
    for (const force of [false, true]) {
      await rejectsWith(prepareModuleUpload({ path, entrypoint: 'run.sh', force }), `module path ${path} does not exist`);
    }
  });

  it('rejects a file that is not .tar.gz/.tgz, even with --force', async () => {
    const path = join(await tempDir(), 'module.zip');
    await writeFile(path, 'zip');
    for (const force of [false, true]) {
      await rejectsWith(
        prepareModuleUpload({ path, entrypoint: 'run.sh', force }),
        `module path ${path} must be a directory or a .tar.gz/.tgz archive`,
      );
    }
  });

  it('rejects an empty directory, even with --force', async () => {
    const dir = join(await tempDir(), 'empty');
    await mkdir(dir);
    await rejectsWith(prepareModuleUpload({ path: dir, entrypoint: 'run.sh', force: true }), `module path ${dir} is an empty directory`);
  });

  it('rejects a missing entrypoint, saying what the archive holds', async () => {
    const archive = await archiveOf(await moduleDir({ 'bin/run.sh': RUN, 'meta.json': ['{}', 0o644] }));
    await rejectsWith(
      prepareModuleUpload({ path: archive, entrypoint: 'run.sh', force: false }),
      `entrypoint "run.sh" (from meta.json) is not in ${archive}: set "entrypoint" in meta.json to the executable's path inside the archive (it holds bin/run.sh, meta.json)`,
    );
  });

  it('rejects an entrypoint that is a directory', async () => {
    const archive = await archiveOf(await moduleDir({ 'bin/run.sh': RUN }));
    await rejectsWith(prepareModuleUpload({ path: archive, entrypoint: 'bin', force: false }), '"bin" is a Directory, not a file');
  });

  it('rejects an entrypoint that is not executable, in an archive and in a directory', async () => {
    const dir = await moduleDir({ 'run.sh': ['#!/bin/sh\n', 0o644] });
    const archive = await archiveOf(dir);
    await rejectsWith(
      prepareModuleUpload({ path: archive, entrypoint: 'run.sh', force: false }),
      `entrypoint "run.sh" in ${archive} is not executable: run chmod +x on it before packing`,
    );
    await rejectsWith(
      prepareModuleUpload({ path: dir, entrypoint: 'run.sh', force: false }),
      `entrypoint "run.sh" in ${dir} is not executable: run chmod +x on it before packing`,
    );
    // Any x bit will do: viam-server runs it as its owner.
    await chmod(join(dir, 'run.sh'), 0o744);
    await prepareModuleUpload({ path: dir, entrypoint: 'run.sh', force: false });
  });

  it('removes the temporary archive when a packed directory fails validation', async () => {
    const tmp = await tempDir();
    const dir = await moduleDir({ 'run.sh': RUN });
    await rejectsWith(prepareModuleUpload({ path: dir, entrypoint: 'other.sh', force: false, tmpDir: tmp }), 'is not in');
    assert.deepEqual(await readdir(tmp), []);
  });

  it('rejects an archive that is not gzip, or is corrupt, each with its own message', async () => {
    const plain = join(await tempDir(), 'plain.tar.gz');
    await create({ file: plain, cwd: await moduleDir({ 'run.sh': RUN }) }, ['run.sh']);
    await rejectsWith(
      prepareModuleUpload({ path: plain, entrypoint: 'run.sh', force: false }),
      `${plain} is not a gzip-compressed tar archive`,
    );

    const truncated = await archiveOf(await moduleDir({ 'run.sh': RUN, 'big.bin': [randomBytes(64 * 1024).toString('hex'), 0o644] }));
    await truncate(truncated, Math.floor((await stat(truncated)).size / 2));
    await rejectsWith(
      prepareModuleUpload({ path: truncated, entrypoint: 'run.sh', force: false }),
      new RegExp(`^${truncated} is not a valid \\.tar\\.gz archive \\(.+\\): pack it again$`),
    );

    const garbage = join(await tempDir(), 'garbage.tgz');
    await writeFile(garbage, Buffer.concat([Buffer.from([0x1f, 0x8b]), randomBytes(2000)]));
    await rejectsWith(
      prepareModuleUpload({ path: garbage, entrypoint: 'run.sh', force: false }),
      `${garbage} is not a valid .tar.gz archive`,
    );
  });

  it('with --force skips the entrypoint and archive checks', async () => {
    const archive = await archiveOf(await moduleDir({ 'run.sh': ['x', 0o644] }));
    assert.equal((await prepareModuleUpload({ path: archive, entrypoint: 'missing', force: true })).archive, archive);
    assert.equal((await prepareModuleUpload({ path: archive, entrypoint: 'run.sh', force: true })).archive, archive);
    const garbage = join(await tempDir(), 'garbage.tgz');
    await writeFile(garbage, 'not an archive');
    assert.equal((await prepareModuleUpload({ path: garbage, entrypoint: 'run.sh', force: true })).packed, false);
    const packed = await prepareModuleUpload({ path: await moduleDir({ 'a.txt': ['a', 0o644] }), entrypoint: 'run.sh', force: true });
    assert.equal(packed.packed, true);
    await packed.cleanup();
  });

  it('packs a 30 MB file without holding it in memory', async () => {
    const size = 30 * 1024 * 1024;
    const dir = await moduleDir({ 'run.sh': RUN });
    // Random bytes, so gzip cannot shrink it; one reused chunk, so writing it leaves no garbage behind.
    const file = await open(join(dir, 'blob.bin'), 'w');
    const chunk = Buffer.alloc(1024 * 1024);
    for (let written = 0; written < size; written += chunk.length) await file.write(randomFillSync(chunk));
    await file.close();

    // In a fresh process: here, RSS depends on what earlier tests left for the GC. The bound is twice the
    // file size because V8 leaves dead Buffers uncollected until tens of MB pile up, so even streaming grows
    // RSS by about the file size (~45 MB for pack + scan here); buffering the archive whole grows it by
    // ~75 MB, tar's default 16 MiB reads by ~72 MB.
    const script = `
      const { prepareModuleUpload } = await import(process.argv[1]);
      const before = process.memoryUsage().rss;
      const upload = await prepareModuleUpload({ path: process.argv[2], entrypoint: 'run.sh', force: false });
      process.stdout.write(JSON.stringify({ grown: process.memoryUsage().rss - before, size: upload.size }));
      await upload.cleanup();`;
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--input-type=module',
      '-e',
      script,
      new URL('module-package.js', import.meta.url).href,
      dir,
    ]);
    const { grown, size: archived } = JSON.parse(stdout) as { grown: number; size: number };
    assert.ok(archived > size, `archive of ${archived} bytes is too small`);
    assert.ok(grown < 2 * size, `RSS grew by ${(grown / 1024 / 1024).toFixed(1)} MB packing a 30 MB file`);
  });
});

describe('sha256File', () => {
  it('hashes the file contents', async () => {
    const path = join(await tempDir(), 'f');
    const content = randomBytes(100_000);
    await writeFile(path, content);
    assert.equal(await sha256File(path), createHash('sha256').update(content).digest('hex'));
  });
});

describe('extractModuleArchive', () => {
  /** An archive with a safe file first, then `path`: tar's create keeps `..` and `/` only with preservePaths. */
  async function hostileArchive(build: (work: string) => Promise<string[]>): Promise<{ archive: string; root: string }> {
    const root = await tempDir();
    const work = join(root, 'work', 'inner');
    await mkdir(work, { recursive: true });
    await writeFile(join(work, 'ok.txt'), 'ok');
    const archive = join(root, 'hostile.tar.gz');
    await create({ gzip: true, file: archive, cwd: work, preservePaths: true }, ['ok.txt', ...(await build(work))]);
    return { archive, root };
  }

  it('refuses an entry that climbs out with "..", writing nothing', async () => {
    const { archive, root } = await hostileArchive(async (work) => {
      await writeFile(join(work, '..', 'evil'), 'evil');
      return ['../evil'];
    });
    await rm(join(root, 'work', 'evil'));
    const destination = join(root, 'work', 'inner', 'dest');
    await rejectsWith(extractModuleArchive(archive, destination), `refusing to extract ${archive}: "../evil" contains ".."`);
    assert.equal(existsSync(join(root, 'work', 'inner', 'evil')), false);
    assert.equal(existsSync(join(root, 'work', 'evil')), false);
    assert.equal(existsSync(join(destination, 'ok.txt')), false, 'the safe entry before it must not be written either');
  });

  it('refuses an absolute path', async () => {
    const { archive, root } = await hostileArchive(async () => {
      const abs = join(await tempDir(), 'abs-evil');
      await writeFile(abs, 'evil');
      return [abs];
    });
    await rejectsWith(extractModuleArchive(archive, join(root, 'dest')), /is an absolute path/);
    assert.equal(existsSync(join(root, 'dest', 'ok.txt')), false);
  });

  it('refuses symlinks that point outside the destination', async () => {
    const { archive, root } = await hostileArchive(async (work) => {
      await symlink('../../outside', join(work, 'up'));
      await symlink('/etc', join(work, 'etc'));
      return ['up', 'etc'];
    });
    await rejectsWith(
      extractModuleArchive(archive, join(root, 'dest')),
      `refusing to extract ${archive}: symlink "up" points to "../../outside", outside the archive; symlink "etc" points to the absolute path "/etc"`,
    );
  });

  it('reports a corrupt archive', async () => {
    const archive = join(await tempDir(), 'bad.tar.gz');
    await writeFile(archive, Buffer.concat([Buffer.from([0x1f, 0x8b]), randomBytes(500)]));
    await rejectsWith(extractModuleArchive(archive, join(await tempDir(), 'dest')), `${archive} is not a valid .tar.gz archive`);
  });
});
