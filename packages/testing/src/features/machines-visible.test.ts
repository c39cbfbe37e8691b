import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Code, hasCode } from '../assertions.js';
import { newKey, seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';

await describeEngines('machines visible across an organization', (server) => {
  it("lists an organization's machines in every location, by name", async () => {
    const s = server();
    const a = await seedOrg(s);
    const other = await a.owner.createLocation(a.org.id, 'Annex');
    const b = await a.owner.newRobot('bravo', a.location.id);
    const c = await a.owner.newRobot('alpha', other.id);
    const all = await a.owner.listRobotsForOrg(a.org.id);
    assert.deepEqual(
      all.map((r) => [r.name, r.id, r.location]),
      [
        ['alpha', c, other.id],
        ['bravo', b, a.location.id],
      ],
    );
    const inAnnex = await a.owner.listRobotsForLocations([other.id]);
    assert.deepEqual(
      inAnnex.map((r) => r.id),
      [c],
    );
  });

  it('shows a location operator only the machines of its location, and a machine key only its machine', async () => {
    const s = server();
    const a = await seedOrg(s);
    const annex = await a.owner.createLocation(a.org.id, 'Annex');
    const mine = await a.owner.newRobot('mine', a.location.id);
    const elsewhere = await a.owner.newRobot('elsewhere', annex.id);
    assert.deepEqual(
      (await a.operator.listRobotsForOrg(a.org.id)).map((r) => r.id),
      [mine],
    );
    await assert.rejects(a.operator.listRobotsForLocations([annex.id]), hasCode(Code.NotFound));

    const key = await newKey(a.owner, a.org.id, { role: 'operator', resourceType: 'robot', resourceId: elsewhere });
    const machineClient = await s.connect({ type: 'api-key', keyId: key.id, key: key.key });
    assert.deepEqual(
      (await machineClient.listRobotsForOrg(a.org.id)).map((r) => r.id),
      [elsewhere],
    );
  });

  it('answers NOT_FOUND for an organization the caller has no role in', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    await assert.rejects(a.owner.listRobotsForOrg(b.org.id), hasCode(Code.NotFound));
  });
});
