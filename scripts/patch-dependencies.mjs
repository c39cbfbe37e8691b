#!/usr/bin/env node
/**
 * Runs after every `npm install` / `npm ci` (the root package's postinstall): fixes what a dependency gets
 * wrong and its maintainers fixed only in a release we cannot take yet. Each fix replaces exact text and is
 * idempotent; if the text is not there (the dependency changed), it says so and leaves the file alone, and
 * the test that guards the fix fails.
 *
 * @connectrpc/connect-node 1.x (the line @viamrobotics/sdk builds on): every chunk of a response body is
 * read through `sentinel.race(inner.next())`, a `Promise.race` against a promise that settles only when the
 * response ends, so each chunk stays reachable from that promise until then. A long server stream (an
 * export, a live log tail) grows without bound. Fixed upstream in 2.x (connectrpc/connect-es#1547); here the
 * race keeps one reaction on the sentinel and forgets each chunk as soon as it is delivered.
 * Guarded by packages/testing/src/features/stream-memory.test.ts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MARK = '/* hangar: race without retaining (scripts/patch-dependencies.mjs) */';

const SENTINEL_PROMISE = `    const p = new Promise((resolve, reject) => {
        res = resolve;
        rej = reject;
    });
`;
const RACE_HELPER = `${SENTINEL_PROMISE}    ${MARK}
    const racing = new Set();
    p.then((v) => {
        for (const l of racing) l.resolve(v);
        racing.clear();
    }, (e) => {
        for (const l of racing) l.reject(e);
        racing.clear();
    });
    function raceSentinel(promise) {
        if (resolved || rejected) return Promise.race([promise, p]);
        return new Promise((resolve, reject) => {
            const l = { resolve, reject };
            racing.add(l);
            promise.then((v) => {
                racing.delete(l);
                resolve(v);
            }, (e) => {
                racing.delete(l);
                reject(e);
            });
        });
    }
`;
const RACE = 'const r = await Promise.race([promise, p]);';
const RACE_FIXED = 'const r = await raceSentinel(promise);';

let problems = 0;
for (const flavour of ['esm', 'cjs']) {
  const file = join(root, 'node_modules/@connectrpc/connect-node/dist', flavour, 'node-universal-client.js');
  if (!existsSync(file)) continue;
  const text = readFileSync(file, 'utf8');
  if (text.includes(MARK)) continue;
  if (text.split(SENTINEL_PROMISE).length !== 2 || text.split(RACE).length !== 2) {
    process.stderr.write(`patch-dependencies: ${file} is not the text this fix expects; left unpatched (see the script's comment)\n`);
    problems++;
    continue;
  }
  writeFileSync(file, text.replace(SENTINEL_PROMISE, RACE_HELPER).replace(RACE, RACE_FIXED));
}
// A problem must not fail the install itself (the server still runs); the guarding test reports it.
process.exitCode = 0;
if (problems > 0) process.stderr.write(`patch-dependencies: ${problems} file(s) left unpatched\n`);
