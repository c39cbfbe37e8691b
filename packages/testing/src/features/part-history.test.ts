/** GetRobotPartHistory: every change of a part's name or config, with the part as it was and who changed it. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { JsonObject, RobotPartHistoryEntry } from '@hangar/sdk';
import { Code, hasCode } from '../assertions.js';
import { historyRowsOfParts, machineState, newMachine } from '../fleet.js';
import { MISSING_ID, seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { appApi } from '../viam.js';
import { grantRole, insertUser } from '../users.js';

/** What an entry says, without timestamps and secrets: [old name, old config, editor type, editor id]. */
function summary(e: RobotPartHistoryEntry): [string | undefined, JsonObject | undefined, number | undefined, string | undefined] {
  return [e.old?.name, e.old?.robotConfig, e.editedBy?.type, e.editedBy?.value];
}

await describeEngines('machine part history', (server) => {
  it('records every rename and reconfiguration with the part as it was and the API key that made it, newest first', async () => {
    const s = server();
    const { location, owner, ownerKey, operator } = await seedOrg(s);
    const { robotId, mainPart } = await newMachine(owner, location.id, 'hist');
    assert.deepEqual(await owner.getRobotPartHistory(mainPart.id), [], 'a new part has no history');

    const v1 = { components: [{ name: 'cam', api: 'rdk:component:camera', model: 'webcam' }] };
    const v2 = { ...v1, debug: true, custom: { n: 1.5, list: [null, false, 'x'] } };
    s.clock.advance(1000);
    await owner.updateRobotPart(mainPart.id, 'hist-main', v1);
    s.clock.advance(1000);
    await owner.updateRobotPart(mainPart.id, 'hist-renamed');
    s.clock.advance(1000);
    await owner.updateRobotPart(mainPart.id, 'hist-renamed', v2);
    s.clock.advance(1000);
    await owner.updateRobotPart(mainPart.id, 'hist-final', {});

    const history = await owner.getRobotPartHistory(mainPart.id);
    assert.deepEqual(history.map(summary), [
      ['hist-renamed', v2, appApi.AuthenticationType.API_KEY, ownerKey.id],
      ['hist-renamed', v1, appApi.AuthenticationType.API_KEY, ownerKey.id],
      ['hist-main', v1, appApi.AuthenticationType.API_KEY, ownerKey.id],
      ['hist-main', {}, appApi.AuthenticationType.API_KEY, ownerKey.id],
    ]);
    assert.equal(history[0]?.editedBy?.type, 2, 'API_KEY is 2 on the wire');
    for (const entry of history) {
      assert.equal(entry.part, mainPart.id);
      assert.equal(entry.robot, robotId);
      assert.equal(entry.old?.id, mainPart.id);
      assert.equal(entry.old.robot, robotId);
      assert.equal(entry.old.mainPart, true);
      assert.ok(entry.old.proto.robotConfig !== undefined, 'the old part carries its config even when empty');
      assert.equal(entry.editedBy?.isDeactivated, false);
    }
    // Newest first, at least a second apart as the clock moved.
    const times = history.map((e) => e.when?.getTime() ?? 0);
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i - 1] ?? 0) - (times[i] ?? 0);
      assert.ok(gap >= 1000 && gap < 10_000, `entry ${i - 1} is ${gap} ms newer than entry ${i}`);
    }
    // The oldest entry holds the part as it was created, without its secrets: those are credentials, and
    // one revoked later must not stay readable in the history.
    assert.ok(mainPart.secrets.length > 0);
    assert.deepEqual(history[3]?.old?.secrets, []);
    assert.equal(history[3].old.secret, '');
    assert.equal(history[3].old.fqdn, mainPart.fqdn);
    // The history is the same through a location operator.
    assert.deepEqual(
      (await operator.getRobotPartHistory(mainPart.id)).map((e) => e.proto.toJson()),
      history.map((e) => e.proto.toJson()),
    );
  });

  it("records a user's change as WEB_OAUTH with the user's id", async () => {
    const s = server();
    const { org, location, owner } = await seedOrg(s);
    const { mainPart } = await newMachine(owner, location.id, 'human');
    const person = await insertUser(s);
    const userId = person.id;
    // A member of the organization (as an accepted invitation makes one), first with the operator role.
    await grantRole(s, person, org.id, 'operator', 'organization', org.id);
    const user = await s.connect({ type: 'password', email: person.email, password: person.password });
    // An operator may not edit; an owner may.
    await assert.rejects(user.updateRobotPart(mainPart.id, 'human-main', { debug: true }), hasCode(Code.PermissionDenied));
    assert.deepEqual(await owner.getRobotPartHistory(mainPart.id), []);
    await owner.changeRole(org.id, userId, 'operator', 'organization', org.id, userId, 'owner', 'organization', org.id);
    await user.updateRobotPart(mainPart.id, 'human-main', { debug: true });
    const [entry, ...rest] = await owner.getRobotPartHistory(mainPart.id);
    assert.deepEqual(rest, []);
    assert.ok(entry !== undefined);
    assert.equal(entry.editedBy?.type, appApi.AuthenticationType.WEB_OAUTH);
    assert.equal(entry.editedBy.type, 1);
    assert.equal(entry.editedBy.value, userId);
    assert.deepEqual(entry.old?.robotConfig, {});
  });

  it('records nothing for an update that changes nothing, or is refused', async () => {
    const s = server();
    const { location, owner, operator } = await seedOrg(s);
    const { robotId, mainPart } = await newMachine(owner, location.id, 'idle');
    const config = { components: [{ name: 'arm', api: 'rdk:component:arm', model: 'fake' }], zeta: 1, alpha: { b: 2, a: 1 } };
    await owner.updateRobotPart(mainPart.id, 'idle-main', config);
    assert.equal((await owner.getRobotPartHistory(mainPart.id)).length, 1);
    const before = await machineState(owner, robotId);

    await owner.updateRobotPart(mainPart.id, 'idle-main');
    await owner.updateRobotPart(mainPart.id, 'idle-main', config);
    await owner.updateRobotPart(mainPart.id, '  idle-main  ', config);
    await assert.rejects(owner.updateRobotPart(mainPart.id, 'idle-main', { debug: 'no' }), hasCode(Code.InvalidArgument));
    await assert.rejects(owner.updateRobotPart(mainPart.id, ''), hasCode(Code.InvalidArgument));
    await assert.rejects(operator.updateRobotPart(mainPart.id, 'idle-op', {}), hasCode(Code.PermissionDenied));
    assert.deepEqual(await machineState(owner, robotId), before, 'no entry, and last_updated unchanged');
  });

  it('records nothing when the same config arrives with its keys in another order', async () => {
    // A Struct is a protobuf map: its entries have no order, and clients (Go's, for one) send them in any.
    const { location, owner } = await seedOrg(server());
    const { mainPart } = await newMachine(owner, location.id, 'order');
    await owner.updateRobotPart(mainPart.id, 'order-main', { services: [], debug: false, network: { b: 1, a: 2 } });
    await owner.updateRobotPart(mainPart.id, 'order-main', { network: { a: 2, b: 1 }, debug: false, services: [] });
    assert.equal((await owner.getRobotPartHistory(mainPart.id)).length, 1);
  });

  it("pages through a part's history with hangar-page-size and hangar-page-token", async () => {
    const s = server();
    const { location, owner } = await seedOrg(s);
    const { mainPart } = await newMachine(owner, location.id, 'pager');
    for (let i = 1; i <= 5; i++) {
      s.clock.advance(1000);
      await owner.updateRobotPart(mainPart.id, 'pager-main', { step: i });
    }
    const all = await owner.getRobotPartHistory(mainPart.id);
    assert.deepEqual(
      all.map((e) => e.old?.robotConfig),
      [{ step: 4 }, { step: 3 }, { step: 2 }, { step: 1 }, {}],
    );

    const first = await owner.getRobotPartHistoryPage(mainPart.id, { pageSize: 2 });
    assert.deepEqual(
      first.items.map((e) => e.old?.robotConfig),
      [{ step: 4 }, { step: 3 }],
    );
    assert.notEqual(first.nextPageToken, '');
    const second = await owner.getRobotPartHistoryPage(mainPart.id, { pageSize: 2, pageToken: first.nextPageToken });
    assert.deepEqual(
      second.items.map((e) => e.old?.robotConfig),
      [{ step: 2 }, { step: 1 }],
    );
    assert.notEqual(second.nextPageToken, '');
    const third = await owner.getRobotPartHistoryPage(mainPart.id, { pageSize: 2, pageToken: second.nextPageToken });
    assert.deepEqual(
      third.items.map((e) => e.old?.robotConfig),
      [{}],
    );
    assert.equal(third.nextPageToken, '');
    assert.deepEqual(
      [...first.items, ...second.items, ...third.items].map((e) => e.proto.toJson()),
      all.map((e) => e.proto.toJson()),
    );

    // A change made while paging shows up on a fresh first page, not in the middle of the old walk.
    s.clock.advance(1000);
    await owner.updateRobotPart(mainPart.id, 'pager-main', { step: 6 });
    const resumed = await owner.getRobotPartHistoryPage(mainPart.id, { pageSize: 2, pageToken: first.nextPageToken });
    assert.deepEqual(
      resumed.items.map((e) => e.old?.robotConfig),
      [{ step: 2 }, { step: 1 }],
    );
    assert.deepEqual(
      (await owner.getRobotPartHistoryPage(mainPart.id, { pageSize: 1 })).items.map((e) => e.old?.robotConfig),
      [{ step: 5 }],
    );

    await assert.rejects(
      owner.getRobotPartHistoryPage(mainPart.id, { pageSize: 2, pageToken: '***' }),
      hasCode(Code.InvalidArgument, 'page_token'),
    );
    await assert.rejects(owner.getRobotPartHistoryPage(mainPart.id, { pageSize: 0 }), hasCode(Code.InvalidArgument, 'hangar-page-size'));
    await assert.rejects(owner.getRobotPartHistoryPage(mainPart.id, { pageSize: 1001 }), hasCode(Code.InvalidArgument, 'hangar-page-size'));
  });

  it("keeps each part's history to itself and drops it with the part", async () => {
    const s = server();
    const { location, owner } = await seedOrg(s);
    const { robotId, mainPart } = await newMachine(owner, location.id, 'split');
    const sideId = await owner.newRobotPart(robotId, 'split-side');
    await owner.updateRobotPart(mainPart.id, 'split-main', { debug: true });
    await owner.updateRobotPart(sideId, 'split-side-2');
    await owner.updateRobotPart(sideId, 'split-side-3');
    assert.deepEqual(
      (await owner.getRobotPartHistory(mainPart.id)).map((e) => e.old?.name),
      ['split-main'],
    );
    assert.deepEqual(
      (await owner.getRobotPartHistory(sideId)).map((e) => e.old?.name),
      ['split-side-2', 'split-side'],
    );
    await owner.deleteRobotPart(sideId);
    await assert.rejects(owner.getRobotPartHistory(sideId), hasCode(Code.NotFound, sideId));
    assert.equal(await historyRowsOfParts(s, [sideId]), 0);
    assert.equal(await historyRowsOfParts(s, [mainPart.id]), 1);
    await assert.rejects(owner.getRobotPartHistory(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
    await assert.rejects(owner.getRobotPartHistory('not-a-uuid'), hasCode(Code.InvalidArgument, 'id'));
  });
});
