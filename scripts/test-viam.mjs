#!/usr/bin/env node
// `npm run test:viam`: Viam's own programs against Hangar — the official `viam` CLI and viam-server, built
// from go.viam.com/rdk at RDK_VERSION with the Go module proxy and cached in .cache/viam/<version>/bin.
// Not part of `npm test`. Without Go or the proxy it says so loudly and skips (HANGAR_REQUIRE_VIAM=1 turns
// a skip into a failure). viam-server needs cgo libraries: apt-get install libnlopt-dev libx264-dev.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RDK_VERSION = process.env.HANGAR_RDK_VERSION ?? 'v0.100.0';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.cache', 'viam', RDK_VERSION);
const bin = join(cache, 'bin');

function skip(reason) {
  process.stderr.write(`\n!!! SKIPPING the Viam compatibility suite: ${reason} !!!\n\n`);
  process.exit(process.env.HANGAR_REQUIRE_VIAM === '1' ? 1 : 0);
}

function go(args, what) {
  process.stderr.write(`test:viam: ${what} …\n`);
  // `go install pkg@version` asks the proxy for the module's version list, which the proxy here refuses;
  // a module that requires the exact version builds the same programs without that question.
  const r = spawnSync('go', args, { cwd: cache, stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, GOFLAGS: '-mod=mod' } });
  return { ok: r.status === 0, stderr: r.stderr?.toString() ?? '' };
}

try {
  execFileSync('go', ['version'], { stdio: 'ignore' });
} catch {
  skip('Go is not installed (https://go.dev/doc/install)');
}

mkdirSync(bin, { recursive: true });
const programs = { viam: 'go.viam.com/rdk/cli/viam', 'viam-server': 'go.viam.com/rdk/web/cmd/server' };
if (!existsSync(join(cache, 'go.mod'))) {
  writeFileSync(join(cache, 'go.mod'), `module hangar.local/viamtools\n\ngo 1.23\n\nrequire go.viam.com/rdk ${RDK_VERSION}\n`);
  writeFileSync(
    join(cache, 'tools.go'),
    `//go:build tools\n\npackage tools\n\nimport (\n${Object.values(programs)
      .map((p) => `\t_ "${p}"\n`)
      .join('')})\n`,
  );
}
if (!Object.keys(programs).every((name) => existsSync(join(bin, name)))) {
  const tidy = go(['mod', 'tidy'], `resolving go.viam.com/rdk ${RDK_VERSION} (first run: a few minutes)`);
  if (!tidy.ok) skip(`the Go module proxy did not serve go.viam.com/rdk ${RDK_VERSION} and its dependencies:\n${tidy.stderr.slice(-2000)}`);
}
const built = {};
for (const [name, pkg] of Object.entries(programs)) {
  const target = join(bin, name);
  if (!existsSync(target)) {
    const b = go(['build', '-o', target, pkg], `building ${name} (first run: several minutes)`);
    if (!b.ok) {
      process.stderr.write(`\n!!! ${name} did not build: ${b.stderr.slice(-1500)}\n`);
      if (/pkg-config/.test(b.stderr)) process.stderr.write('!!! install its C libraries: apt-get install libnlopt-dev libx264-dev\n');
      continue;
    }
  }
  built[name] = target;
}
if (built.viam === undefined && built['viam-server'] === undefined) skip('neither the viam CLI nor viam-server could be built');

const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const dist = join(root, 'packages', 'testing', 'dist', 'viam');
const files = readdirSync(dist)
  .filter((f) => f.endsWith('.viam.js'))
  .map((f) => join(dist, f));
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    ...(built.viam !== undefined && { HANGAR_VIAM_CLI: built.viam }),
    ...(built['viam-server'] !== undefined && { HANGAR_VIAM_SERVER: built['viam-server'] }),
  },
});
process.exit(run.status ?? 1);
