/**
 * Machines authenticate as viam-server does (robot-secret, robot-location-secret) and call the machine-facing
 * viam.app.v1.RobotService for themselves: Config (effective config plus the cloud section viam-server
 * requires, a revision that moves exactly with the config, agent_info stored), NeedsRestart (once per mark),
 * Certificate (refused with FAILED_PRECONDITION), last_access and online state, and nothing of anyone else.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { AppService, AuthService, RobotService } from '@hangar/wire';
import { Code, codeOf, hasCode } from '../assertions.js';
import { newMachine } from '../fleet.js';
import { entry, machineClient, machineKey } from '../machine-logs.js';
import { seedOrg, type SeededOrg } from '../seed.js';
import type { TestServer } from '../server.js';
import { describeEngines } from '../suite.js';
import { withAuthorization } from '../wire-clients.js';

interface MachineSide {
  readonly robot: Client<typeof RobotService>;
  readonly app: Client<typeof AppService>;
}

/** Authenticates as viam-server does (gRPC over h2c) and returns the clients it would use with that token. */
async function authenticate(s: TestServer, entity: string, type: string, payload: string): Promise<MachineSide> {
  const auth = createClient(AuthService, createGrpcTransport({ baseUrl: s.url, httpVersion: '2' }));
  const { accessToken } = await auth.authenticate({ entity, credentials: { type, payload } });
  const transport = createGrpcTransport({ baseUrl: s.url, httpVersion: '2', interceptors: [withAuthorization(`Bearer ${accessToken}`)] });
  return { robot: createClient(RobotService, transport), app: createClient(AppService, transport) };
}

async function setUpMachine(s: TestServer, a: SeededOrg, name: string) {
  const { robotId, mainPart } = await newMachine(a.owner, a.location.id, name);
  const part = await a.owner.getRobotPart(mainPart.id);
  return { robotId, partId: part.id, secret: part.secret, fqdn: part.fqdn, localFqdn: part.localFqdn };
}

