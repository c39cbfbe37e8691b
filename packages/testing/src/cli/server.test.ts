/** `hangar server`: the real binary, as an operator starts it. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawnServer } from '../server-process.js';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI_PATH, runCli, tempHome } from '../cli.js';
import { flagArgs, freshDatabase } from '../databases.js';
import { engineSkip, testEngines } from '../engines.js';

for (const engine of testEngines()) {
  const skip = await engineSkip(engine);
  describe(`hangar server [${engine}]`, { skip }, () => {
    const running: ChildProcessWithoutNullStreams[] = [];
    after(() => {
      for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
    });

    it('starts on an empty database, writes initial-admin.json (0600), serves a CLI login, and exits 0 on SIGTERM', async (t) => {
      const db = await freshDatabase(engine);
      t.after(() => db.drop());
      const dataDir = join(db.dataDir, 'data');
      const server = await spawnServer([
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--data-dir',
        dataDir,
        '--database-url',
        db.url,
        '--admin-email',
        'ops@example.com',
        ...flagArgs(db.serverFlags),
      ]);
      running.push(server.child);
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(server.url, 'http://127.0.0.1:0');

      const file = join(dataDir, 'initial-admin.json');
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      const admin = JSON.parse(await readFile(file, 'utf8')) as {
        email: string;
        password: string;
        organizationId: string;
        apiKeyId: string;
        apiKey: string;
      };
      assert.equal(admin.email, 'ops@example.com');
      // The banner on stdout shows the same credentials, once.
      assert.ok(server.stdout().includes(`password:        ${admin.password}`), server.stdout());

      const home = await tempHome();
      const login = await runCli(['login', '--email', admin.email, '--password-stdin'], {
        home,
        server: server.url,
        stdin: admin.password,
      });
      assert.equal(login.code, 0, login.stderr);
      const orgs = await runCli(['organizations', 'list', '--json'], { home, server: server.url });
      assert.deepEqual(
        orgs.json<{ id: string; name: string }[]>().map((o) => [o.id, o.name]),
        [[admin.organizationId, 'Default organization']],
      );

      server.child.kill('SIGTERM');
      assert.deepEqual(await server.exited, { code: 0, signal: null });
    });
  });
}

describe('hangar process', () => {
  it('refuses a bad flag value with exit 2, naming the flag and what it accepts', async () => {
    const home = await tempHome();
    const r = await runCli(['server', '--port', 'eighty', '--data-dir', join(home, 'data'), '--log-level', 'loud'], { home });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--port \/ HANGAR_PORT: expected a port number 0–65535, got "eighty"/);
    assert.match(r.stderr, /--log-level \/ HANGAR_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"/);
  });

  it('exits 130 when interrupted', async () => {
    const home = await tempHome();
    // --password-stdin waits for stdin to end; --debug says when it has started waiting.
    const child = spawn(process.execPath, [CLI_PATH, 'login', '--email', 'a@example.com', '--password-stdin', '--debug'], {
      env: { PATH: process.env.PATH ?? '', HANGAR_HOME: home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let stderr = '';
    await new Promise<void>((resolve) =>
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        if (stderr.includes('reading the password from stdin')) resolve();
      }),
    );
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.match(stderr, /interrupted\n$/);
  });
});
