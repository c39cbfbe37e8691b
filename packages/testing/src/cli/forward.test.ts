/**
 * `hangar agent --forward`: calls the agent does not answer itself go to a local viam-server (here a
 * stand-in serving a service no Hangar package knows, with gRPC reflection), so `robots part run` can call
 * it by the machine's own description; the agent's own calls stay with the agent; a local server that is
 * gone answers UNAVAILABLE. Also: the agent's own reflection through the server's relay.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { MethodKind, proto3, ScalarType, type Message } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { connectNodeAdapter, createGrpcTransport } from '@connectrpc/connect-node';
import { createAsyncIterable } from '@connectrpc/connect/protocol';
import { reflectionHandler, reflectionV1, ServerReflectionV1, type ServerReflectionRequest } from '@hangar/wire';
import { startAgent, waitFor } from '../agent-process.js';
import { newMachine } from '../fleet.js';
import { seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { withAuthorization } from '../wire-clients.js';
import { loginWithKey, unique } from './helpers.js';

interface Echo extends Message<Echo> {
  text: string;
  caller: string;
}
const Echo = proto3.makeMessageType<Echo>('test.echo.v1.Echo', [
  { no: 1, name: 'text', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'caller', kind: 'scalar', T: ScalarType.STRING },
]);
const EchoService = {
  typeName: 'test.echo.v1.EchoService',
  methods: { echo: { name: 'Echo', I: Echo, O: Echo, kind: MethodKind.Unary } },
} as const;

/** A stand-in for a machine's local viam-server: h2c, a service of its own, reflection describing it. */
async function localServer() {
  const handler = connectNodeAdapter({
    routes: (router) =>
      router
        .service(EchoService, {
          echo: (req, ctx) => new Echo({ text: req.text, caller: ctx.requestHeader.get('hangar-caller') ?? '' }),
        })
        .service(ServerReflectionV1, { serverReflectionInfo: reflectionHandler(reflectionV1, [EchoService]) }),
  });
  const server = http2.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => sessions.add(s));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sessions) s.destroy();
        server.close(() => r());
      }),
  };
}

await describeEngines('agent --forward and reflection', (server) => {
  it('forwards what the agent does not serve to the local viam-server, described by its reflection', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Forward'));
    const { mainPart } = await newMachine(a.owner, a.location.id, 'forward-bot');
    await a.owner.updateRobotPart(mainPart.id, 'forward-bot-main', {
      components: [{ name: 'arm', api: 'rdk:component:arm', model: 'fake' }],
    });
    const cli = await loginWithKey(s, a.ownerKey);
    const dir = await mkdtemp(join(tmpdir(), 'hangar-forward-'));
    const configPath = join(dir, 'viam.json');
    assert.equal((await cli(['robots', 'part', 'setup', '--part-id', mainPart.id, '--output', configPath])).code, 0);

    // Without --forward the agent describes its own services, through the server's relay.
    const plain = startAgent(configPath, join(dir, 'plain'));
    try {
      const reflection = createClient(
        ServerReflectionV1,
        createGrpcTransport({
          baseUrl: `${s.url}/machines/${mainPart.id}`,
          httpVersion: '2',
          interceptors: [withAuthorization(`Bearer ${a.owner.accessToken}`)],
        }),
      );
      const ask = async (...requests: ServerReflectionRequest['messageRequest'][]) => {
        const answers = [];
        for await (const answer of reflection.serverReflectionInfo(
          createAsyncIterable(requests.map((messageRequest) => new reflectionV1.ServerReflectionRequest({ messageRequest }))),
        ))
          answers.push(answer.messageResponse);
        return answers;
      };
      const [listed, file, missing] = await waitFor('the agent to serve reflection', () =>
        ask(
          { case: 'listServices', value: '' },
          { case: 'fileContainingSymbol', value: 'viam.robot.v1.RobotService' },
          { case: 'fileContainingSymbol', value: 'no.such.Thing' },
        ).catch(() => undefined),
      );
      assert.equal(listed?.case, 'listServicesResponse');
      assert.deepEqual(
        listed.value.service.map((x) => x.name),
        [
          'viam.robot.v1.RobotService',
          'viam.service.shell.v1.ShellService',
          'grpc.reflection.v1.ServerReflection',
          'grpc.reflection.v1alpha.ServerReflection',
        ],
      );
      assert.equal(file?.case, 'fileDescriptorResponse');
      assert.ok(file.value.fileDescriptorProto.length >= 3, 'the file comes with its dependencies');
      assert.equal(missing?.case, 'errorResponse');
      assert.equal(missing.value.errorCode, 5);

      const unknown = await cli(['robots', 'part', 'run', '--part-id', mainPart.id, 'test.echo.v1.EchoService.Echo']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /unknown service "test.echo.v1.EchoService"/);
    } finally {
      await plain.stop();
    }

    const local = await localServer();
    const run = (...args: string[]) => cli(['robots', 'part', 'run', '--part-id', mainPart.id, ...args]);
    const withForward = startAgent(configPath, join(dir, 'forwarding'), { args: ['--forward', local.url] });
    try {
      const echoed = await waitFor('the forwarded call', async () => {
        const r = await run('test.echo.v1.EchoService.Echo', '--data', '{"text": "hello"}', '--json');
        return r.code === 0 ? r : undefined;
      });
      assert.deepEqual(echoed.json(), { text: 'hello', caller: `api-key:${a.ownerKey.id}` });
      // The agent's own calls stay with it (the local server has no ResourceNames).
      const names = await run('viam.robot.v1.RobotService.ResourceNames', '--json');
      assert.equal(names.code, 0, names.stderr);
      assert.deepEqual(names.json(), { resources: [{ namespace: 'rdk', type: 'component', subtype: 'arm', name: 'arm' }] });
      // A method of the machine's API the agent does not answer goes to the local server, which lacks it.
      const sessions = await run('viam.robot.v1.RobotService.GetSessions');
      assert.equal(sessions.code, 1);
      assert.match(sessions.stderr, /the machine does not serve this method/);

      await local.close();
      const gone = await run('test.echo.v1.EchoService.Echo', '--data', '{"text": "again"}');
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /viam-server at http:\/\/127\.0\.0\.1:\d+ is not answering/);
    } finally {
      await withForward.stop();
      await local.close().catch(() => undefined);
    }
  });
});
