#!/usr/bin/env node
// Runs every compiled test file (packages/*/dist/**/*.test.js) with node's test runner. Node 20 cannot
// expand globs itself. Extra arguments narrow the set: `npm test -- organizations` runs files whose path
// contains "organizations".
import { spawn } from 'node:child_process';
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
// A test that hangs fails after ten minutes instead of holding CI to its limit, and a file whose tests are
// done exits even if something it started (a child process, a socket) is still open.
const child = spawn(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-reporter=spec', '--test-timeout=600000', '--test-force-exit', ...selected],
  { stdio: 'inherit' },
);
child.on('close', (code) => process.exit(code ?? 1));
