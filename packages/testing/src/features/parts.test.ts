/** Machine parts: NewRobotPart, GetRobotPart(s), UpdateRobotPart, DeleteRobotPart, main parts, restarts and secrets. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import type { JsonObject } from '@hangar/sdk';
import { Code, hasCode } from '../assertions.js';
import { machineState, newMachine } from '../fleet.js';
import { MISSING_ID, seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A config using the well-known keys, unknown ones, and every kind of JSON value. */
const RICH_CONFIG: JsonObject = {
  components: [
    {
      name: 'left-motor',
      api: 'rdk:component:motor',
      model: 'gpio',
      attributes: {
        pins: { a: '11', b: '13', pwm: '15' },
        max_rpm: 500,
        ticks_per_rotation: 0,
        inverted: false,
        offset: -1.25,
        board: null,
      },
      depends_on: ['local'],
    },
  ],
  services: [],
  modules: [{ type: 'registry', name: 'viam_hoverboard', module_id: 'viam:hoverboard', version: 'latest' }],
  fragments: ['6f1c2a5e-4c1b-4a6e-9f0d-1a2b3c4d5e6f'],
  network: { bind_address: ':8080', sessions: { heartbeat_window: '2s' } },
  debug: true,
  my_custom_section: { nested: { deeper: [1, 'two', true, null, { three: 3 }] } },
  a_null: null,
  a_number: 42,
  a_string: 'kept as sent',
};

