/**
 * Remote access through the server: `hangar agent` keeps its tunnel open, and calls addressed to its part
 * (`rpc-host` or the `/machines/<part>/` prefix, gRPC, gRPC-web and Connect) are authorized by the server
 * and relayed through it; `hangar robots part run` calls the machine's API. A stand-in machine shows what
 * a relayed call carries: the caller's identity, never its credentials.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { createClient } from '@connectrpc/connect';
import { connectNodeAdapter, createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { AuthService, MachineRobotService, robotApi } from '@hangar/wire';
import { RobotClient } from '@viamrobotics/sdk';
import { Code, hasCode } from '../assertions.js';
import { startAgent } from '../agent-process.js';
import { newMachine } from '../fleet.js';
import { MISSING_ID, seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { withAuthorization } from '../wire-clients.js';
import { loginWithKey, unique } from './helpers.js';

async function machineToken(url: string, partId: string, secret: string): Promise<string> {
  const auth = createClient(AuthService, createGrpcTransport({ baseUrl: url, httpVersion: '2' }));
  return (await auth.authenticate({ entity: partId, credentials: { type: 'robot-secret', payload: secret } })).accessToken;
}

/** A stand-in machine: opens the part's tunnel with its token and answers GetVersion, noting each call's headers. */
async function standInMachine(url: string, token: string) {
  const seen: http.IncomingHttpHeaders[] = [];
  const handler = connectNodeAdapter({
    routes: (router) =>
      router.service(MachineRobotService, {
        getVersion: () => new robotApi.GetVersionResponse({ platform: 'stand-in', version: '1' }),
      }),
  });
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const req = http.request(new URL('/machines/tunnel', url), {
      headers: { connection: 'Upgrade', upgrade: 'hangar-tunnel/1', authorization: `Bearer ${token}` },
    });
    req.once('upgrade', (_res, s, head) => {
      // The server's first HTTP/2 bytes may arrive with the 101.
      if (head.length > 0) s.unshift(head);
      resolve(s);
    });
    req.once('response', (res) => reject(new Error(`tunnel refused: ${res.statusCode}`)));
    req.once('error', reject);
    req.end();
  });
  const server = http2.createServer((req, res) => {
    seen.push(req.headers);
    handler(req, res);
  });
  server.emit('connection', socket);
  return { seen, close: () => socket.destroy() };
}

