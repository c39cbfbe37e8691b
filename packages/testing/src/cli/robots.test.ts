import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AppClient } from '@hangar/sdk';
import { Code, hasCode } from '../assertions.js';
import { newMachine } from '../fleet.js';
import { seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { assertError, cliFor, cliLoginWithKey, jsonError, loginWithKey, setPartLastAccess, textTable, unique } from './helpers.js';
import { tempHome } from '../cli.js';

interface RobotJson {
  id: string;
  name: string;
  locationId: string;
  locationName: string | null;
  organizationId: string | null;
  status: 'online' | 'offline' | 'awaiting-setup';
  lastAccess: string | null;
  createdOn: string | null;
}

interface PartJson {
  id: string;
  name: string;
  mainPart: boolean;
  status: 'online' | 'offline' | 'awaiting-setup';
  lastAccess: string | null;
  fqdn: string;
}

async function createdOn(client: AppClient, robotId: string): Promise<string | null> {
  return (await client.getRobot(robotId)).createdOn?.toDate().toISOString() ?? null;
}

await describeEngines('hangar robots', (server) => {
  it('lists machines with location and status (online, offline, awaiting setup) as JSON and as a table, filtered', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Fleet'));
    const yard = await a.owner.createLocation(a.org.id, 'Yard');
    const empty = await a.owner.createLocation(a.org.id, 'Empty');
    const rover = await newMachine(a.owner, a.location.id, 'rover');
    const arm = await newMachine(a.owner, yard.id, 'arm');
    const crane = await newMachine(a.owner, yard.id, 'crane');
    const now = s.clock.now().getTime();
    const recent = await setPartLastAccess(s, rover.mainPart.id, new Date(now - 5_000));
    const old = await setPartLastAccess(s, arm.mainPart.id, new Date(now - 3_600_000));
    const cli = await loginWithKey(s, a.ownerKey);

    const robot = async (
      id: string,
      name: string,
      l: { id: string; name: string },
      status: RobotJson['status'],
      lastAccess: string | null,
    ) => ({
      id,
      name,
      locationId: l.id,
      locationName: l.name,
      organizationId: a.org.id,
      status,
      lastAccess,
      createdOn: await createdOn(a.owner, id),
    });
    // By location name ("Fleet … HQ" before "Yard"), then by machine name.
    const expected: RobotJson[] = [
      await robot(rover.robotId, 'rover', a.location, 'online', recent),
      await robot(arm.robotId, 'arm', yard, 'offline', old),
      await robot(crane.robotId, 'crane', yard, 'awaiting-setup', null),
    ];
    const all = await cli(['robots', 'list', '--json']);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(all.json(), expected);
    const inOrg = await cli(['robots', 'list', '--org-id', a.org.id, '--json']);
    assert.deepEqual(inOrg.json(), expected);

    const human = await cli(['robots', 'list', '--location', 'Yard', '--organization', a.org.name]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(
      human.stdout,
      textTable([
        ['NAME', 'ID', 'LOCATION', 'STATUS'],
        ['arm', arm.robotId, 'Yard', 'offline'],
        ['crane', crane.robotId, 'Yard', 'awaiting setup'],
      ]),
    );

    const none = await cli(['robots', 'list', '--location-id', empty.id]);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, '');
    assert.equal(none.stderr, 'No machines in this location.\n');
  });

  it("shows a machine's status with its parts, main part first, and one part's status", async () => {
    const s = server();
    const a = await seedOrg(s, unique('Status'));
    const rover = await newMachine(a.owner, a.location.id, 'rover');
    const cameraId = await a.owner.newRobotPart(rover.robotId, 'camera');
    const camera = await a.owner.getRobotPart(cameraId);
    const seen = await setPartLastAccess(s, cameraId, new Date(s.clock.now().getTime() - 2_000));
    const cli = await loginWithKey(s, a.ownerKey);

    const robot: RobotJson = {
      id: rover.robotId,
      name: 'rover',
      locationId: a.location.id,
      locationName: a.location.name,
      organizationId: a.org.id,
      status: 'online',
      lastAccess: seen,
      createdOn: await createdOn(a.owner, rover.robotId),
    };
    const mainPart: PartJson = {
      id: rover.mainPart.id,
      name: 'rover-main',
      mainPart: true,
      status: 'awaiting-setup',
      lastAccess: null,
      fqdn: rover.mainPart.fqdn,
    };
    const cameraPart: PartJson = { id: cameraId, name: 'camera', mainPart: false, status: 'online', lastAccess: seen, fqdn: camera.fqdn };
    const json = await cli(['robots', 'status', '--robot', 'rover', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(json.json(), { robot, parts: [mainPart, cameraPart] });

    const human = await cli(['robots', 'status', '--robot-id', rover.robotId]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(
      human.stdout,
      [
        `Machine:      "rover" (${rover.robotId})`,
        `Location:     "${a.location.name}" (${a.location.id})`,
        'Status:       online',
        `Last access:  ${seen}`,
        `Created:      ${robot.createdOn}`,
        '',
        textTable([
          ['PART', 'ID', 'MAIN', 'STATUS', 'LAST ACCESS'],
          ['rover-main', rover.mainPart.id, 'yes', 'awaiting setup', 'never'],
          ['camera', cameraId, 'no', 'online', seen],
        ]),
      ].join('\n'),
    );

    // Part names match case-insensitively when nothing matches exactly.
    const part = await cli(['robots', 'part', 'status', '--robot', 'rover', '--part', 'CAMERA', '--json']);
    assert.equal(part.code, 0, part.stderr);
    assert.deepEqual(part.json(), { robot, part: cameraPart, agent: null, restartPending: false });
  });

  it('refuses a machine name found in two locations, listing the ids (exit 1), until --location narrows it', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Twins'));
    const dock = await a.owner.createLocation(a.org.id, 'Dock');
    const here = await a.owner.newRobot('twin', a.location.id);
    const there = await a.owner.newRobot('twin', dock.id);
    const cli = await loginWithKey(s, a.ownerKey);

    const r = await cli(['robots', 'status', '--robot', 'twin']);
    assertError(r, 1, '2 machines are named "twin"', 'pass the id instead: --robot <id>, or narrow the search with --location');
    assert.ok(r.stderr.includes(`${here} (location "${a.location.name}")`) && r.stderr.includes(`${there} (location "Dock")`), r.stderr);
    const json = await cli(['robots', 'rename', '--robot', 'twin', 'single', '--json']);
    assert.equal(json.code, 1);
    assert.equal(jsonError(json).code, 'INVALID_ARGUMENT');
    assert.equal((await a.owner.getRobot(here)).name, 'twin', 'nothing was renamed');

    const narrowed = await cli(['robots', 'status', '--robot', 'twin', '--location', 'Dock', '--json']);
    assert.equal(narrowed.code, 0, narrowed.stderr);
    assert.equal(narrowed.json<{ robot: RobotJson }>().robot.id, there);

    assertError(
      await cli(['robots', 'status', '--robot', 'nothing']),
      1,
      'no machine named "nothing" in your locations',
      'hangar robots list',
    );
    assertError(
      await cli(['robots', 'status', '--robot', here, '--location', 'Dock']),
      1,
      `machine "twin" (${here}) is not in location "Dock"`,
      'drop --location',
    );
  });

  it('creates, renames, moves and deletes a machine; delete asks for --yes when not on a terminal (exit 2)', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Lifecycle'));
    const b = await seedOrg(s, unique('Elsewhere'));
    const shed = await a.owner.createLocation(a.org.id, 'Shed');
    const cli = await loginWithKey(s, a.ownerKey);

    const created = await cli(['robots', 'create', '--location', a.location.name, 'rover', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const robot = created.json<RobotJson>();
    assert.deepEqual(robot, {
      id: robot.id,
      name: 'rover',
      locationId: a.location.id,
      locationName: a.location.name,
      organizationId: a.org.id,
      status: 'awaiting-setup',
      lastAccess: null,
      createdOn: await createdOn(a.owner, robot.id),
    });
    const [main] = await a.owner.getRobotParts(robot.id);
    assert.equal(main?.name, 'rover-main');

    const human = await cli(['robots', 'create', '--location-id', shed.id, 'arm']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /^Created machine "arm" \([0-9a-f-]{36}\) in location "Shed", with main part "arm-main" \([0-9a-f-]{36}\)\.\n$/,
    );

    const renamed = await cli(['robots', 'rename', '--robot', 'rover', 'scout']);
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.equal(renamed.stdout, `Renamed machine ${robot.id} from "rover" to "scout".\n`);

    const moved = await cli(['robots', 'move', '--robot', 'scout', '--location', 'Shed', '--json']);
    assert.equal(moved.code, 0, moved.stderr);
    assert.deepEqual(moved.json(), { ...robot, name: 'scout', locationId: shed.id, locationName: 'Shed' });
    assert.equal((await a.owner.getRobot(robot.id)).location, shed.id);
    // A location of another organization is out of sight of this key.
    assertError(
      await cli(['robots', 'move', '--robot', robot.id, '--location', b.location.id]),
      1,
      `location "${b.location.id}" not found`,
      'hangar robots list',
    );

    assertError(await cli(['robots', 'delete', '--robot', 'scout']), 2, `refusing to delete machine "scout" (${robot.id})`, '--yes');
    const deleted = await cli(['robots', 'delete', '--robot', 'scout', '--yes', '--json']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(deleted.json(), { ...robot, name: 'scout', locationId: shed.id, locationName: 'Shed', deleted: true });
    await assert.rejects(a.owner.getRobot(robot.id), hasCode(Code.NotFound));
  });

  it('lets an operator key list machines and restart parts, but not delete or create machines: PERMISSION_DENIED, exit 1', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Operated'));
    const rover = await newMachine(a.owner, a.location.id, 'rover');
    const operator = await loginWithKey(s, a.operatorKey);

    const listed = await operator(['robots', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      listed.json<RobotJson[]>().map((r) => r.id),
      [rover.robotId],
    );
    const refused = await operator(['robots', 'delete', '--robot', 'rover', '--yes', '--json']);
    assert.equal(refused.code, 1);
    assert.equal(jsonError(refused).code, 'PERMISSION_DENIED');
    assert.equal((await a.owner.getRobot(rover.robotId)).id, rover.robotId, 'the machine is still there');
    assertError(
      await operator(['robots', 'create', '--location', a.location.id, 'intruder']),
      1,
      `API key ${a.operatorKey.id} may not change machines of location ${a.location.id}`,
      'lacks the role this needs',
    );
    const restarted = await operator(['robots', 'part', 'restart', '--robot', 'rover', '--part', 'rover-main']);
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.equal(
      restarted.stdout,
      `Marked part "rover-main" (${rover.mainPart.id}) for restart; it restarts the next time it checks in.\n`,
    );
  });

  it('creates a machine API key (--robot-id takes a name) whose session can read that machine', async () => {
    const s = server();
    const a = await seedOrg(s, unique('MachineKey'));
    const rover = await newMachine(a.owner, a.location.id, 'rover');
    const cli = await loginWithKey(s, a.ownerKey);
    const r = await cli(['robots', 'api-key', 'create', '--robot-id', 'rover', '--name', 'rover-key', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const key = r.json<{ id: string; key: string }>();
    assert.deepEqual(
      { ...key, id: '', key: '' },
      { id: '', key: '', name: 'rover-key', organizationId: a.org.id, role: 'owner', resourceType: 'robot', resourceId: rover.robotId },
    );
    assert.match(
      r.stderr,
      /^warning: keep this key safe: it gives full read and write access to machine "rover", and it is shown only this once\n$/,
    );

    const withKey = await cliLoginWithKey(s, key);
    const status = await withKey(['robots', 'status', '--robot', rover.robotId, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const got = status.json<{ robot: RobotJson; parts: PartJson[] }>();
    assert.equal(got.robot.id, rover.robotId);
    assert.deepEqual(
      got.parts.map((p) => p.id),
      [rover.mainPart.id],
    );

    const explicit = await cli(['robots', 'api-key', 'create', '--robot', rover.robotId, '--org-id', a.org.name]);
    assert.equal(explicit.code, 0, explicit.stderr);
    assert.match(explicit.stdout, /^Key ID: {2}[0-9a-f-]{36}\nKey: {5}\S+\nName: {4}\S+\n$/);
  });

  it('exits 2 on missing flags before signing in, and answers to the "machines" alias', async () => {
    const s = server();
    const fresh = cliFor(s, await tempHome());
    assertError(await fresh(['robots', 'status']), 2, "required option '--robot <robot>' not specified", 'hangar robots list');
    assertError(
      await fresh(['robots', 'part', 'status', '--part', 'main']),
      2,
      "required option '--robot <robot>' not specified",
      'or the part by its id alone',
    );
    const a = await seedOrg(s, unique('Alias'));
    const cli = await loginWithKey(s, a.ownerKey);
    const r = await cli(['machines', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json(), []);
  });
});