await describeEngines('machine parts', (server) => {
  it("adds a part that is not main, with one secret, an empty config and the machine's location", async () => {
    const { location, owner } = await seedOrg(server());
    const { robotId, mainPart } = await newMachine(owner, location.id, 'base');
    const armId = await owner.newRobotPart(robotId, 'base-arm');
    assert.match(armId, UUID);
    const parts = await owner.getRobotParts(robotId);
    assert.deepEqual(
      parts.map((p) => [p.id, p.name, p.mainPart]),
      [
        [mainPart.id, 'base-main', true],
        [armId, 'base-arm', false],
      ],
    );
    const arm = await owner.getRobotPart(armId);
    assert.equal(arm.robot, robotId);
    assert.equal(arm.locationId, location.id);
    assert.equal(arm.fqdn, `base-arm.${location.id}.hangar.local`);
    assert.equal(arm.localFqdn, `base-arm.${location.id}.local.hangar.local`);
    assert.ok(arm.proto.robotConfig !== undefined);
    assert.deepEqual(arm.robotConfig, {});
    assert.equal(arm.secrets.length, 1);
    assert.notEqual(arm.secrets[0]?.secret, mainPart.secrets[0]?.secret, 'every part has its own secret');
    await assert.rejects(owner.newRobotPart(MISSING_ID, 'lost'), hasCode(Code.NotFound, MISSING_ID));
    await assert.rejects(owner.newRobotPart(robotId, ''), hasCode(Code.InvalidArgument, 'part_name'));
  });

  it('lists the main part first, even when it is not the oldest', async () => {
    const { location, owner } = await seedOrg(server());
    const { robotId, mainPart } = await newMachine(owner, location.id, 'order');
    const second = await owner.newRobotPart(robotId, 'order-second');
    const third = await owner.newRobotPart(robotId, 'order-third');
    assert.deepEqual(
      (await owner.getRobotParts(robotId)).map((p) => p.id),
      [mainPart.id, second, third],
    );
    await owner.markPartAsMain(third);
    assert.deepEqual(
      (await owner.getRobotParts(robotId)).map((p) => p.id),
      [third, mainPart.id, second],
    );
  });

  it('gets a part, writing its config to dest indented by 4 spaces, or as asked', async () => {
    const { location, owner } = await seedOrg(server());
    const { mainPart } = await newMachine(owner, location.id, 'writer');
    await owner.updateRobotPart(mainPart.id, mainPart.name, RICH_CONFIG);
    const dir = await mkdtemp(join(tmpdir(), 'hangar-part-'));
    try {
      const four = join(dir, 'four.json');
      const part = await owner.getRobotPart(mainPart.id, { dest: four });
      assert.equal(part.id, mainPart.id);
      assert.deepEqual(part.robotConfig, RICH_CONFIG);
      const text = await readFile(four, 'utf8');
      assert.equal(text, JSON.stringify(RICH_CONFIG, null, 4));
      assert.ok(text.includes('\n    "components": [\n        {\n'), 'indented by 4');
      assert.deepEqual(JSON.parse(text), RICH_CONFIG);

      const two = join(dir, 'two.json');
      await owner.getRobotPart(mainPart.id, { dest: two, indent: 2 });
      const text2 = await readFile(two, 'utf8');
      assert.equal(text2, JSON.stringify(RICH_CONFIG, null, 2));
      assert.ok(text2.includes('\n  "components": [\n    {\n'), 'indented by 2');

      // An empty config is written as {}.
      const { mainPart: bare } = await newMachine(owner, location.id, 'bare');
      const empty = join(dir, 'empty.json');
      await owner.getRobotPart(bare.id, { dest: empty });
      assert.equal(await readFile(empty, 'utf8'), '{}');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await assert.rejects(owner.getRobotPart(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
    await assert.rejects(owner.getRobotPart('nope'), hasCode(Code.InvalidArgument, 'id'));
  });

  it('finds a part by its name and location', async () => {
    const { org, location, owner, operator } = await seedOrg(server());
    const { robotId } = await newMachine(owner, location.id, 'finder');
    const gripperId = await owner.newRobotPart(robotId, 'finder-gripper');
    const found = await owner.getRobotPartByNameAndLocation('finder-gripper', location.id);
    assert.equal(found.id, gripperId);
    assert.equal(found.robot, robotId);
    assert.equal((await operator.getRobotPartByNameAndLocation('finder-main', location.id)).mainPart, true);
    await assert.rejects(owner.getRobotPartByNameAndLocation('finder-nothing', location.id), hasCode(Code.NotFound, 'finder-nothing'));
    const other = await owner.createLocation(org.id, 'Other');
    await assert.rejects(owner.getRobotPartByNameAndLocation('finder-gripper', other.id), hasCode(Code.NotFound, 'finder-gripper'));
    await assert.rejects(owner.getRobotPartByNameAndLocation('finder-gripper', MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
  });

  it('renames a part and replaces its config, keeping unknown keys and every JSON value as sent', async () => {
    const { location, owner } = await seedOrg(server());
    const { mainPart } = await newMachine(owner, location.id, 'cfg');
    const updated = await owner.updateRobotPart(mainPart.id, 'cfg-renamed', RICH_CONFIG);
    assert.equal(updated.id, mainPart.id);
    assert.equal(updated.name, 'cfg-renamed');
    assert.equal(updated.dnsName, 'cfg-renamed');
    assert.equal(updated.fqdn, `cfg-renamed.${location.id}.hangar.local`);
    assert.deepEqual(updated.robotConfig, RICH_CONFIG);
    const read = await owner.getRobotPart(mainPart.id);
    assert.deepEqual(read.robotConfig, RICH_CONFIG);
    assert.equal(read.name, 'cfg-renamed');
    assert.deepEqual(read.secrets, mainPart.secrets, 'an update leaves the secrets alone');
    assert.equal(read.mainPart, true);
    // A new config replaces the old one whole, not merged into it.
    const replaced = await owner.updateRobotPart(mainPart.id, 'cfg-renamed', {
      services: [{ name: 'nav', api: 'rdk:service:navigation' }],
    });
    assert.deepEqual(replaced.robotConfig, { services: [{ name: 'nav', api: 'rdk:service:navigation' }] });
  });

  it('keeps the config when an update carries none', async () => {
    const { location, owner } = await seedOrg(server());
    const { mainPart } = await newMachine(owner, location.id, 'keep');
    await owner.updateRobotPart(mainPart.id, 'keep-main', RICH_CONFIG);
    const renamed = await owner.updateRobotPart(mainPart.id, 'keep-renamed');
    assert.equal(renamed.name, 'keep-renamed');
    assert.deepEqual(renamed.robotConfig, RICH_CONFIG);
    assert.deepEqual((await owner.getRobotPart(mainPart.id)).robotConfig, RICH_CONFIG);
    // An empty object is a config too: it clears the old one.
    assert.deepEqual((await owner.updateRobotPart(mainPart.id, 'keep-renamed', {})).robotConfig, {});
  });

  it('refuses a config whose well-known keys have the wrong shape, naming the key, and changes nothing', async () => {
    const { location, owner } = await seedOrg(server());
    const { robotId, mainPart } = await newMachine(owner, location.id, 'strict');
    await owner.updateRobotPart(mainPart.id, 'strict-main', { components: [{ name: 'cam', type: 'camera' }] });
    const before = await machineState(owner, robotId);
    await assert.rejects(
      owner.updateRobotPart(mainPart.id, 'strict-main', { components: 'x' }),
      hasCode(Code.InvalidArgument, 'components'),
    );
    await assert.rejects(owner.updateRobotPart(mainPart.id, 'strict-main', { debug: 'yes' }), hasCode(Code.InvalidArgument, 'debug'));
    await assert.rejects(
      owner.updateRobotPart(mainPart.id, 'strict-main', { services: { a: 1 } }),
      hasCode(Code.InvalidArgument, 'services'),
    );
    await assert.rejects(
      owner.updateRobotPart(mainPart.id, 'strict-main', { components: [1] }),
      hasCode(Code.InvalidArgument, 'components[0]'),
    );
    await assert.rejects(owner.updateRobotPart(mainPart.id, 'strict-main', { network: [] }), hasCode(Code.InvalidArgument, 'network'));
    // A bad config is refused whole, even alongside a valid rename.
    await assert.rejects(owner.updateRobotPart(mainPart.id, 'strict-new-name', { debug: 1 }), hasCode(Code.InvalidArgument, 'debug'));
    await assert.rejects(owner.updateRobotPart(mainPart.id, ''), hasCode(Code.InvalidArgument, 'name'));
    await assert.rejects(owner.updateRobotPart(mainPart.id, '   ', {}), hasCode(Code.InvalidArgument, 'name'));
    await assert.rejects(owner.updateRobotPart(MISSING_ID, 'ghost', {}), hasCode(Code.NotFound, MISSING_ID));
    assert.deepEqual(await machineState(owner, robotId), before);
  });

  it('keeps part names unique within a location', async () => {
    const { org, location, owner } = await seedOrg(server());
    const { robotId } = await newMachine(owner, location.id, 'uniq');
    const other = await newMachine(owner, location.id, 'other');
    const sensorId = await owner.newRobotPart(robotId, 'sensor');
    await owner.newRobotPart(robotId, 'ghost-main');
    const before = await machineState(owner, robotId);
    const otherBefore = await machineState(owner, other.robotId);
    await assert.rejects(owner.newRobotPart(robotId, 'sensor'), hasCode(Code.AlreadyExists, 'sensor'));
    await assert.rejects(
      owner.newRobotPart(other.robotId, 'sensor'),
      hasCode(Code.AlreadyExists, 'sensor'),
      'another machine of the location',
    );
    await assert.rejects(owner.newRobotPart(other.robotId, 'uniq-main'), hasCode(Code.AlreadyExists, 'uniq-main'));
    await assert.rejects(owner.updateRobotPart(other.mainPart.id, 'sensor'), hasCode(Code.AlreadyExists, 'sensor'));
    // Nor may a new machine take a name whose main part would clash.
    await assert.rejects(owner.newRobot('ghost', location.id), hasCode(Code.AlreadyExists, 'ghost-main'));
    assert.deepEqual(
      (await owner.listRobots(location.id)).map((r) => r.name),
      ['other', 'uniq'],
    );
    assert.deepEqual(await machineState(owner, robotId), before);
    assert.deepEqual(await machineState(owner, other.robotId), otherBefore);
    // The same name in another location is fine.
    const elsewhere = await owner.createLocation(org.id, 'Elsewhere');
    const far = await owner.newRobot('far', elsewhere.id);
    assert.notEqual(await owner.newRobotPart(far, 'sensor'), sensorId);
  });

  it('gives every part of a location its own fqdn', async () => {
    const { location, owner } = await seedOrg(server());
    const { robotId } = await newMachine(owner, location.id, 'dns');
    await owner.newRobotPart(robotId, 'my-arm');
    // 'My Arm' has the DNS label of 'my-arm': either it is refused as a clash, or it gets another fqdn.
    let outcome = 'created';
    try {
      await owner.newRobotPart(robotId, 'My Arm');
    } catch (err) {
      hasCode(Code.AlreadyExists)(err);
      outcome = 'refused';
    }
    const { robotId: otherRobot, mainPart } = await newMachine(owner, location.id, 'other');
    try {
      await owner.updateRobotPart(mainPart.id, 'MY_ARM');
    } catch (err) {
      hasCode(Code.AlreadyExists)(err);
    }
    const fqdns = [...(await owner.getRobotParts(robotId)), ...(await owner.getRobotParts(otherRobot))].map((p) => p.fqdn);
    assert.equal(
      new Set(fqdns).size,
      fqdns.length,
      `two parts of one location share an fqdn ('My Arm' ${outcome}): ${JSON.stringify(fqdns)}`,
    );
  });

  it('deletes a part, but not the main part while the machine has others', async () => {
    const { location, owner } = await seedOrg(server());
    const { robotId, mainPart } = await newMachine(owner, location.id, 'trim');
    const sideId = await owner.newRobotPart(robotId, 'trim-side');
    const before = await machineState(owner, robotId);
    await assert.rejects(owner.deleteRobotPart(mainPart.id), hasCode(Code.FailedPrecondition, 'main'));
    assert.deepEqual(await machineState(owner, robotId), before);
    await owner.deleteRobotPart(sideId);
    assert.deepEqual(
      (await owner.getRobotParts(robotId)).map((p) => p.id),
      [mainPart.id],
    );
    await assert.rejects(owner.getRobotPart(sideId), hasCode(Code.NotFound, sideId));
    await assert.rejects(owner.deleteRobotPart(sideId), hasCode(Code.NotFound, sideId));
    // Its name is free again.
    await owner.newRobotPart(robotId, 'trim-side');
  });

  it('deletes the main part once it is the last, and makes the next new part main', async () => {
    const { location, owner } = await seedOrg(server());
    const { robotId, mainPart } = await newMachine(owner, location.id, 'phoenix');
    await owner.deleteRobotPart(mainPart.id);
    assert.deepEqual(await owner.getRobotParts(robotId), []);
    assert.equal((await owner.getRobot(robotId)).name, 'phoenix', 'the machine stays');
    const reborn = await owner.newRobotPart(robotId, 'phoenix-reborn');
    assert.deepEqual(
      (await owner.getRobotParts(robotId)).map((p) => [p.id, p.mainPart]),
      [[reborn, true]],
    );
    const second = await owner.newRobotPart(robotId, 'phoenix-second');
    assert.deepEqual(
      (await owner.getRobotParts(robotId)).map((p) => [p.id, p.mainPart]),
      [
        [reborn, true],
        [second, false],
      ],
    );
  });

  it('marks exactly one part as main', async () => {
    const { location, owner } = await seedOrg(server());
    const { robotId, mainPart } = await newMachine(owner, location.id, 'crown');
    const b = await owner.newRobotPart(robotId, 'crown-b');
    const c = await owner.newRobotPart(robotId, 'crown-c');
    const mains = async () => Object.fromEntries((await owner.getRobotParts(robotId)).map((p) => [p.id, p.mainPart]));
    await owner.markPartAsMain(c);
    assert.deepEqual(await mains(), { [mainPart.id]: false, [b]: false, [c]: true });
    await owner.markPartAsMain(c);
    assert.deepEqual(await mains(), { [mainPart.id]: false, [b]: false, [c]: true }, 'marking the main part again changes nothing');
    await owner.markPartAsMain(b);
    assert.deepEqual(await mains(), { [mainPart.id]: false, [b]: true, [c]: false });
    // The former main part can go now; the new one cannot.
    await owner.deleteRobotPart(mainPart.id);
    await assert.rejects(owner.deleteRobotPart(b), hasCode(Code.FailedPrecondition));
    await assert.rejects(owner.markPartAsMain(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
    assert.deepEqual(await mains(), { [b]: true, [c]: false });
  });

  it('marks a part for restart, which a location operator may do too', async () => {
    const { location, owner, operator } = await seedOrg(server());
    const { robotId, mainPart } = await newMachine(owner, location.id, 'restart');
    const before = await machineState(owner, robotId);
    await owner.markPartForRestart(mainPart.id);
    await operator.markPartForRestart(mainPart.id);
    assert.deepEqual(await machineState(owner, robotId), before, 'the restart flag is no visible change to the part');
    await assert.rejects(owner.markPartForRestart(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
  });

  it('lets a location operator read parts but not change them', async () => {
    const { location, owner, operator } = await seedOrg(server());
    const { robotId, mainPart } = await newMachine(owner, location.id, 'ro');
    const sideId = await owner.newRobotPart(robotId, 'ro-side');
    const before = await machineState(owner, robotId);
    assert.deepEqual(
      (await operator.getRobotParts(robotId)).map((p) => p.id),
      [mainPart.id, sideId],
    );
    assert.equal((await operator.getRobotPart(sideId)).name, 'ro-side');
    await assert.rejects(operator.newRobotPart(robotId, 'ro-new'), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.updateRobotPart(mainPart.id, 'ro-hacked', { debug: true }), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.deleteRobotPart(sideId), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.markPartAsMain(sideId), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.createRobotPartSecret(sideId), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.deleteRobotPartSecret(mainPart.id, mainPart.secrets[0]?.id ?? ''), hasCode(Code.PermissionDenied));
    assert.deepEqual(await machineState(owner, robotId), before);
  });

  it('adds a second secret to a part and refuses a third', async () => {
    const { location, owner } = await seedOrg(server());
    const { robotId, mainPart } = await newMachine(owner, location.id, 'keys');
    const original = mainPart.secrets[0];
    assert.ok(original !== undefined);
    const withTwo = await owner.createRobotPartSecret(mainPart.id);
    assert.equal(withTwo.id, mainPart.id);
    assert.equal(withTwo.secrets.length, 2);
    assert.deepEqual(withTwo.secrets[0]?.toJson(), original.toJson(), 'the old secret stays first and unchanged');
    const added = withTwo.secrets[1];
    assert.ok(added !== undefined);
    assert.match(added.id, UUID);
    assert.notEqual(added.secret, original.secret);
    assert.ok(added.secret.length >= 16);
    assert.equal(withTwo.secret, original.secret, 'the deprecated field still carries the first secret');
    assert.deepEqual(
      (await owner.getRobotPart(mainPart.id)).secrets.map((x) => x.id),
      [original.id, added.id],
    );
    const before = await machineState(owner, robotId);
    await assert.rejects(owner.createRobotPartSecret(mainPart.id), hasCode(Code.FailedPrecondition, '2'));
    assert.deepEqual(await machineState(owner, robotId), before);
    await assert.rejects(owner.createRobotPartSecret(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
  });

  it('deletes a secret but never the last one', async () => {
    const { location, owner } = await seedOrg(server());
    const { robotId, mainPart } = await newMachine(owner, location.id, 'rotate');
    const original = mainPart.secrets[0];
    assert.ok(original !== undefined);
    const added = (await owner.createRobotPartSecret(mainPart.id)).secrets[1];
    assert.ok(added !== undefined);

    await assert.rejects(owner.deleteRobotPartSecret(mainPart.id, MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
    await assert.rejects(owner.deleteRobotPartSecret(mainPart.id, 'not-a-uuid'), hasCode(Code.InvalidArgument, 'secret_id'));
    // A secret of another part is not this part's.
    const { mainPart: otherPart } = await newMachine(owner, location.id, 'stranger');
    await assert.rejects(owner.deleteRobotPartSecret(mainPart.id, otherPart.secrets[0]?.id ?? ''), hasCode(Code.NotFound));
    assert.equal((await owner.getRobotPart(otherPart.id)).secrets.length, 1);

    await owner.deleteRobotPartSecret(mainPart.id, original.id);
    const after = await owner.getRobotPart(mainPart.id);
    assert.deepEqual(
      after.secrets.map((x) => x.toJson()),
      [added.toJson()],
    );
    assert.equal(after.secret, added.secret, 'the deprecated field moves to the remaining secret');

    const before = await machineState(owner, robotId);
    await assert.rejects(owner.deleteRobotPartSecret(mainPart.id, added.id), hasCode(Code.FailedPrecondition, 'last'));
    await assert.rejects(owner.deleteRobotPartSecret(mainPart.id, original.id), hasCode(Code.NotFound, original.id), 'already deleted');
    assert.deepEqual(await machineState(owner, robotId), before);
  });
});
