/** Shared by the CLI test files: a HANGAR_HOME signed in to the test server, and a runner bound to it. */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI_PATH, runCli, tempHome, type CliOptions, type CliResult } from '../cli.js';
import type { Credentials } from '@hangar/sdk';
import { openStore } from '@hangar/store';
import type { ApiKeyCredentials } from '../seed.js';
import type { TestServer } from '../server.js';

export type Cli = ((args: readonly string[], options?: Partial<CliOptions>) => Promise<CliResult>) & { readonly home: string };

/** A runner for `home`, talking to `server` through HANGAR_URL. */
export function cliFor(server: TestServer, home: string): Cli {
  const run = (args: readonly string[], options: Partial<CliOptions> = {}) => runCli(args, { home, server: server.url, ...options });
  return Object.assign(run, { home });
}

/**
 * A fresh home signed in with an API key. The session is written as `hangar login api-key` writes it,
 * from a token the SDK obtained, to save a process per test; session.test.ts covers the login command.
 */
export async function loginWithKey(server: TestServer, key: ApiKeyCredentials): Promise<Cli> {
  return signedIn(server, { type: 'api-key', keyId: key.id, key: key.key }, { type: 'api-key', keyId: key.id });
}

/** A fresh home signed in through `hangar login api-key`, as a user would. */
export async function cliLoginWithKey(server: TestServer, key: ApiKeyCredentials): Promise<Cli> {
  const cli = cliFor(server, await tempHome());
  const r = await cli(['login', 'api-key', '--key-id', key.id, '--key', key.key]);
  assert.equal(r.code, 0, `hangar login api-key failed:\n${r.stderr}`);
  return cli;
}

/** A fresh home signed in as the bootstrap administrator (a user, owner of the default organization). */
export async function loginAsAdmin(server: TestServer): Promise<Cli> {
  const { email, password } = server.admin;
  return signedIn(server, { type: 'password', email, password }, { type: 'password', email });
}

async function signedIn(
  server: TestServer,
  credentials: Credentials,
  identity: { type: string; email?: string; keyId?: string },
): Promise<Cli> {
  const home = await tempHome();
  const client = await server.connect(credentials);
  const accessToken = client.accessToken;
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp: number };
  const now = new Date().toISOString();
  await writeConfig(home, {
    version: 1,
    server: server.url,
    session: { ...identity, server: server.url, accessToken, expiresAt: new Date(claims.exp * 1000).toISOString(), loggedInAt: now },
  });
  return cliFor(server, home);
}

export interface StoredConfigFile {
  version: number;
  server?: string;
  session?: { type: string; email?: string; keyId?: string; server: string; accessToken: string; expiresAt: string; loggedInAt: string };
}

export function configPath(home: string): string {
  return join(home, 'config.json');
}

export async function readConfig(home: string): Promise<StoredConfigFile> {
  return JSON.parse(await readFile(configPath(home), 'utf8')) as StoredConfigFile;
}

export async function writeConfig(home: string, config: StoredConfigFile): Promise<void> {
  await writeFile(configPath(home), JSON.stringify(config), { mode: 0o600 });
}

/** Asserts the two-line error shape: `error: …` then `hint: …`, nothing on stdout. */
export function assertError(r: CliResult, code: number, message: string | RegExp, hint?: string | RegExp): void {
  assert.equal(r.code, code, `expected exit ${code}, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.equal(r.stdout, '', 'errors print nothing on stdout');
  const lines = r.stderr.trimEnd().split('\n');
  const error = lines.find((l) => l.startsWith('error: '));
  assert.ok(error !== undefined, `no "error:" line in ${JSON.stringify(r.stderr)}`);
  if (typeof message === 'string')
    assert.ok(error.includes(message), `expected ${JSON.stringify(error)} to include ${JSON.stringify(message)}`);
  else assert.match(error, message);
  const hintLine = lines[lines.indexOf(error) + 1] ?? '';
  assert.ok(hintLine.startsWith('hint: '), `expected a "hint:" line after the error, got ${JSON.stringify(r.stderr)}`);
  if (typeof hint === 'string')
    assert.ok(hintLine.includes(hint), `expected ${JSON.stringify(hintLine)} to include ${JSON.stringify(hint)}`);
  else if (hint !== undefined) assert.match(hintLine, hint);
}

/** The `{ "error": … }` object a --json run prints on stderr. */
export function jsonError(r: CliResult): { code: string; message: string; hint?: string } {
  const parsed = JSON.parse(r.stderr) as { error: { code: string; message: string; hint?: string } };
  return parsed.error;
}

export const CLI_VERSION = (JSON.parse(readFileSync(join(CLI_PATH, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

/**
 * Records that a part talked to the server at `at` (nothing in the public API does yet: parts check in
 * through the machine-facing service), so online / offline status can be tested.
 */
export async function setPartLastAccess(server: TestServer, partId: string, at: Date): Promise<string> {
  const iso = at.toISOString();
  const store = openStore({ url: server.db.url, poolSize: 1 });
  try {
    await store.db.updateTable('robot_parts').set({ last_access: iso }).where('id', '=', partId).execute();
  } finally {
    await store.close();
  }
  return iso;
}

/** The CLI's table layout: columns two spaces apart, padded to the widest cell, the last not padded; one trailing newline. */
export function textTable(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** A name no other test in the file uses. */
let counter = 0;
export function unique(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}${++counter}`;
}

/** util-linux `script` gives the CLI a pseudo-terminal, so its prompts and TTY output can be tested. */
export const HAS_SCRIPT = (() => {
  try {
    return execFileSync('script', ['--version'], { encoding: 'utf8' }).includes('util-linux');
  } catch {
    return false;
  }
})();

export const NO_TERMINAL_SKIP = HAS_SCRIPT ? false : 'SKIPPED: util-linux "script" is not installed, so no pseudo-terminal can be made';

export interface TerminalRun {
  readonly code: number | null;
  /** Everything the terminal showed (stdout and stderr together), with \r\n turned into \n. */
  readonly screen: string;
}

/**
 * Runs the CLI on a pseudo-terminal, typing each answer once its prompt appears. Answers are sent only
 * after their prompt, as a person would type them.
 */
export function runInTerminal(
  args: readonly string[],
  options: { home: string; server: string; answers?: readonly (readonly [string, string])[] },
): Promise<TerminalRun> {
  const command = [process.execPath, CLI_PATH, ...args].map(shellQuote).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', HANGAR_HOME: options.home, HANGAR_URL: options.server, TERM: 'dumb' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const answers = [...(options.answers ?? [])];
  let screen = '';
  let answered = 0;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    screen += d;
    const next = answers[0];
    if (next !== undefined && screen.includes(next[0], answered)) {
      answered = screen.indexOf(next[0], answered) + next[0].length;
      answers.shift();
      child.stdin.write(`${next[1]}\r`);
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not finish on the terminal within 20 s; screen so far:\n${screen}`));
    }, 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, screen: screen.replace(/\r\n/g, '\n').replace(/\r/g, '') });
    });
  });
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
