/** An organization always keeps an owner, whatever the order or timing of the calls that remove one. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Code, hasCode } from '../assertions.js';
import { newKey, seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';

await describeEngines('ownership', (server) => {
  it('refuses to let an API key delete itself while it is the last owner of an organization', async () => {
    const s = server();
    const a = await seedOrg(s);
    const lonely = await a.owner.createOrganization('Owned by one key');
    await assert.rejects(a.owner.deleteKey(a.ownerKey.id), hasCode(Code.FailedPrecondition, lonely.id));
    assert.equal((await a.owner.getOrganization(lonely.id)).id, lonely.id, 'the key still works');
  });

  it("drops the roles an organization's keys hold elsewhere with it, where someone else owns too", async () => {
    const s = server();
    const a = await seedOrg(s);
    const child = await a.owner.createOrganization('Created with a key of A');
    // Someone else owns the child too, so A can go without handing it over, and the key's role goes with A.
    const extra = await newKey(a.owner, child.id, { role: 'owner', resourceType: 'organization', resourceId: child.id });
    await s.client.deleteOrganization(a.org.id);
    const other = await s.connect({ type: 'api-key', keyId: extra.id, key: extra.key });
    const owners = (await other.listAuthorizations(child.id)).filter((x) => x.authorizationId === 'organization_owner');
    assert.deepEqual(
      owners.map((x) => x.identityId),
      [extra.id],
    );
  });

  it('keeps one owner when two owners remove each other at the same moment', async () => {
    const s = server();
    for (let round = 0; round < 5; round++) {
      const org = await s.client.createOrganization(`Duel ${round}`);
      const first = await newKey(s.client, org.id, { role: 'owner', resourceType: 'organization', resourceId: org.id });
      const second = await newKey(s.client, org.id, { role: 'owner', resourceType: 'organization', resourceId: org.id });
      // The admin key that created the organization leaves first, so exactly two owners remain.
      const one = await s.connect({ type: 'api-key', keyId: first.id, key: first.key });
      const two = await s.connect({ type: 'api-key', keyId: second.id, key: second.key });
      await one.removeRole(org.id, s.admin.apiKeyId, 'owner', 'organization', org.id);
      const results = await Promise.allSettled([
        one.removeRole(org.id, second.id, 'owner', 'organization', org.id),
        two.removeRole(org.id, first.id, 'owner', 'organization', org.id),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}: exactly one removal wins`);
      const survivor = results[0].status === 'fulfilled' ? one : two;
      const owners = (await survivor.listAuthorizations(org.id)).filter((x) => x.authorizationId === 'organization_owner');
      assert.equal(owners.length, 1, `round ${round}: one owner is left`);
    }
  });

  it('limits machine names to 59 characters so the main part name fits', async () => {
    const s = server();
    const a = await seedOrg(s);
    await assert.rejects(a.owner.newRobot('m'.repeat(60), a.location.id), hasCode(Code.InvalidArgument, '59'));
    const id = await a.owner.newRobot('m'.repeat(59), a.location.id);
    const [main] = await a.owner.getRobotParts(id);
    assert.equal(main?.name.length, 64);
    assert.equal((await a.owner.updateRobotPart(main.id, main.name, { debug: true })).robotConfig.debug, true);
  });
});
