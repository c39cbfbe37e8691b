#!/usr/bin/env node
// Runs every compiled test file (packages/*/dist/**/*.test.js) with node's test runner. Node 20 cannot
// expand globs itself. Extra arguments narrow the set: `npm test -- organizations` runs files whose path
// contains "organizations".
import { spawn } from 'node:child_process';
import { clearTimeout, setTimeout } from 'node:timers';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const filters = process.argv.slice(2);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const dist = join(root, 'packages', pkg, 'dist');
  try {
    statSync(dist);
  } catch {
    continue;
  }
  walk(dist, files);
}
const selected = files.filter((f) => filters.length === 0 || filters.some((x) => relative(root, f).includes(x))).sort();
if (selected.length === 0) {
  console.error(`no test files matched${filters.length ? ` ${filters.join(', ')}` : ''}; run "npm run build" first`);
  process.exit(1);
}
// A test that hangs fails after ten minutes instead of holding CI to its limit. A file that stays alive
// after its tests (something it started still open) is caught by the watchdog: the whole run is killed and
// fails, saying so. (--test-force-exit would end such a file, but on Node 20 it can also cut off the
// reports of tests that ran, so a failure could go unseen.)
const WATCHDOG_MINUTES = Number(process.env.HANGAR_TEST_WATCHDOG_MINUTES ?? 45);
const child = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=spec', '--test-timeout=600000', ...selected], {
  stdio: 'inherit',
  detached: true,
});
const watchdog = setTimeout(() => {
  console.error(
    `\ntests still running after ${WATCHDOG_MINUTES} minutes: a test file is hung (the files above without a result); killing the run`,
  );
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  process.exit(1);
}, WATCHDOG_MINUTES * 60_000);
child.on('close', (code) => {
  clearTimeout(watchdog);
  process.exit(code ?? 1);
});
