/**
 * The official TypeScript SDK (@viamrobotics/sdk 0.61.1, gRPC-web over HTTP/1.1) against Hangar's fleet
 * methods: machines, parts, part history and secrets, roles and API keys, as a Viam user would call them.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Struct, type JsonObject } from '@bufbuild/protobuf';
import { Code, hasCode } from '../assertions.js';
import { MISSING_ID, seedOrg, type SeededOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import type { TestServer } from '../server.js';
import { appApi, officialClient, type ViamClient } from '../viam.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type OfficialApp = ViamClient['appClient'];

function defined<T>(value: T | undefined, what: string): T {
  assert.ok(value !== undefined, `the official SDK returned no ${what}`);
  return value;
}

/** A seeded organization with official clients on its owner and operator keys. */
async function officialOrg(s: TestServer): Promise<SeededOrg & { app: OfficialApp; opApp: OfficialApp }> {
  const seeded = await seedOrg(s);
  const app = (await officialClient(s.url, seeded.ownerKey.id, seeded.ownerKey.key)).appClient;
  const opApp = (await officialClient(s.url, seeded.operatorKey.id, seeded.operatorKey.key)).appClient;
  return { ...seeded, app, opApp };
}

function role(orgId: string, identityId: string, authorizationId: string, resourceType: string, resourceId: string): appApi.Authorization {
  return new appApi.Authorization({
    authorizationType: 'role',
    authorizationId,
    resourceType,
    resourceId,
    organizationId: orgId,
    identityId,
    identityType: '',
  });
}

/** Sorted [identity type, identity id, authorization id, resource id] rows. */
function rows(auths: readonly appApi.Authorization[]): string[][] {
  return auths.map((a) => [a.identityType, a.identityId, a.authorizationId, a.resourceId]).sort((x, y) => x.join().localeCompare(y.join()));
}

const CONFIG: JsonObject = {
  components: [
    { name: 'cam', api: 'rdk:component:camera', model: 'webcam', attributes: { video_path: '/dev/video0', width_px: 640, flip: false } },
  ],
  services: [],
  debug: true,
  unknown_section: { kept: [1, 'two', null, { three: 3 }] },
};

