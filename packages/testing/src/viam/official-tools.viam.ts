/**
 * Viam's own programs against Hangar (`npm run test:viam`, which builds them): the official `viam` CLI with
 * `--base-url`, and a real viam-server with the cloud file `hangar robots part setup` writes. Each test is
 * skipped, and says so, when its program was not built.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { waitFor } from '../agent-process.js';
import { loginWithKey, unique } from '../cli/helpers.js';
import { newMachine } from '../fleet.js';
import { seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';

const VIAM_CLI = process.env.HANGAR_VIAM_CLI;
const VIAM_SERVER = process.env.HANGAR_VIAM_SERVER;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

await describeEngines('Viam’s own programs', (server) => {
  it(
    'the official viam CLI signs in with an API key and lists organizations, locations, machines, status and logs',
    { skip: VIAM_CLI === undefined && 'the viam CLI was not built' },
    async () => {
      const s = server();
      const a = await seedOrg(s, unique('Official'));
      const { robotId, mainPart } = await newMachine(a.owner, a.location.id, 'official-bot');
      const partSecret = (await a.owner.getRobotPart(mainPart.id)).secret;
      const { MachineClient } = await import('@hangar/sdk');
      const machine = await MachineClient.connect({
        url: s.url,
        credentials: { type: 'robot-secret', partId: mainPart.id, secret: partSecret },
      });
      await machine.log(mainPart.id, [
        {
          level: 'info',
          loggerName: 'rdk',
          message: 'hello from the machine',
          time: { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 },
        },
      ]);
      const home = await mkdtemp(join(tmpdir(), 'hangar-viam-cli-'));
      // Asynchronously: the server under test runs in this process and must keep answering.
      const viam = (...args: string[]) =>
        new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
          const child = spawn(VIAM_CLI ?? 'viam', ['--base-url', s.url, ...args], { env: { PATH: process.env.PATH ?? '', HOME: home } });
          let out = '';
          let err = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (err += d.toString()));
          const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
          child.once('close', (code) => {
            clearTimeout(timer);
            resolve({ code, out, err });
          });
        });
      const login = await viam('login', 'api-key', '--key-id', a.ownerKey.id, '--key', a.ownerKey.key);
      assert.equal(login.code, 0, login.err);
      assert.match(login.out + login.err, /Successfully logged in/);
      const orgs = await viam('organizations', 'list');
      assert.equal(orgs.code, 0, orgs.err);
      assert.match(orgs.out, new RegExp(`${a.org.name} \\(id: ${a.org.id}\\)`));
      const locations = await viam('locations', 'list', '--organization', a.org.id);
      assert.equal(locations.code, 0, locations.err);
      assert.match(locations.out, new RegExp(`${a.location.name} \\(id: ${a.location.id}\\)`));
      const scope = ['--organization', a.org.id, '--location', a.location.id];
      const robots = await viam('robots', 'list', ...scope);
      assert.equal(robots.code, 0, robots.err);
      assert.match(robots.out, new RegExp(`official-bot \\(id: ${robotId}\\) \\(main part id: ${mainPart.id}\\)`));
      const status = await viam('robots', 'status', ...scope, '--robot', robotId);
      assert.equal(status.code, 0, status.err);
      assert.match(status.out, new RegExp(`ID: ${mainPart.id}`));
      const logs = await viam('robots', 'part', 'logs', ...scope, '--robot', robotId, '--part', mainPart.id);
      assert.equal(logs.code, 0, logs.err);
      assert.match(logs.out, /hello from the machine/);
      const restart = await viam('robots', 'part', 'restart', ...scope, '--robot', robotId, '--part', mainPart.id);
      assert.equal(restart.code, 0, restart.err);
      assert.equal((await a.owner.getRobotPart(mainPart.id)).restartPending, true);
    },
  );

  it(
    'a real viam-server fetches its config, shows online, ships its logs and restarts when told',
    { skip: VIAM_SERVER === undefined && 'viam-server was not built' },
    async () => {
      const s = server();
      const a = await seedOrg(s, unique('ViamServer'));
      const { mainPart } = await newMachine(a.owner, a.location.id, 'real-bot');
      const port = await freePort();
      await a.owner.updateRobotPart(mainPart.id, 'real-bot-main', {
        components: [{ name: 'wheel', api: 'rdk:component:motor', model: 'rdk:builtin:fake' }],
        network: { bind_address: `127.0.0.1:${port}` },
      });
      const cli = await loginWithKey(s, a.ownerKey);
      const dir = await mkdtemp(join(tmpdir(), 'hangar-viam-server-'));
      const configPath = join(dir, 'viam.json');
      assert.equal((await cli(['robots', 'part', 'setup', '--part-id', mainPart.id, '--output', configPath])).code, 0);
      const child = spawn(VIAM_SERVER ?? 'viam-server', ['-config', configPath], {
        env: { PATH: process.env.PATH ?? '', HOME: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      try {
        const online = await waitFor(
          'the part online',
          async () => {
            const r = await cli(['robots', 'part', 'status', '--part-id', mainPart.id, '--json']);
            const part = r.json<{ part: { status: string } }>().part;
            return part.status === 'online' ? part : undefined;
          },
          60_000,
        );
        assert.equal(online.status, 'online');
        await waitFor(
          'viam-server to configure the motor from Hangar’s config',
          () => Promise.resolve(output.includes('rdk:component:motor/wheel') || undefined),
          60_000,
        );
        const shipped = await waitFor(
          'viam-server’s logs',
          async () => {
            const logs = await a.owner.getRobotPartLogs(mainPart.id, { numLogEntries: 200 });
            return logs.some((l) => l.loggerName.startsWith('rdk')) ? logs : undefined;
          },
          60_000,
        );
        assert.ok(shipped.length > 0);
        const restart = await cli(['robots', 'part', 'restart', '--part-id', mainPart.id]);
        assert.equal(restart.code, 0, restart.stderr);
        const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))]);
        assert.notEqual(code, 'still running', `viam-server did not restart:\n${output.slice(-3000)}`);
        assert.equal((await a.owner.getRobotPart(mainPart.id)).restartPending, false, 'the mark was taken when delivered');
      } catch (err) {
        throw new Error(`${(err as Error).message}\nviam-server said:\n${output.slice(-4000)}`);
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
    },
  );
});