await describeEngines('machine credentials and the machine-facing RobotService', (server) => {
  it('authenticates with the part secret, and with a location secret by part id, fqdn or local fqdn', async () => {
    const s = server();
    const a = await seedOrg(s);
    const m = await setUpMachine(s, a, 'cred-bot');
    const [locationSecret] = (await a.owner.locationAuth(a.location.id)).secrets;
    assert.ok(locationSecret !== undefined);
    for (const [entity, type, payload] of [
      [m.partId, 'robot-secret', m.secret],
      [m.partId, 'robot-location-secret', locationSecret.secret],
      [m.fqdn, 'robot-location-secret', locationSecret.secret],
      [m.localFqdn.toUpperCase(), 'robot-location-secret', locationSecret.secret],
    ] as const) {
      const side = await authenticate(s, entity, type, payload);
      const { config } = await side.robot.config({ id: m.partId });
      assert.equal(config?.cloud?.id, m.partId, `${type} as ${entity}`);
    }
    // Wrong secrets, a secret of another kind, another part's id: one message for all.
    const other = await setUpMachine(s, a, 'cred-other');
    for (const [entity, type, payload] of [
      [m.partId, 'robot-secret', 'not-the-secret'],
      [m.partId, 'robot-secret', locationSecret.secret],
      [other.partId, 'robot-secret', m.secret],
      [m.fqdn, 'robot-secret', m.secret],
      ['no-such-part.example.invalid', 'robot-location-secret', locationSecret.secret],
    ] as const) {
      await assert.rejects(
        authenticate(s, entity, type, payload),
        hasCode(Code.Unauthenticated, 'invalid credentials'),
        `${type} as ${entity}`,
      );
    }
  });

  it('serves the effective config with the cloud section viam-server requires, and a revision that moves exactly with it', async () => {
    const s = server();
    const a = await seedOrg(s);
    const m = await setUpMachine(s, a, 'config-bot');
    const fragment = await a.owner.createFragment(a.org.id, 'motors', {
      components: [{ name: 'left', api: 'rdk:component:motor', model: 'rdk:builtin:fake', attributes: { max_rpm: 100 } }],
    });
    await a.owner.updateRobotPart(m.partId, 'config-bot-main', {
      components: [
        {
          name: 'cam',
          api: 'rdk:component:camera',
          model: 'rdk:builtin:fake',
          depends_on: ['left'],
          attributes: { width: 640, nested: { list: [1, 'two', null] } },
          frame: { parent: 'world', translation: { x: 1, y: 2, z: 3 }, orientation: { type: 'ov_degrees', value: { th: 90 } } },
          not_a_proto_field: true,
        },
        // Wrong types where the proto wants others: left out, never an INTERNAL.
        { name: 'odd', api: 'rdk:component:arm', model: 42, depends_on: 'not-a-list' },
      ],
      processes: [{ id: 'hello', name: 'echo', args: ['hi'], one_shot: true, log: true }],
      modules: [{ type: 'registry', module_id: 'acme:wheels', name: 'wheels', version: '1.2.3' }],
      network: { bind_address: ':8080' },
      debug: true,
      fragments: [fragment.id],
      cloud: { id: 'forged', secret: 'forged' },
    });
    const side = await authenticate(s, m.partId, 'robot-secret', m.secret);
    const agentInfo = {
      host: 'rover-7',
      os: 'linux',
      ips: ['10.0.0.7'],
      version: 'hangar-agent 0.1.0',
      gitRevision: 'abc',
      platform: 'linux/arm64',
    };
    const { config } = await side.robot.config({ id: m.partId, agentInfo });
    assert.ok(config !== undefined);
    const cloud = config.cloud;
    assert.ok(cloud !== undefined);
    assert.equal(cloud.id, m.partId);
    assert.equal(cloud.secret, m.secret);
    assert.equal(cloud.fqdn, m.fqdn);
    assert.equal(cloud.localFqdn, m.localFqdn);
    assert.equal(cloud.locationId, a.location.id);
    assert.equal(cloud.primaryOrgId, a.org.id);
    assert.equal(cloud.machineId, m.robotId);
    assert.equal(cloud.signalingAddress, '');
    assert.equal(cloud.signalingInsecure, true);
    assert.ok(cloud.locationSecrets.length > 0 && cloud.locationSecrets.every((l) => l.id !== '' && l.secret !== ''));
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- older viam-servers read it
    assert.equal(cloud.locationSecret, cloud.locationSecrets[0]?.secret);
    assert.deepEqual(
      config.components.map((c) => c.name),
      ['cam', 'odd', 'left'],
    );
    const cam = config.components[0];
    assert.deepEqual(cam?.dependsOn, ['left']);
    assert.deepEqual(cam?.attributes?.toJson(), { width: 640, nested: { list: [1, 'two', null] } });
    assert.equal(cam?.frame?.parent, 'world');
    assert.equal(cam?.frame?.translation?.z, 3);
    assert.equal(config.components[1]?.model, '', 'a model that is not a string is left out');
    assert.deepEqual(config.components[2]?.attributes?.toJson(), { max_rpm: 100 }, 'fragment components are merged in');
    assert.deepEqual(
      config.processes.map((p) => [p.id, p.name, p.args, p.oneShot, p.log]),
      [['hello', 'echo', ['hi'], true, true]],
    );
    assert.equal(config.modules[0]?.moduleId, 'acme:wheels');
    assert.equal(config.network?.bindAddress, ':8080');
    assert.equal(config.debug, true);
    assert.match(config.revision, /^[0-9a-f]{16}$/);

    // The same config: the same revision. A change to it, or to a fragment it uses: a new one.
    const again = (await side.robot.config({ id: m.partId })).config;
    assert.equal(again?.revision, config.revision);
    await a.owner.updateFragment(fragment.id, 'motors', {
      config: { components: [{ name: 'left', api: 'rdk:component:motor', model: 'rdk:builtin:fake', attributes: { max_rpm: 200 } }] },
    });
    const changed = (await side.robot.config({ id: m.partId })).config;
    assert.notEqual(changed?.revision, config.revision);
    assert.deepEqual(changed?.components[2]?.attributes?.toJson(), { max_rpm: 200 });

    // agent_info is kept and shown as the part's user_supplied_info.
    const part = await a.owner.getRobotPart(m.partId);
    assert.deepEqual(part.userSuppliedInfo, {
      host: 'rover-7',
      os: 'linux',
      ips: ['10.0.0.7'],
      version: 'hangar-agent 0.1.0',
      git_revision: 'abc',
      platform: 'linux/arm64',
    });
  });

  it('answers NeedsRestart true once per mark, with the restart check interval; Certificate with FAILED_PRECONDITION', async () => {
    const s = server();
    const a = await seedOrg(s);
    const m = await setUpMachine(s, a, 'restart-bot');
    const side = await authenticate(s, m.partId, 'robot-secret', m.secret);
    const first = await side.robot.needsRestart({ id: m.partId });
    assert.equal(first.mustRestart, false);
    assert.equal(first.restartCheckInterval?.seconds, 5n);
    await a.owner.markPartForRestart(m.partId);
    assert.equal((await side.robot.needsRestart({ id: m.partId })).mustRestart, true);
    assert.equal((await side.robot.needsRestart({ id: m.partId })).mustRestart, false, 'the mark is taken when delivered');
    await assert.rejects(side.robot.certificate({ id: m.partId }), hasCode(Code.FailedPrecondition, 'certificate'));
  });

  it('lets a machine act only as its own part: other parts and anything administrative are refused', async () => {
    const s = server();
    const a = await seedOrg(s);
    const m = await setUpMachine(s, a, 'self-bot');
    const sibling = await a.owner.newRobotPart(m.robotId, 'self-bot-arm');
    const other = await setUpMachine(s, a, 'other-bot');
    const side = await authenticate(s, m.partId, 'robot-secret', m.secret);
    for (const id of [sibling, other.partId]) {
      await assert.rejects(side.robot.config({ id }), hasCode(Code.NotFound), `Config of ${id}`);
      await assert.rejects(side.robot.needsRestart({ id }), hasCode(Code.NotFound));
      await assert.rejects(side.robot.log({ id, logs: [entry({ message: 'not mine' })] }), hasCode(Code.NotFound));
    }
    // Its own logs it writes, as with its API key.
    await side.robot.log({ id: m.partId, logs: [entry({ message: 'from the machine token' })] });
    assert.deepEqual(
      (await a.owner.getRobotPartLogs(m.partId)).map((e) => e.message),
      ['from the machine token'],
    );
    // Its own part it may read, but not change; the organization it cannot see at all.
    assert.equal((await side.app.getRobotPart({ id: m.partId })).part?.id, m.partId);
    await assert.rejects(side.app.updateRobotPart({ id: m.partId, name: 'renamed' }), hasCode(Code.PermissionDenied, 'machine part'));
    await assert.rejects(side.app.markPartForRestart({ partId: m.partId }), hasCode(Code.PermissionDenied));
    await assert.rejects(side.app.getOrganization({ organizationId: a.org.id }), hasCode(Code.NotFound));
    await assert.rejects(side.app.createLocation({ organizationId: a.org.id, name: 'mine now' }), hasCode(Code.NotFound));
    await assert.rejects(side.app.createOrganization({ name: 'machine org' }), hasCode(Code.PermissionDenied));
    assert.deepEqual((await side.app.listOrganizations({})).organizations, []);
    assert.equal((await a.owner.getRobotPart(m.partId)).name, 'self-bot-main', 'nothing changed');
  });

  it('revokes the token when its secret, its part or its machine is deleted', async () => {
    const s = server();
    const a = await seedOrg(s);
    const m = await setUpMachine(s, a, 'revoke-bot');
    const withPartSecret = await authenticate(s, m.partId, 'robot-secret', m.secret);
    const fresh = await a.owner.createRobotPartSecret(m.partId);
    const second = fresh.secrets.find((x) => x.secret !== m.secret);
    assert.ok(second !== undefined);
    const withSecond = await authenticate(s, m.partId, 'robot-secret', second.secret);
    const location = await a.owner.createLocationSecret(a.location.id);
    const newest = location.secrets.at(-1);
    assert.ok(newest !== undefined);
    const withLocation = await authenticate(s, m.partId, 'robot-location-secret', newest.secret);

    await a.owner.deleteRobotPartSecret(m.partId, second.id);
    await assert.rejects(withSecond.robot.config({ id: m.partId }), hasCode(Code.Unauthenticated, 'authenticate again'));
    assert.ok((await withPartSecret.robot.config({ id: m.partId })).config, 'the other secret still works');
    await a.owner.deleteLocationSecret(newest.id, a.location.id);
    await assert.rejects(withLocation.robot.needsRestart({ id: m.partId }), hasCode(Code.Unauthenticated));
    await a.owner.deleteRobot(m.robotId);
    assert.equal(codeOf(await withPartSecret.robot.config({ id: m.partId }).catch((e: unknown) => e)), Code.Unauthenticated);
  });

  it('moves last_access with machine calls, at most every few seconds, so the part shows online', async () => {
    const s = server();
    const a = await seedOrg(s);
    const m = await setUpMachine(s, a, 'presence-bot');
    assert.equal((await a.owner.getRobotPart(m.partId)).proto.onlineState, 3, 'awaiting setup before it calls');
    const side = await authenticate(s, m.partId, 'robot-secret', m.secret);
    await side.robot.needsRestart({ id: m.partId });
    const deadline = Date.now() + 5_000;
    let part = await a.owner.getRobotPart(m.partId);
    while (part.lastAccess === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      part = await a.owner.getRobotPart(m.partId);
    }
    assert.ok(part.lastAccess !== undefined, 'last_access was recorded');
    assert.equal(part.proto.onlineState, 1, 'online');
    const robot = await a.owner.getRobot(m.robotId);
    assert.ok(robot.lastAccess !== undefined);
    // A machine's own API key (logs today) is a machine call too, through the same path.
    const keyed = await machineClient(s, await machineKey(a.owner, a.org.id, m.robotId));
    await keyed.log(m.partId, [entry({ message: 'still here' })]);
  });
});
