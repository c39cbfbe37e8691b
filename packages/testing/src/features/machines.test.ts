/** Machines ("robots" on the wire): NewRobot, GetRobot, ListRobots (and Hangar's pages), UpdateRobot, DeleteRobot. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Code, hasCode } from '../assertions.js';
import { locationMachines, machineRows, machineState, newMachine } from '../fleet.js';
import { MISSING_ID, newKey, seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { appApi } from '../viam.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

await describeEngines('machines', (server) => {
  it('creates a machine with one main part named <name>-main, holding one secret and an empty config', async () => {
    const { location, owner } = await seedOrg(server());
    const robotId = await owner.newRobot('rover', location.id);
    assert.match(robotId, UUID);

    const robot = await owner.getRobot(robotId);
    assert.equal(robot.id, robotId);
    assert.equal(robot.name, 'rover');
    assert.equal(robot.location, location.id);
    assert.ok(robot.createdOn !== undefined);
    assert.equal(robot.lastAccess, undefined, 'a machine that never checked in has no last access');
    assert.equal(robot.onlineState, appApi.OnlineState.AWAITING_SETUP);
    assert.equal(robot.onlineState, 3);

    const parts = await owner.getRobotParts(robotId);
    assert.equal(parts.length, 1);
    const [main] = parts;
    assert.ok(main !== undefined);
    assert.match(main.id, UUID);
    assert.equal(main.name, 'rover-main');
    assert.equal(main.dnsName, 'rover-main');
    assert.equal(main.mainPart, true);
    assert.equal(main.robot, robotId);
    assert.equal(main.locationId, location.id);
    assert.equal(main.fqdn, `rover-main.${location.id}.hangar.local`);
    assert.equal(main.localFqdn, `rover-main.${location.id}.local.hangar.local`);
    assert.ok(main.proto.robotConfig !== undefined, 'robot_config is sent even when empty');
    assert.deepEqual(main.robotConfig, {});
    assert.equal(main.secrets.length, 1);
    const [secret] = main.secrets;
    assert.ok(secret !== undefined);
    assert.match(secret.id, UUID);
    assert.ok(secret.secret.length >= 16, 'a real secret');
    assert.equal(main.secret, secret.secret, 'the deprecated secret field repeats the first secret');
    assert.equal(secret.state, appApi.SharedSecret_State.ENABLED);
    assert.ok(main.createdOn !== undefined);
  });

  it('refuses a second machine of the same name in a location, and an empty name, creating nothing', async () => {
    const { org, location, owner } = await seedOrg(server());
    const first = await owner.newRobot('twin', location.id);
    const before = await locationMachines(owner, location.id);
    await assert.rejects(owner.newRobot('twin', location.id), hasCode(Code.AlreadyExists, 'twin'));
    await assert.rejects(owner.newRobot('  twin  ', location.id), hasCode(Code.AlreadyExists), 'names are trimmed before the comparison');
    await assert.rejects(owner.newRobot('', location.id), hasCode(Code.InvalidArgument, 'name'));
    await assert.rejects(owner.newRobot('   ', location.id), hasCode(Code.InvalidArgument, 'name'));
    await assert.rejects(owner.newRobot('ghost', MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
    assert.deepEqual(await locationMachines(owner, location.id), before);
    // The same name is fine in another location.
    const other = await owner.createLocation(org.id, 'Elsewhere');
    const twin = await owner.newRobot('twin', other.id);
    assert.notEqual(twin, first);
    assert.deepEqual(
      (await owner.getRobotParts(twin)).map((p) => p.name),
      ['twin-main'],
    );
  });

  it('gets a machine, answering NOT_FOUND for a missing one and INVALID_ARGUMENT for a malformed id', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const robotId = await a.owner.newRobot('visible', a.location.id);
    assert.equal((await a.operator.getRobot(robotId)).name, 'visible');
    await assert.rejects(a.owner.getRobot(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
    await assert.rejects(a.owner.getRobot('not-a-uuid'), hasCode(Code.InvalidArgument, 'id'));
    await assert.rejects(b.owner.getRobot(robotId), hasCode(Code.NotFound, robotId), 'another organization cannot tell it exists');
    await assert.rejects(b.owner.getRobotParts(robotId), hasCode(Code.NotFound, robotId));
  });

  it("lists a location's machines by name, and only that location's", async () => {
    const { org, location, owner } = await seedOrg(server());
    for (const name of ['delta', 'alpha', 'charlie', 'bravo']) await owner.newRobot(name, location.id);
    const other = await owner.createLocation(org.id, 'Other');
    await owner.newRobot('aardvark', other.id);
    const listed = await owner.listRobots(location.id);
    assert.deepEqual(
      listed.map((r) => r.name),
      ['alpha', 'bravo', 'charlie', 'delta'],
    );
    assert.ok(listed.every((r) => r.location === location.id && r.onlineState === appApi.OnlineState.AWAITING_SETUP));
    assert.deepEqual(
      (await owner.listRobots(other.id)).map((r) => r.name),
      ['aardvark'],
    );
    const empty = await owner.createLocation(org.id, 'Empty');
    assert.deepEqual(await owner.listRobots(empty.id), []);
    await assert.rejects(owner.listRobots(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
  });

  it("pages through a location's machines with hangar-page-size and hangar-page-token", async () => {
    const { location, owner } = await seedOrg(server());
    const names = ['echo', 'alpha', 'delta', 'bravo', 'charlie'];
    const ids = new Map<string, string>();
    for (const name of names) ids.set(name, await owner.newRobot(name, location.id));

    const first = await owner.listRobotsPage(location.id, { pageSize: 2 });
    assert.deepEqual(
      first.items.map((r) => r.name),
      ['alpha', 'bravo'],
    );
    assert.notEqual(first.nextPageToken, '');
    const second = await owner.listRobotsPage(location.id, { pageSize: 2, pageToken: first.nextPageToken });
    assert.deepEqual(
      second.items.map((r) => r.name),
      ['charlie', 'delta'],
    );
    assert.notEqual(second.nextPageToken, '');
    assert.notEqual(second.nextPageToken, first.nextPageToken);
    const third = await owner.listRobotsPage(location.id, { pageSize: 2, pageToken: second.nextPageToken });
    assert.deepEqual(
      third.items.map((r) => r.name),
      ['echo'],
    );
    assert.equal(third.nextPageToken, '', 'the last page has no next token');
    assert.deepEqual(
      [...first.items, ...second.items, ...third.items].map((r) => r.id),
      ['alpha', 'bravo', 'charlie', 'delta', 'echo'].map((n) => ids.get(n)),
    );

    // A page size that covers everything exactly: one page, no token.
    const whole = await owner.listRobotsPage(location.id, { pageSize: 5 });
    assert.equal(whole.items.length, 5);
    assert.equal(whole.nextPageToken, '');
    // Without page headers (as every official SDK calls it) the whole list comes back.
    assert.equal((await owner.listRobots(location.id)).length, 5);

    await assert.rejects(
      owner.listRobotsPage(location.id, { pageSize: 2, pageToken: 'not-a-token' }),
      hasCode(Code.InvalidArgument, 'page_token'),
    );
    await assert.rejects(
      owner.listRobotsPage(location.id, { pageSize: 2, pageToken: Buffer.from('{"a":1}').toString('base64url') }),
      hasCode(Code.InvalidArgument, 'page_token'),
    );
    await assert.rejects(owner.listRobotsPage(location.id, { pageSize: 0 }), hasCode(Code.InvalidArgument, 'hangar-page-size'));
    await assert.rejects(owner.listRobotsPage(location.id, { pageSize: 5000 }), hasCode(Code.InvalidArgument, 'hangar-page-size'));
    await assert.rejects(owner.listRobotsPage(location.id, { pageSize: 1.5 }), hasCode(Code.InvalidArgument, 'hangar-page-size'));
  });

  it('renames a machine, keeping its location and refusing a name another machine has', async () => {
    const { location, owner } = await seedOrg(server());
    const robotId = await owner.newRobot('old-name', location.id);
    await owner.newRobot('taken', location.id);
    const renamed = await owner.updateRobot(robotId, 'new-name', location.id);
    assert.equal(renamed.id, robotId);
    assert.equal(renamed.name, 'new-name');
    assert.equal(renamed.location, location.id);
    assert.equal((await owner.getRobot(robotId)).name, 'new-name');
    assert.deepEqual(
      (await owner.listRobots(location.id)).map((r) => r.name),
      ['new-name', 'taken'],
    );

    const before = await machineState(owner, robotId);
    await assert.rejects(owner.updateRobot(robotId, 'taken', location.id), hasCode(Code.AlreadyExists, 'taken'));
    await assert.rejects(owner.updateRobot(robotId, '', location.id), hasCode(Code.InvalidArgument, 'name'));
    await assert.rejects(owner.updateRobot(MISSING_ID, 'whatever', location.id), hasCode(Code.NotFound, MISSING_ID));
    assert.deepEqual(await machineState(owner, robotId), before);
    // Renaming to its own name is no clash.
    assert.equal((await owner.updateRobot(robotId, 'new-name', location.id)).name, 'new-name');
  });

  it('keeps the location when UpdateRobot carries location ""', async () => {
    const { location, owner } = await seedOrg(server());
    const robotId = await owner.newRobot('stay', location.id);
    // Our SDK, like Python's, sends location "" when given none.
    const updated = await owner.updateRobot(robotId, 'stayed');
    assert.equal(updated.location, location.id);
    assert.equal(updated.name, 'stayed');
    assert.deepEqual(
      (await owner.getRobotParts(robotId)).map((p) => p.locationId),
      [location.id],
    );
  });

  it('moves a machine with its parts to another location of the same organization', async () => {
    const { org, location, owner } = await seedOrg(server());
    const target = await owner.createLocation(org.id, 'Target');
    const { robotId, mainPart } = await newMachine(owner, location.id, 'mover');
    const armId = await owner.newRobotPart(robotId, 'mover-arm');
    await owner.updateRobotPart(mainPart.id, mainPart.name, { components: [{ name: 'm', type: 'motor' }] });

    const moved = await owner.updateRobot(robotId, 'mover', target.id);
    assert.equal(moved.location, target.id);
    assert.equal(moved.name, 'mover');
    const parts = await owner.getRobotParts(robotId);
    assert.deepEqual(
      parts.map((p) => [p.id, p.locationId]),
      [
        [mainPart.id, target.id],
        [armId, target.id],
      ],
    );
    assert.deepEqual(
      parts.map((p) => p.fqdn),
      [`mover-main.${target.id}.hangar.local`, `mover-arm.${target.id}.hangar.local`],
    );
    assert.deepEqual(parts[0]?.robotConfig, { components: [{ name: 'm', type: 'motor' }] }, 'the config moves along');
    assert.deepEqual(
      (await owner.listRobots(location.id)).map((r) => r.id),
      [],
    );
    assert.deepEqual(
      (await owner.listRobots(target.id)).map((r) => r.id),
      [robotId],
    );
    assert.equal((await owner.getRobotPartByNameAndLocation('mover-arm', target.id)).id, armId);
    await assert.rejects(owner.getRobotPartByNameAndLocation('mover-arm', location.id), hasCode(Code.NotFound));
    assert.equal((await owner.getLocation(location.id)).robotCount, 0);
    assert.equal((await owner.getLocation(target.id)).robotCount, 1);
    // The old location is empty now and can go.
    await owner.deleteLocation(location.id);
  });

  it('refuses a move whose part names clash in the target location, moving nothing', async () => {
    const { org, location, owner } = await seedOrg(server());
    const target = await owner.createLocation(org.id, 'Crowded');
    const robotId = await owner.newRobot('clasher', location.id);
    await owner.newRobotPart(robotId, 'shared-name');
    const resident = await owner.newRobot('resident', target.id);
    await owner.newRobotPart(resident, 'shared-name');
    const before = await machineState(owner, robotId);
    await assert.rejects(owner.updateRobot(robotId, 'clasher', target.id), hasCode(Code.AlreadyExists));
    assert.deepEqual(await machineState(owner, robotId), before, 'the machine and all its parts stay where they were');
    // A machine of the same name in the target location is a clash too.
    const twin = await owner.newRobot('resident', location.id);
    await assert.rejects(owner.updateRobot(twin, 'resident', target.id), hasCode(Code.AlreadyExists, 'resident'));
    assert.equal((await owner.getRobot(twin)).location, location.id);
  });

  it('answers NOT_FOUND for a move into a location of an organization the caller is not in, moving nothing', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const robotId = await a.owner.newRobot('homebody', a.location.id);
    const before = await machineState(a.owner, robotId);
    await assert.rejects(a.owner.updateRobot(robotId, 'homebody', b.location.id), hasCode(Code.NotFound, b.location.id));
    await assert.rejects(a.owner.updateRobot(robotId, 'homebody', MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
    assert.deepEqual(await machineState(a.owner, robotId), before);
    assert.deepEqual(await b.owner.listRobots(b.location.id), []);
  });

  it('lets no role filed in one organization reach a machine in another through a move', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const robotId = await a.owner.newRobot('emigrant', a.location.id);
    const key = await newKey(a.owner, a.org.id, { role: 'operator', resourceType: 'robot', resourceId: robotId });
    const keyClient = await s.connect({ type: 'api-key', keyId: key.id, key: key.key });
    // The admin key owns both organizations. Either the move across organizations is refused (as a parent
    // location of another organization is), or the machine arrives without organization a's roles on it.
    let refused = false;
    try {
      await s.client.updateRobot(robotId, 'emigrant', b.location.id);
    } catch (err) {
      hasCode(Code.InvalidArgument, b.location.id)(err);
      refused = true;
    }
    if (refused) {
      assert.equal((await keyClient.getRobot(robotId)).location, a.location.id);
      return;
    }
    assert.equal((await s.client.getRobot(robotId)).location, b.location.id);
    await assert.rejects(
      keyClient.getRobot(robotId),
      hasCode(Code.NotFound, robotId),
      'a key of organization a still reaches the machine in b',
    );
    assert.deepEqual(await s.client.listAuthorizations(a.org.id, [robotId]), []);
  });

  it('deletes a machine with its parts, their secrets and history, and the roles on it', async () => {
    const s = server();
    const { org, location, owner } = await seedOrg(s);
    const { robotId, mainPart } = await newMachine(owner, location.id, 'doomed');
    const sideId = await owner.newRobotPart(robotId, 'doomed-side');
    await owner.createRobotPartSecret(sideId);
    await owner.updateRobotPart(mainPart.id, 'doomed-main', { debug: true });
    await owner.updateRobotPart(sideId, 'doomed-side-2');
    const robotKey = await newKey(owner, org.id, { role: 'operator', resourceType: 'robot', resourceId: robotId });
    assert.deepEqual(await machineRows(s, robotId), { robots: 1, parts: 2, secrets: 3, history: 2, authorizations: 1 });
    assert.deepEqual(
      (await owner.listAuthorizations(org.id, [robotId])).map((a) => [a.identityId, a.authorizationId]),
      [[robotKey.id, 'robot_operator']],
    );

    await owner.deleteRobot(robotId);
    await assert.rejects(owner.getRobot(robotId), hasCode(Code.NotFound, robotId));
    await assert.rejects(owner.getRobotParts(robotId), hasCode(Code.NotFound, robotId));
    await assert.rejects(owner.getRobotPart(mainPart.id), hasCode(Code.NotFound, mainPart.id));
    await assert.rejects(owner.getRobotPart(sideId), hasCode(Code.NotFound, sideId));
    await assert.rejects(owner.getRobotPartHistory(mainPart.id), hasCode(Code.NotFound, mainPart.id));
    await assert.rejects(owner.getRobotPartByNameAndLocation('doomed-side-2', location.id), hasCode(Code.NotFound));
    assert.deepEqual(await machineRows(s, robotId), { robots: 0, parts: 0, secrets: 0, history: 0, authorizations: 0 });
    assert.deepEqual(await owner.listAuthorizations(org.id, [robotId]), []);
    assert.ok(!(await owner.listAuthorizations(org.id)).some((a) => a.resourceId === robotId));
    // The key itself stays, holding nothing.
    assert.deepEqual((await owner.listKeys(org.id)).find((k) => k.apiKey?.id === robotKey.id)?.authorizations, []);
    await assert.rejects(owner.deleteRobot(robotId), hasCode(Code.NotFound, robotId));
    // Its names are free again.
    const again = await owner.newRobot('doomed', location.id);
    assert.deepEqual(
      (await owner.getRobotParts(again)).map((p) => p.name),
      ['doomed-main'],
    );
    await owner.newRobotPart(again, 'doomed-side-2');
  });

  it("counts a location's machines in Location.robot_count", async () => {
    const { org, location, owner } = await seedOrg(server());
    assert.equal((await owner.getLocation(location.id)).robotCount, 0);
    const first = await owner.newRobot('one', location.id);
    await owner.newRobot('two', location.id);
    assert.equal((await owner.getLocation(location.id)).robotCount, 2);
    assert.equal((await owner.listLocations(org.id)).find((l) => l.id === location.id)?.robotCount, 2);
    await owner.newRobotPart(first, 'one-extra');
    assert.equal((await owner.getLocation(location.id)).robotCount, 2, 'parts are not machines');
    await owner.deleteRobot(first);
    assert.equal((await owner.getLocation(location.id)).robotCount, 1);
  });

  it('refuses to delete a location that still has machines, deleting nothing', async () => {
    const { location, owner } = await seedOrg(server());
    const robotId = await owner.newRobot('anchor', location.id);
    const before = await locationMachines(owner, location.id);
    await assert.rejects(owner.deleteLocation(location.id), hasCode(Code.FailedPrecondition, 'machine'));
    assert.equal((await owner.getLocation(location.id)).robotCount, 1);
    assert.deepEqual(await locationMachines(owner, location.id), before);
    await owner.deleteRobot(robotId);
    await owner.deleteLocation(location.id);
    await assert.rejects(owner.getLocation(location.id), hasCode(Code.NotFound));
  });

  it('has no rover rental machines', async () => {
    const { org, owner, operator } = await seedOrg(server());
    assert.deepEqual(await owner.getRoverRentalRobots(org.id), []);
    assert.deepEqual(await operator.getRoverRentalRobots(org.id), []);
    await assert.rejects(owner.getRoverRentalRobots(MISSING_ID), hasCode(Code.NotFound));
  });

  it('lets a location operator list and get machines but not create, rename, move or delete them', async () => {
    const { org, location, owner, operator } = await seedOrg(server());
    const robotId = await owner.newRobot('guarded', location.id);
    const elsewhere = await owner.createLocation(org.id, 'Elsewhere');
    const before = await locationMachines(owner, location.id);
    assert.deepEqual(
      (await operator.listRobots(location.id)).map((r) => r.id),
      [robotId],
    );
    assert.equal((await operator.getRobot(robotId)).name, 'guarded');
    assert.deepEqual(
      (await operator.getRobotParts(robotId)).map((p) => p.name),
      ['guarded-main'],
    );
    await assert.rejects(operator.newRobot('intruder', location.id), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.updateRobot(robotId, 'hijacked', location.id), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.updateRobot(robotId, 'hijacked'), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.deleteRobot(robotId), hasCode(Code.PermissionDenied));
    // The other location is outside the operator's reach altogether.
    await assert.rejects(operator.updateRobot(robotId, 'guarded', elsewhere.id), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.listRobots(elsewhere.id), hasCode(Code.NotFound, elsewhere.id));
    assert.deepEqual(await locationMachines(owner, location.id), before);
    assert.deepEqual(await owner.listRobots(elsewhere.id), []);
  });

  it('lets a key scoped to one machine see that machine only', async () => {
    const s = server();
    const { org, location, owner } = await seedOrg(s);
    const mine = await owner.newRobot('mine', location.id);
    const theirs = await owner.newRobot('theirs', location.id);
    const key = await newKey(owner, org.id, { role: 'operator', resourceType: 'robot', resourceId: mine });
    const robotClient = await s.connect({ type: 'api-key', keyId: key.id, key: key.key });
    assert.equal((await robotClient.getRobot(mine)).name, 'mine');
    assert.deepEqual(
      (await robotClient.getRobotParts(mine)).map((p) => p.name),
      ['mine-main'],
    );
    await assert.rejects(robotClient.getRobot(theirs), hasCode(Code.NotFound, theirs));
    await assert.rejects(robotClient.getRobotParts(theirs), hasCode(Code.NotFound, theirs));
    await assert.rejects(robotClient.listRobots(location.id), hasCode(Code.NotFound, location.id));
    await assert.rejects(robotClient.newRobot('sneaky', location.id), hasCode(Code.NotFound, location.id));
    // An operator of the machine may not change it.
    await assert.rejects(robotClient.updateRobot(mine, 'renamed'), hasCode(Code.PermissionDenied));
    await assert.rejects(robotClient.deleteRobot(mine), hasCode(Code.PermissionDenied));
    assert.deepEqual(
      (await owner.listRobots(location.id)).map((r) => r.name),
      ['mine', 'theirs'],
    );
  });
});