await describeEngines('official @viamrobotics/sdk: fleet', (server) => {
  it('creates, gets, lists, renames, moves and deletes machines', async () => {
    const s = server();
    const { org, location, app, opApp } = await officialOrg(s);
    const robotId = await app.newRobot(location.id, 'official-bot');
    assert.match(robotId, UUID);
    const robot = defined(await app.getRobot(robotId), 'robot');
    assert.equal(robot.id, robotId);
    assert.equal(robot.name, 'official-bot');
    assert.equal(robot.location, location.id);
    assert.equal(robot.onlineState, appApi.OnlineState.AWAITING_SETUP);
    assert.ok(robot.createdOn !== undefined);
    await app.newRobot(location.id, 'another-bot');
    assert.deepEqual(
      (await app.listRobots(location.id)).map((r) => r.name),
      ['another-bot', 'official-bot'],
    );
    assert.deepEqual(
      (await opApp.listRobots(location.id)).map((r) => r.name),
      ['another-bot', 'official-bot'],
    );
    assert.deepEqual(await app.getRoverRentalRobots(org.id), []);
    await assert.rejects(app.newRobot(location.id, 'official-bot'), hasCode(Code.AlreadyExists));
    await assert.rejects(opApp.newRobot(location.id, 'operator-bot'), hasCode(Code.PermissionDenied));

    const renamed = defined(await app.updateRobot(robotId, location.id, 'renamed-bot'), 'robot');
    assert.equal(renamed.name, 'renamed-bot');
    assert.equal(renamed.location, location.id);
    // An empty location keeps the machine where it is.
    assert.equal(defined(await app.updateRobot(robotId, '', 'renamed-again'), 'robot').location, location.id);
    const target = defined(await app.createLocation(org.id, 'Target'), 'location');
    const moved = defined(await app.updateRobot(robotId, target.id, 'renamed-again'), 'robot');
    assert.equal(moved.location, target.id);
    assert.deepEqual(
      (await app.getRobotParts(robotId)).map((p) => p.locationId),
      [target.id],
    );
    assert.deepEqual(
      (await app.listRobots(location.id)).map((r) => r.name),
      ['another-bot'],
    );
    await assert.rejects(
      opApp.updateRobot(robotId, target.id, 'hijacked'),
      hasCode(Code.NotFound),
      'the operator cannot see the target location',
    );

    const [main] = await app.getRobotParts(robotId);
    await app.deleteRobot(robotId);
    await assert.rejects(app.getRobot(robotId), hasCode(Code.NotFound, robotId));
    await assert.rejects(app.getRobotPart(defined(main, 'part').id), hasCode(Code.NotFound));
    assert.deepEqual(await app.listRobots(target.id), []);
    await assert.rejects(app.deleteRobot(robotId), hasCode(Code.NotFound));
    await assert.rejects(app.getRobot(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
  });

  it('reads, adds, updates, promotes, restarts and deletes parts, with the config as a Struct and as JSON', async () => {
    const s = server();
    const { location, app, opApp } = await officialOrg(s);
    const robotId = await app.newRobot(location.id, 'parts-bot');
    const [main, ...none] = await app.getRobotParts(robotId);
    assert.deepEqual(none, []);
    assert.ok(main !== undefined);
    assert.equal(main.name, 'parts-bot-main');
    assert.equal(main.mainPart, true);
    assert.equal(main.fqdn, `parts-bot-main.${location.id}.hangar.local`);
    assert.equal(main.localFqdn, `parts-bot-main.${location.id}.local.hangar.local`);
    assert.ok(main.robotConfig !== undefined, 'robot_config is set even when empty');
    assert.deepEqual(main.robotConfig.toJson(), {});
    assert.equal(main.secrets.length, 1);

    const updated = defined(await app.updateRobotPart(main.id, 'parts-bot-main', Struct.fromJson(CONFIG)), 'part');
    assert.deepEqual(updated.robotConfig?.toJson(), CONFIG);
    const { part, configJson } = await app.getRobotPart(main.id);
    assert.ok(part !== undefined);
    assert.deepEqual(part.robotConfig?.toJson(), CONFIG);
    assert.deepEqual(JSON.parse(configJson), CONFIG, 'config_json agrees with robot_config');
    await assert.rejects(
      app.updateRobotPart(main.id, 'parts-bot-main', Struct.fromJson({ components: 'x' })),
      hasCode(Code.InvalidArgument, 'components'),
    );
    await assert.rejects(opApp.updateRobotPart(main.id, 'op-name', Struct.fromJson({})), hasCode(Code.PermissionDenied));
    assert.deepEqual(defined((await app.getRobotPart(main.id)).part, 'part').robotConfig?.toJson(), CONFIG);

    const sideId = await app.newRobotPart(robotId, 'parts-bot-side');
    assert.match(sideId, UUID);
    assert.deepEqual(
      (await app.getRobotParts(robotId)).map((p) => [p.id, p.mainPart]),
      [
        [main.id, true],
        [sideId, false],
      ],
    );
    const byName = defined((await app.getRobotPartByNameAndLocation('parts-bot-side', location.id)).part, 'part');
    assert.equal(byName.id, sideId);
    assert.deepEqual(byName.robotConfig?.toJson(), {});
    await assert.rejects(app.getRobotPartByNameAndLocation('no-such-part', location.id), hasCode(Code.NotFound));

    await assert.rejects(app.deleteRobotPart(main.id), hasCode(Code.FailedPrecondition));
    await app.markPartAsMain(sideId);
    assert.deepEqual(
      (await app.getRobotParts(robotId)).map((p) => [p.id, p.mainPart]),
      [
        [sideId, true],
        [main.id, false],
      ],
    );
    await app.markPartForRestart(sideId);
    await opApp.markPartForRestart(sideId);
    await app.deleteRobotPart(main.id);
    assert.deepEqual(
      (await app.getRobotParts(robotId)).map((p) => p.id),
      [sideId],
    );
    await assert.rejects(app.getRobotPart(main.id), hasCode(Code.NotFound, main.id));
  });

  it("reads a part's history, newest first, with the editing key", async () => {
    const s = server();
    const { location, app, ownerKey } = await officialOrg(s);
    const robotId = await app.newRobot(location.id, 'history-bot');
    const main = defined((await app.getRobotParts(robotId))[0], 'part');
    assert.deepEqual(await app.getRobotPartHistory(main.id), []);
    s.clock.advance(1000);
    await app.updateRobotPart(main.id, 'history-bot-main', Struct.fromJson({ debug: true }));
    s.clock.advance(1000);
    await app.updateRobotPart(main.id, 'history-bot-renamed', Struct.fromJson({ debug: true }));
    const history = await app.getRobotPartHistory(main.id);
    assert.deepEqual(
      history.map((e) => [e.old?.name, e.old?.robotConfig?.toJson(), e.editedBy?.type, e.editedBy?.value, e.part, e.robot]),
      [
        ['history-bot-main', { debug: true }, appApi.AuthenticationType.API_KEY, ownerKey.id, main.id, robotId],
        ['history-bot-main', {}, appApi.AuthenticationType.API_KEY, ownerKey.id, main.id, robotId],
      ],
    );
    assert.ok((history[0]?.when?.toDate().getTime() ?? 0) > (history[1]?.when?.toDate().getTime() ?? 0));
    await assert.rejects(app.getRobotPartHistory(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
  });

  it('creates and deletes part secrets', async () => {
    const s = server();
    const { location, app } = await officialOrg(s);
    const robotId = await app.newRobot(location.id, 'secret-bot');
    const main = defined((await app.getRobotParts(robotId))[0], 'part');
    const first = defined(main.secrets[0], 'secret');
    const withTwo = defined(await app.createRobotPartSecret(main.id), 'part');
    assert.deepEqual(withTwo.secrets.map((x) => x.id).slice(0, 1), [first.id]);
    const second = defined(withTwo.secrets[1], 'second secret');
    assert.notEqual(second.secret, first.secret);
    await assert.rejects(app.createRobotPartSecret(main.id), hasCode(Code.FailedPrecondition));
    await app.deleteRobotPartSecret(main.id, first.id);
    const after = defined((await app.getRobotPart(main.id)).part, 'part');
    assert.deepEqual(
      after.secrets.map((x) => x.id),
      [second.id],
    );
    assert.equal(after.secret, second.secret);
    await assert.rejects(app.deleteRobotPartSecret(main.id, second.id), hasCode(Code.FailedPrecondition));
    await assert.rejects(app.deleteRobotPartSecret(main.id, MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
  });

  it('adds, changes and removes roles, lists them and checks permissions', async () => {
    const s = server();
    const { org, location, app, opApp, operatorKey, ownerKey } = await officialOrg(s);
    const robotId = await app.newRobot(location.id, 'role-bot');
    const second = defined(await app.createLocation(org.id, 'Second'), 'location');
    await assert.rejects(opApp.getLocation(second.id), hasCode(Code.NotFound));

    // The SDK sends identity_type "".
    await app.addRole(org.id, operatorKey.id, 'operator', 'location', second.id);
    assert.equal(defined(await opApp.getLocation(second.id), 'location').id, second.id, "the operator's token sees it at once");
    await assert.rejects(app.addRole(org.id, operatorKey.id, 'operator', 'location', second.id), hasCode(Code.AlreadyExists));
    await assert.rejects(app.addRole(org.id, MISSING_ID, 'operator', 'location', second.id), hasCode(Code.NotFound, MISSING_ID));
    assert.deepEqual(rows(await app.listAuthorizations(org.id, [second.id])), [
      ['api-key', operatorKey.id, 'location_operator', second.id],
    ]);

    await app.changeRole(
      role(org.id, operatorKey.id, 'location_operator', 'location', second.id),
      role(org.id, operatorKey.id, 'location_owner', 'location', second.id),
    );
    assert.deepEqual(rows(await app.listAuthorizations(org.id, [second.id])), [['api-key', operatorKey.id, 'location_owner', second.id]]);
    const opRobot = await opApp.newRobot(second.id, 'made-by-operator');
    assert.match(opRobot, UUID);

    const all = await app.listAuthorizations(org.id);
    assert.deepEqual(
      rows(all),
      [
        ['api-key', s.admin.apiKeyId, 'organization_owner', org.id],
        ['api-key', ownerKey.id, 'organization_owner', org.id],
        ['api-key', operatorKey.id, 'location_operator', location.id],
        ['api-key', operatorKey.id, 'location_owner', second.id],
      ].sort((x, y) => x.join().localeCompare(y.join())),
    );
    assert.ok(all.every((a) => a.organizationId === org.id && a.authorizationType === 'role'));

    const answer = await opApp.checkPermissions([
      new appApi.AuthorizedPermissions({
        resourceType: 'location',
        resourceId: location.id,
        permissions: ['read_location', 'control_robot', 'write_location'],
      }),
      new appApi.AuthorizedPermissions({
        resourceType: 'robot',
        resourceId: robotId,
        permissions: ['read_robot', 'write_robot', 'nonsense'],
      }),
      new appApi.AuthorizedPermissions({ resourceType: 'location', resourceId: second.id, permissions: ['write_location'] }),
      new appApi.AuthorizedPermissions({
        resourceType: 'organization',
        resourceId: org.id,
        permissions: ['write_organization', 'read_organization'],
      }),
    ]);
    assert.deepEqual(
      answer.map((p) => [p.resourceType, p.resourceId, [...p.permissions]]),
      [
        ['location', location.id, ['read_location', 'control_robot']],
        ['robot', robotId, ['read_robot']],
        ['location', second.id, ['write_location']],
        ['organization', org.id, ['read_organization']],
      ],
    );
    await assert.rejects(app.checkPermissions([]), hasCode(Code.InvalidArgument));

    await app.removeRole(org.id, operatorKey.id, 'owner', 'location', second.id);
    await assert.rejects(opApp.getLocation(second.id), hasCode(Code.NotFound));
    await assert.rejects(app.removeRole(org.id, operatorKey.id, 'owner', 'location', second.id), hasCode(Code.NotFound));
    await assert.rejects(opApp.listAuthorizations(org.id), hasCode(Code.PermissionDenied));
    await assert.rejects(opApp.addRole(org.id, operatorKey.id, 'owner', 'location', location.id), hasCode(Code.PermissionDenied));
  });

  it("creates, lists, rotates, copies and deletes API keys, and lists a machine's keys", async () => {
    const s = server();
    const { org, location, app, opApp } = await officialOrg(s);
    const robotId = await app.newRobot(location.id, 'keyed-bot');
    const created = await app.createKey(
      [
        new appApi.Authorization({
          authorizationType: 'role',
          authorizationId: 'robot_operator',
          resourceType: 'robot',
          resourceId: robotId,
          organizationId: org.id,
          identityId: '',
          identityType: 'api-key',
        }),
        new appApi.Authorization({
          authorizationType: 'role',
          authorizationId: 'location_operator',
          resourceType: 'location',
          resourceId: location.id,
          organizationId: org.id,
          identityId: '',
          identityType: 'api-key',
        }),
      ],
      'official key',
    );
    assert.match(created.id, UUID);
    assert.ok(created.key.length >= 24);
    const viaKey = (await officialClient(s.url, created.id, created.key)).appClient;
    assert.equal(defined(await viaKey.getRobot(robotId), 'robot').name, 'keyed-bot');

    const listed = (await app.listKeys(org.id)).find((k) => k.apiKey?.id === created.id);
    assert.equal(listed?.apiKey?.name, 'official key');
    assert.equal(listed.apiKey.key, '');
    assert.deepEqual(listed.authorizations.map((a) => [a.authorizationId, a.resourceId, a.orgId]).sort(), [
      ['location_operator', location.id, org.id],
      ['robot_operator', robotId, org.id],
    ]);
    await assert.rejects(opApp.listKeys(org.id), hasCode(Code.PermissionDenied));

    const robotKeys = await app.getRobotAPIKeys(robotId);
    assert.deepEqual(
      robotKeys.map((k) => k.apiKey?.id),
      [created.id],
    );
    assert.equal(robotKeys[0]?.apiKey?.key, '');

    const rotated = await app.rotateKey(created.id);
    assert.equal(rotated.id, created.id);
    assert.notEqual(rotated.key, created.key);
    await assert.rejects(viaKey.getRobot(robotId), hasCode(Code.Unauthenticated));
    await assert.rejects(officialClient(s.url, created.id, created.key), hasCode(Code.Unauthenticated));
    const rotatedClient = (await officialClient(s.url, created.id, rotated.key)).appClient;
    assert.equal(defined(await rotatedClient.getRobot(robotId), 'robot').id, robotId);

    const copy = await app.createKeyFromExistingKeyAuthorizations(created.id);
    assert.match(copy.id, UUID);
    assert.notEqual(copy.id, created.id);
    const keys = await app.listKeys(org.id);
    const rolesOf = (id: string) =>
      keys
        .find((k) => k.apiKey?.id === id)
        ?.authorizations.map((a) => [a.authorizationId, a.resourceId])
        .sort();
    assert.deepEqual(rolesOf(copy.id), rolesOf(created.id));
    const copyClient = (await officialClient(s.url, copy.id, copy.key)).appClient;
    assert.deepEqual(
      (await copyClient.listRobots(location.id)).map((r) => r.id),
      [robotId],
    );
    assert.deepEqual(
      (await app.getRobotAPIKeys(robotId)).map((k) => k.apiKey?.id),
      [created.id, copy.id],
    );

    await app.deleteKey(created.id);
    await assert.rejects(rotatedClient.getRobot(robotId), hasCode(Code.Unauthenticated));
    assert.ok(!(await app.listKeys(org.id)).some((k) => k.apiKey?.id === created.id));
    await assert.rejects(app.deleteKey(created.id), hasCode(Code.NotFound));
    assert.equal(defined(await copyClient.getRobot(robotId), 'robot').id, robotId, 'the copy lives on');
  });
});
