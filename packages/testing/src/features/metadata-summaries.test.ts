/** Metadata of organizations, locations, machines and parts, and ListMachineSummaries. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Code, appApi } from '@hangar/sdk';
import { hasCode } from '../assertions.js';
import { newMachine } from '../fleet.js';
import { newKey, seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { officialClient } from '../viam.js';

await describeEngines('metadata and machine summaries', (server) => {
  it('keeps a JSON object per resource: any role reads it, owners write it, size and shape bounded', async () => {
    const s = server();
    const a = await seedOrg(s);
    const { robotId, mainPart } = await newMachine(a.owner, a.location.id, 'meta-bot');
    const data = { team: 'ops', tags: ['a', 'b'], limits: { speed: 1.5 } };
    for (const [get, set, what] of [
      [() => a.operator.getOrganizationMetadata(a.org.id), () => a.owner.updateOrganizationMetadata(a.org.id, data), 'organization'],
      [() => a.operator.getLocationMetadata(a.location.id), () => a.owner.updateLocationMetadata(a.location.id, data), 'location'],
      [() => a.operator.getRobotMetadata(robotId), () => a.owner.updateRobotMetadata(robotId, data), 'machine'],
      [() => a.operator.getRobotPartMetadata(mainPart.id), () => a.owner.updateRobotPartMetadata(mainPart.id, data), 'part'],
    ] as const) {
      assert.deepEqual(await get(), {}, `${what}: empty until set`);
      await set();
      assert.deepEqual(await get(), data, what);
    }
    await assert.rejects(a.operator.updateOrganizationMetadata(a.org.id, {}), hasCode(Code.PermissionDenied));
    await assert.rejects(a.operator.updateRobotMetadata(robotId, {}), hasCode(Code.PermissionDenied));
    await assert.rejects(
      a.owner.updateRobotMetadata(robotId, { big: 'x'.repeat(70 * 1024) }),
      hasCode(Code.InvalidArgument, /max-metadata-bytes/),
    );
    const other = await seedOrg(s);
    await assert.rejects(other.owner.getRobotMetadata(robotId), hasCode(Code.NotFound));
    const viam = await officialClient(s.url, a.ownerKey.id, a.ownerKey.key);
    assert.deepEqual(await viam.appClient.getRobotMetadata(robotId), data);
  });

  it('summarizes the organization’s locations, machines and parts that the caller can see, with filters', async () => {
    const s = server();
    const a = await seedOrg(s);
    const second = await a.owner.createLocation(a.org.id, 'Second site');
    const one = await newMachine(a.owner, a.location.id, 'alpha');
    const extraPart = await a.owner.newRobotPart(one.robotId, 'alpha-arm');
    const two = await newMachine(a.owner, second.id, 'beta');
    const fragment = await a.owner.createFragment(a.org.id, 'summary fragment', {});
    await a.owner.updateRobotPart(two.mainPart.id, two.mainPart.name, { fragments: [fragment.id] });

    const all = await a.owner.listMachineSummaries(a.org.id);
    const shape = (list: appApi.LocationSummary[]) =>
      list.map((l) => [
        l.locationName,
        l.machineSummaries.map((m) => [m.machineName, m.partSummaries.map((p) => [p.partName, p.isMainPart])]),
      ]);
    assert.deepEqual(shape(all), [
      [
        a.location.name,
        [
          [
            'alpha',
            [
              ['alpha-main', true],
              ['alpha-arm', false],
            ],
          ],
        ],
      ],
      ['Second site', [['beta', [['beta-main', true]]]]],
    ]);
    const betaMain = all[1]?.machineSummaries[0]?.partSummaries[0];
    assert.equal(betaMain?.onlineState, appApi.OnlineState.AWAITING_SETUP);
    assert.deepEqual(
      betaMain.fragments.map((f) => [f.id, f.name]),
      [[fragment.id, 'summary fragment']],
    );
    assert.ok(all[0]?.machineSummaries[0]?.partSummaries.some((p) => p.partId === extraPart));

    // The location operator sees its location only.
    assert.deepEqual(shape(await a.operator.listMachineSummaries(a.org.id)), [
      [
        a.location.name,
        [
          [
            'alpha',
            [
              ['alpha-main', true],
              ['alpha-arm', false],
            ],
          ],
        ],
      ],
    ]);
    // Filters: by fragment, by location, and a limit on machines.
    assert.deepEqual(
      shape(await a.owner.listMachineSummaries(a.org.id, { fragmentIds: [fragment.id] })).filter(([, m]) => (m as unknown[]).length > 0),
      [['Second site', [['beta', [['beta-main', true]]]]]],
    );
    assert.deepEqual(shape(await a.owner.listMachineSummaries(a.org.id, { locationIds: [second.id] })), [
      ['Second site', [['beta', [['beta-main', true]]]]],
    ]);
    const limited = await a.owner.listMachineSummaries(a.org.id, { limit: 1 });
    assert.equal(limited.flatMap((l) => l.machineSummaries).length, 1);
    // A machine key sees its own machine.
    const machineKey = await newKey(a.owner, a.org.id, { role: 'operator', resourceType: 'robot', resourceId: two.robotId });
    const asMachine = await s.connect({ type: 'api-key', keyId: machineKey.id, key: machineKey.key });
    assert.deepEqual(
      (await asMachine.listMachineSummaries(a.org.id)).flatMap((l) => l.machineSummaries.map((m) => m.machineName)),
      ['beta'],
    );
    const other = await seedOrg(s);
    await assert.rejects(other.owner.listMachineSummaries(a.org.id), hasCode(Code.NotFound));
  });
});
