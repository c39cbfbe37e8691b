import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { AuthService, RobotService } from '@hangar/wire';
import { newMachine } from '../fleet.js';
import { seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { withAuthorization } from '../wire-clients.js';
import { loginWithKey, unique } from './helpers.js';

interface CloudFile {
  cloud: { app_address: string; id: string; secret: string };
}

await describeEngines('hangar robots part setup', (server) => {
  it('writes the cloud file a machine starts from (mode 0600), whose secret authenticates as the part, and the part shows online', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Setup'));
    const { mainPart } = await newMachine(a.owner, a.location.id, 'setup-bot');
    const cli = await loginWithKey(s, a.ownerKey);
    const path = join(await mkdtemp(join(tmpdir(), 'hangar-setup-')), 'viam.json');

    const result = await cli(['robots', 'part', 'setup', '--robot', 'setup-bot', '--part', 'setup-bot-main', '--output', path, '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.json(), {
      path,
      partId: mainPart.id,
      partName: 'setup-bot-main',
      appAddress: s.url,
      command: `hangar agent --config ${path}`,
    });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const file = JSON.parse(await readFile(path, 'utf8')) as CloudFile;
    assert.deepEqual(Object.keys(file.cloud).sort(), ['app_address', 'id', 'secret']);
    assert.equal(file.cloud.id, mainPart.id);

    // What viam-server does with the file: authenticate with the secret, then ask for its config.
    const auth = createClient(AuthService, createGrpcTransport({ baseUrl: file.cloud.app_address, httpVersion: '2' }));
    const { accessToken } = await auth.authenticate({
      entity: file.cloud.id,
      credentials: { type: 'robot-secret', payload: file.cloud.secret },
    });
    const robot = createClient(
      RobotService,
      createGrpcTransport({
        baseUrl: file.cloud.app_address,
        httpVersion: '2',
        interceptors: [withAuthorization(`Bearer ${accessToken}`)],
      }),
    );
    const agentInfo = { host: 'rover', os: 'linux', version: 'viam-server v0.100.0', platform: 'linux/arm64', ips: ['10.0.0.7'] };
    assert.equal((await robot.config({ id: file.cloud.id, agentInfo })).config?.cloud?.id, mainPart.id);

    let status = '';
    for (let i = 0; i < 50 && status !== 'online'; i++) {
      const shown = await cli(['robots', 'part', 'status', '--robot', 'setup-bot', '--part', 'setup-bot-main', '--json']);
      status = shown.json<{ part: { status: string } }>().part.status;
      if (status !== 'online') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 'online');

    const shownText = await cli(['robots', 'part', 'status', '--robot', 'setup-bot', '--part', 'setup-bot-main']);
    assert.match(shownText.stdout, /Agent: +viam-server v0\.100\.0 on rover \(linux\/arm64\), 10\.0\.0\.7\n/);

    const text = await cli(['robots', 'part', 'setup', '--robot', 'setup-bot', '--part', 'setup-bot-main', '--output', path]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(
      text.stdout,
      `Wrote ${path} for part "setup-bot-main" (${mainPart.id}).\nStart the machine with:\n  hangar agent --config ${path}\n`,
    );
    assert.match(text.stderr, /holds the secret of part "setup-bot-main"/);
  });
});
