/**
 * Who may create organizations, who may manage an API key, and the quotas that keep one identity from
 * filling the database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Code, type AppClient } from '@hangar/sdk';
import { hasCode } from '../assertions.js';
import { engineSkip, testEngines } from '../engines.js';
import { newKey, seedOrg } from '../seed.js';
import { startTestServer, type TestServer } from '../server.js';
import { describeEngines } from '../suite.js';

await describeEngines('creating organizations and managing keys', (server) => {
  it('lets users and organization-owner keys create organizations, and no other key', async () => {
    const s = server();
    const a = await seedOrg(s);
    const robotId = await a.owner.newRobot('quota-bot', a.location.id);
    const robotOperator = await s.connect(
      ((k) => ({ type: 'api-key' as const, keyId: k.id, key: k.key }))(
        await newKey(a.owner, a.org.id, { role: 'operator', resourceType: 'robot', resourceId: robotId }),
      ),
    );
    const robotOwner = await s.connect(
      ((k) => ({ type: 'api-key' as const, keyId: k.id, key: k.key }))(
        await newKey(a.owner, a.org.id, { role: 'owner', resourceType: 'robot', resourceId: robotId }),
      ),
    );
    const before = (await s.client.listOrganizations()).length;
    for (const [who, client] of [
      ['robot operator key', robotOperator],
      ['robot owner key', robotOwner],
      ['location operator key', a.operator],
    ] as const) {
      await assert.rejects(client.createOrganization(`By a ${who}`), hasCode(Code.PermissionDenied, /organization/), who);
      assert.deepEqual(await client.listOrganizations().then((l) => l.map((o) => o.id)), [a.org.id], `${who} owns nothing new`);
    }
    assert.equal((await s.client.listOrganizations()).length, before);
    const byOwnerKey = await a.owner.createOrganization('By an organization owner key');
    assert.ok(byOwnerKey.id);
    const user = await s.connect({ type: 'password', email: s.admin.email, password: s.admin.password });
    assert.ok((await user.createOrganization('By a user')).id);
  });

  it("lets the owner of a key's home organization rotate and delete it, and takes over what it alone owned", async () => {
    const s = server();
    const a = await seedOrg(s);
    const rogueKey = await newKey(a.owner, a.org.id, { role: 'owner', resourceType: 'organization', resourceId: a.org.id });
    const rogue = await s.connect({ type: 'api-key', keyId: rogueKey.id, key: rogueKey.key });
    const hideout = await rogue.createOrganization('Hideout');
    // Only the key owns the hideout; a's other owner still manages the key itself.
    const [, sameId] = await a.owner.rotateKey(rogueKey.id);
    assert.equal(sameId, rogueKey.id);
    await assert.rejects(rogue.listOrganizations(), hasCode(Code.Unauthenticated));
    await a.owner.deleteKey(rogueKey.id);
    // The organization it alone owned passed to whoever deleted it.
    assert.equal((await a.owner.getOrganization(hideout.id)).id, hideout.id);
    const owners = (await a.owner.listAuthorizations(hideout.id)).filter((x) => x.authorizationId === 'organization_owner');
    assert.deepEqual(
      owners.map((x) => x.identityId),
      [a.ownerKey.id],
    );
    await a.owner.deleteOrganization(hideout.id);
  });

  it('deletes an organization whose key alone owned another one, handing that one to the caller', async () => {
    const s = server();
    const a = await seedOrg(s);
    const child = await a.owner.createOrganization('Created with a key of A');
    await s.client.deleteOrganization(a.org.id);
    assert.equal((await s.client.getOrganization(child.id)).id, child.id);
    const owners = (await s.client.listAuthorizations(child.id)).filter((x) => x.authorizationId === 'organization_owner');
    assert.deepEqual(
      owners.map((x) => x.identityId),
      [s.admin.apiKeyId],
    );
  });
});

for (const engine of testEngines()) {
  const skip = await engineSkip(engine);
  describe(`quotas [${engine}]`, { skip }, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer(engine, {
        flags: {
          maxOrganizationsPerIdentity: '3',
          maxLocationsPerOrganization: '2',
          maxMachinesPerOrganization: '2',
          maxPartsPerMachine: '2',
          maxKeysPerOrganization: '3',
        },
      });
    });
    after(() => s.close());

    it('caps the organizations an identity can create, counting those its keys create', async () => {
      const user = await s.connect({ type: 'password', email: s.admin.email, password: s.admin.password });
      // The default organization counts: the administrator is its accountable owner.
      const first = await user.createOrganization('Quota one');
      const key = await newKey(user, first.id, { role: 'owner', resourceType: 'organization', resourceId: first.id });
      const viaKey = await s.connect({ type: 'api-key', keyId: key.id, key: key.key });
      const second = await viaKey.createOrganization('Quota two, by a key');
      const chained = await newKey(viaKey, second.id, { role: 'owner', resourceType: 'organization', resourceId: second.id });
      const viaChain = await s.connect({ type: 'api-key', keyId: chained.id, key: chained.key });
      await assert.rejects(
        viaChain.createOrganization('One too many'),
        hasCode(Code.ResourceExhausted, /3 organizations.*max-organizations-per-identity/),
      );
      await assert.rejects(user.createOrganization('One too many'), hasCode(Code.ResourceExhausted, /max-organizations-per-identity/));
      await viaKey.deleteOrganization(second.id);
      assert.ok((await user.createOrganization('Room again')).id);
    });

    it('caps locations, machines, parts and keys per organization, naming each limit', async () => {
      // The administrator's default organization, which has room for everything else.
      await fillAndCheck(s.client, s.admin.organizationId);
    });
  });
}

async function fillAndCheck(client: AppClient, orgId: string): Promise<void> {
  const existing = await client.listLocations(orgId);
  const locations = existing.map((l) => l.id);
  while (locations.length < 2) locations.push((await client.createLocation(orgId, `L${locations.length}`)).id);
  await assert.rejects(
    client.createLocation(orgId, 'L-extra'),
    hasCode(Code.ResourceExhausted, /2 locations.*max-locations-per-organization/),
  );
  const [l0, l1] = locations as [string, string];
  const robots = (await client.listRobotsForOrg(orgId)).map((r) => r.id);
  while (robots.length < 2) robots.push(await client.newRobot(`m${robots.length}`, robots.length === 0 ? l0 : l1));
  await assert.rejects(client.newRobot('m-extra', l0), hasCode(Code.ResourceExhausted, /2 machines.*max-machines-per-organization/));
  const robot = robots[0] ?? '';
  while ((await client.getRobotParts(robot)).length < 2) await client.newRobotPart(robot, `p${Date.now()}`);
  await assert.rejects(client.newRobotPart(robot, 'p-extra'), hasCode(Code.ResourceExhausted, /2 parts.*max-parts-per-machine/));
  while ((await client.listKeys(orgId)).length < 3)
    await newKey(client, orgId, { role: 'operator', resourceType: 'organization', resourceId: orgId });
  await assert.rejects(
    newKey(client, orgId, { role: 'operator', resourceType: 'organization', resourceId: orgId }),
    hasCode(Code.ResourceExhausted, /3 API keys.*max-keys-per-organization/),
  );
}