await describeEngines('remote access through the server', (server) => {
  it('relays calls to the agent by rpc-host and by path prefix, runs them from the CLI, authorizes them, and says when the part is offline', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Remote'));
    const { mainPart } = await newMachine(a.owner, a.location.id, 'remote-bot');
    await a.owner.updateRobotPart(mainPart.id, 'remote-bot-main', {
      components: [
        { name: 'left', api: 'rdk:component:motor', model: 'rdk:builtin:fake' },
        { name: 'cam', type: 'camera', model: 'fake' },
      ],
      services: [{ name: 'nav', api: 'rdk:service:navigation', model: 'rdk:builtin:builtin' }],
    });
    const cli = await loginWithKey(s, a.ownerKey);
    const dir = await mkdtemp(join(tmpdir(), 'hangar-remote-'));
    const configPath = join(dir, 'viam.json');
    assert.equal((await cli(['robots', 'part', 'setup', '--part-id', mainPart.id, '--output', configPath])).code, 0);
    const agent = startAgent(configPath, join(dir, 'data'));
    try {
      const run = (args: string[]) => cli(['robots', 'part', 'run', '--part-id', mainPart.id, ...args]);
      let names = await run(['viam.robot.v1.RobotService.ResourceNames', '--json']);
      for (let i = 0; i < 100 && names.code !== 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        names = await run(['viam.robot.v1.RobotService.ResourceNames', '--json']);
      }
      assert.equal(names.code, 0, names.stderr);
      assert.deepEqual(names.json(), {
        resources: [
          { namespace: 'rdk', type: 'component', subtype: 'motor', name: 'left' },
          { namespace: 'rdk', type: 'component', subtype: 'camera', name: 'cam' },
          { namespace: 'rdk', type: 'service', subtype: 'navigation', name: 'nav' },
        ],
      });
      const status = await run(['viam.robot.v1.RobotService.GetMachineStatus', '--data', '{}', '--json']);
      assert.equal(status.code, 0, status.stderr);
      const machineStatus = status.json<{ config: { revision: string }; state: string; resources: unknown[] }>();
      assert.equal(machineStatus.state, 'STATE_RUNNING');
      assert.match(machineStatus.config.revision, /^[0-9a-f]{16}$/);
      assert.equal(machineStatus.resources.length, 3);

      // The official TypeScript SDK's direct dial, pointed at the prefix (its host must name "local"). It tries
      // WebRTC first, which Node lacks and the server's signaling refuses at once, then dials directly.
      const official = await new RobotClient().dial({
        host: `${s.url.replace('127.0.0.1', 'localhost')}/machines/${mainPart.id}`,
        credentials: { type: 'api-key', authEntity: a.ownerKey.id, payload: a.ownerKey.key },
        signalingAddress: '',
        disableSessions: true,
        noReconnect: true,
      });
      try {
        assert.deepEqual(
          (await official.resourceNames()).map((r) => r.name),
          ['left', 'cam', 'nav'],
        );
        assert.equal((await official.getMachineStatus()).config?.revision, machineStatus.config.revision);
      } finally {
        await official.disconnect();
      }

      // Bad input: an unknown method, JSON that does not fit, each a usage error that calls nothing.
      const unknown = await run(['viam.robot.v1.RobotService.NoSuchMethod']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /has no method "NoSuchMethod"/);
      const misfit = await run(['viam.robot.v1.RobotService.ResourceNames', '--data', '{"nope": 1}']);
      assert.equal(misfit.code, 2);
      assert.match(misfit.stderr, /--data does not fit viam.robot.v1.ResourceNamesRequest/);

      // The same calls over each protocol, by the fqdn in rpc-host and by the path prefix.
      const part = await a.owner.getRobotPart(mainPart.id);
      const bearer = withAuthorization(`Bearer ${a.owner.accessToken}`);
      const byHost = createClient(
        MachineRobotService,
        createGrpcTransport({
          baseUrl: s.url,
          httpVersion: '2',
          interceptors: [
            bearer,
            (next) => (req) => {
              req.header.set('rpc-host', part.fqdn);
              return next(req);
            },
          ],
        }),
      );
      assert.equal((await byHost.getVersion({})).platform, 'hangar-agent');
      // Viam's Go clients send rpc-host on every call, signing in too: the server answers that itself.
      const authByHost = createClient(
        AuthService,
        createGrpcTransport({
          baseUrl: s.url,
          httpVersion: '2',
          interceptors: [
            (next) => (req) => {
              req.header.set('rpc-host', part.fqdn);
              return next(req);
            },
          ],
        }),
      );
      assert.ok(
        (await authByHost.authenticate({ entity: a.ownerKey.id, credentials: { type: 'api-key', payload: a.ownerKey.key } })).accessToken,
      );
      for (const transport of [
        createGrpcWebTransport({ baseUrl: `${s.url}/machines/${mainPart.id}`, httpVersion: '1.1', interceptors: [bearer] }),
        createConnectTransport({ baseUrl: `${s.url}/machines/${mainPart.id}`, httpVersion: '1.1', interceptors: [bearer] }),
      ]) {
        const byPrefix = createClient(MachineRobotService, transport);
        assert.equal((await byPrefix.getCloudMetadata({})).machinePartId, mainPart.id);
        // Under the prefix the server answers AuthService and signaling itself.
        const auth = createClient(AuthService, transport);
        assert.ok(
          (await auth.authenticate({ entity: a.ownerKey.id, credentials: { type: 'api-key', payload: a.ownerKey.key } })).accessToken,
        );
      }
      // A message beyond the machine's 4 MiB limit, and a part that does not exist: clear errors, nothing relayed.
      const oversized = await fetch(`${s.url}/machines/${mainPart.id}/viam.robot.v1.RobotService/GetVersion`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${a.owner.accessToken}` },
        body: JSON.stringify({ pad: 'x'.repeat(5 * 1024 * 1024) }),
      });
      assert.equal(((await oversized.json()) as { code: string }).code, 'resource_exhausted');
      const nowhere = createClient(
        MachineRobotService,
        createConnectTransport({ baseUrl: `${s.url}/machines/${MISSING_ID}`, httpVersion: '1.1', interceptors: [bearer] }),
      );
      await assert.rejects(nowhere.getVersion({}), hasCode(Code.NotFound));
      const signaling = await fetch(`${s.url}/machines/${mainPart.id}/proto.rpc.webrtc.v1.SignalingService/Call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${a.owner.accessToken}` },
        body: '{}',
      });
      assert.equal(signaling.status, 501);

      // Operators may run; another organization sees no such part; no token is refused; a machine's own token operates nothing.
      const operatorCli = await loginWithKey(s, a.operatorKey);
      const asOperator = await operatorCli(['robots', 'part', 'run', '--part-id', mainPart.id, 'viam.robot.v1.RobotService.GetVersion']);
      assert.equal(asOperator.code, 0, asOperator.stderr);
      const other = await seedOrg(s, unique('Elsewhere'));
      const outsider = createClient(
        MachineRobotService,
        createConnectTransport({
          baseUrl: `${s.url}/machines/${mainPart.id}`,
          httpVersion: '1.1',
          interceptors: [withAuthorization(`Bearer ${other.owner.accessToken}`)],
        }),
      );
      await assert.rejects(outsider.getVersion({}), hasCode(Code.NotFound));
      const anonymous = createClient(
        MachineRobotService,
        createConnectTransport({ baseUrl: `${s.url}/machines/${mainPart.id}`, httpVersion: '1.1' }),
      );
      await assert.rejects(anonymous.getVersion({}), hasCode(Code.Unauthenticated));
      const asMachine = createClient(
        MachineRobotService,
        createConnectTransport({
          baseUrl: `${s.url}/machines/${mainPart.id}`,
          httpVersion: '1.1',
          interceptors: [withAuthorization(`Bearer ${await machineToken(s.url, mainPart.id, part.secret)}`)],
        }),
      );
      await assert.rejects(asMachine.getVersion({}), hasCode(Code.PermissionDenied));
    } finally {
      await agent.stop();
    }

    // The agent gone, its part answers UNAVAILABLE, saying when it was last seen.
    const offline = await cli(['robots', 'part', 'run', '--part-id', mainPart.id, 'viam.robot.v1.RobotService.GetVersion']);
    assert.equal(offline.code, 1);
    assert.match(offline.stderr, /is offline \(last seen /);
  });

  it('passes the caller’s identity to the machine, never its credentials', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Headers'));
    const { mainPart } = await newMachine(a.owner, a.location.id, 'stand-in-bot');
    const part = await a.owner.getRobotPart(mainPart.id);
    const machine = await standInMachine(s.url, await machineToken(s.url, part.id, part.secret));
    try {
      const client = createClient(
        MachineRobotService,
        createGrpcTransport({
          baseUrl: s.url,
          httpVersion: '2',
          interceptors: [
            withAuthorization(`Bearer ${a.owner.accessToken}`),
            (next) => (req) => {
              req.header.set('rpc-host', part.id);
              req.header.set('cookie', 'session=secret');
              return next(req);
            },
          ],
        }),
      );
      assert.equal((await client.getVersion({})).platform, 'stand-in');
      const [headers] = machine.seen;
      assert.ok(headers !== undefined);
      assert.equal(headers.authorization, undefined);
      assert.equal(headers.cookie, undefined);
      assert.equal(headers['rpc-host'], undefined);
      assert.equal(headers['hangar-caller'], `api-key:${a.ownerKey.id}`);
    } finally {
      machine.close();
    }
  });
});
