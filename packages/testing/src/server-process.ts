/**
 * The server as its own process (`hangar server …`), for what an in-process server cannot show: exit
 * codes, signals, and a kill -9 in the middle of work.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Credentials } from '@hangar/sdk';
import { CLI_PATH } from './cli.js';
import { flagArgs, type TestDatabase } from './databases.js';

export interface ServerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `hangar server …` and waits for the "hangar listening on <url>" log line (pino JSON on stderr). */
export function spawnServer(args: readonly string[]): Promise<ServerProcess> {
  // HANGAR_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server of a benchmark.
  const nodeArgs = (process.env.HANGAR_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, CLI_PATH, 'server', ...args], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hangar server did not start within 15 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 15_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      for (const line of stderr.split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg?.startsWith('hangar listening on ') === true && entry.url !== undefined) {
          clearTimeout(timer);
          resolve({ child, url: entry.url, stdout: () => stdout, stderr: () => stderr, exited });
          return;
        }
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`hangar server exited with ${String(code)} before listening\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
}

/** `hangar server` flags for a test database on a free local port, logging at info (spawnServer waits for a line it logs). */
export function serverArgs(db: TestDatabase): string[] {
  return [
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--data-dir',
    db.dataDir,
    '--database-url',
    db.url,
    '--log-level',
    'info',
    ...flagArgs(db.serverFlags),
  ];
}

/** The API key a fresh `hangar server` wrote for its first administrator (`initial-admin.json` in its data dir). */
export async function initialAdminKey(dataDir: string): Promise<Credentials> {
  const admin = JSON.parse(await readFile(join(dataDir, 'initial-admin.json'), 'utf8')) as { apiKeyId: string; apiKey: string };
  return { type: 'api-key', keyId: admin.apiKeyId, key: admin.apiKey };
}
