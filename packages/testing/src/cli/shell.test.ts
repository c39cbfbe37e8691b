/**
 * `hangar robots part shell` through the server to a real `hangar agent`: scripted (stdin piped, stdout and
 * stderr apart, the remote exit status as its own), as JSON, and interactive on a pseudo-terminal (the
 * shell runs on a tty, window changes reach it). Only owners get a shell; a part whose config has no
 * shell service says so.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { startAgent, waitFor } from '../agent-process.js';
import { CLI_PATH } from '../cli.js';
import { newMachine } from '../fleet.js';
import { seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { loginWithKey, unique } from './helpers.js';

interface Pty {
  onData(listener: (data: string) => void): void;
  onExit(listener: (e: { exitCode: number }) => void): void;
  write(data: string): void;
  resize(cols: number, rows: number): void;
}
const pty = createRequire(import.meta.url)('node-pty') as {
  spawn(file: string, args: string[], options: { cols: number; rows: number; env: NodeJS.ProcessEnv }): Pty;
};

await describeEngines('remote shell', (server) => {
  it('runs scripted and interactive shells on the machine for owners, with the remote exit status', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Shell'));
    const { mainPart } = await newMachine(a.owner, a.location.id, 'shell-bot');
    const cli = await loginWithKey(s, a.ownerKey);
    const dir = await mkdtemp(join(tmpdir(), 'hangar-shell-'));
    const configPath = join(dir, 'viam.json');
    assert.equal((await cli(['robots', 'part', 'setup', '--part-id', mainPart.id, '--output', configPath])).code, 0);
    const agent = startAgent(configPath, join(dir, 'data'), { env: { SHELL: '/bin/sh' } });
    const shell = (args: string[] = [], stdin = '') => cli(['robots', 'part', 'shell', '--part-id', mainPart.id, ...args], { stdin });
    try {
      // No shell service in the config yet: the CLI says what to add.
      const disabled = await waitFor('the agent to serve', async () => {
        const r = await shell([], 'echo never\n');
        return r.stderr.includes('is offline') ? undefined : r;
      });
      assert.equal(disabled.code, 1);
      assert.match(disabled.stderr, /shell service is not enabled on this machine part/);
      assert.match(disabled.stderr, /rdk:service:shell/);

      await a.owner.updateRobotPart(mainPart.id, 'shell-bot-main', { services: [{ name: 'shell', api: 'rdk:service:shell' }] });
      const scripted = await waitFor('the shell service', async () => {
        const r = await shell([], 'echo "hi from $(hostname)"\necho oops >&2\nexit 3\n');
        return r.stderr.includes('not enabled') ? undefined : r;
      });
      assert.equal(scripted.code, 3, scripted.stderr);
      assert.match(scripted.stdout, /^hi from \S+\n$/);
      assert.equal(scripted.stderr, 'oops\n');

      // Input ending without `exit` ends the shell too.
      const json = await shell(['--json'], 'printf "%s" "$((6 * 7))"\n');
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(json.json(), { partId: mainPart.id, exitStatus: 0, stdout: '42', stderr: '' });

      // Interactive: the CLI on a terminal, the shell on one at the other end, resized as the window is.
      const term = pty.spawn(process.execPath, [CLI_PATH, 'robots', 'part', 'shell', '--part-id', mainPart.id], {
        cols: 90,
        rows: 30,
        env: { PATH: process.env.PATH ?? '', HANGAR_HOME: cli.home },
      });
      let screen = '';
      term.onData((d) => (screen += d));
      const exitCode = new Promise<number>((r) => term.onExit((e) => r(e.exitCode)));
      const sees = (pattern: RegExp) => waitFor(`${pattern} on the terminal`, () => Promise.resolve(pattern.test(screen) || undefined));
      term.write('tty; stty size\r');
      await sees(/\/dev\/pts\/\d+/);
      await sees(/30 90/);
      term.resize(120, 40);
      await new Promise((r) => setTimeout(r, 300));
      term.write('stty size; exit 5\r');
      await sees(/40 120/);
      assert.equal(await exitCode, 5, screen);

      // Ctrl-C on the caller's side ends the remote shell and what it runs.
      const caller = spawn(process.execPath, [CLI_PATH, 'robots', 'part', 'shell', '--part-id', mainPart.id], {
        env: { PATH: process.env.PATH ?? '', HANGAR_HOME: cli.home },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let said = '';
      caller.stdout.on('data', (d: Buffer) => (said += d.toString()));
      const callerExit = new Promise<number | null>((r) => caller.once('exit', (code) => r(code)));
      caller.stdin.write('echo started; sleep 4242\n');
      await waitFor('the remote command to start', () => Promise.resolve(said.includes('started') || undefined));
      caller.kill('SIGINT');
      assert.equal(await callerExit, 130);
      await waitFor('the agent to end the shell', () =>
        Promise.resolve(agent.stderr().includes('shell closed with status 129') || undefined),
      );
      const left = spawnSync('pgrep', ['-f', 'sleep 4242'], { encoding: 'utf8' });
      assert.equal(left.stdout.trim(), '', 'the remote command was ended with its shell');
      caller.stdin.destroy();

      // Operators may run calls on the machine but get no shell.
      const operator = await loginWithKey(s, a.operatorKey);
      const refused = await operator(['robots', 'part', 'shell', '--part-id', mainPart.id], { stdin: 'echo never\n' });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /may not change machines of machine part/);
      assert.match(refused.stderr, /hint: ask an owner/);
      assert.doesNotMatch(refused.stdout, /never/);
    } finally {
      await agent.stop();
    }
  });
});
