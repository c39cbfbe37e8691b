import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Code, hasCode } from '../assertions.js';
import { MISSING_ID, seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';

await describeEngines('organizations', (server) => {
  it('creates an organization whose creator becomes its owner', async () => {
    const { client } = server();
    const org = await client.createOrganization('Acme Robotics');
    assert.equal(org.name, 'Acme Robotics');
    assert.match(org.id, /^[0-9a-f-]{36}$/);
    assert.ok(org.createdOn !== undefined);
    const listed = await client.listOrganizations();
    assert.ok(listed.some((o) => o.id === org.id));
    assert.equal((await client.getOrganization(org.id)).name, 'Acme Robotics');
    await client.updateOrganization(org.id, { name: 'Acme' });
  });

  it('lists only the organizations the caller holds a role in', async () => {
    const a = await seedOrg(server());
    const b = await seedOrg(server());
    const seen = (await a.owner.listOrganizations()).map((o) => o.id);
    assert.deepEqual(seen, [a.org.id]);
    assert.ok(!seen.includes(b.org.id));
    assert.deepEqual(
      (await a.operator.listOrganizations()).map((o) => o.id),
      [a.org.id],
    );
  });

  it('answers NOT_FOUND for an organization of which the caller is no member, as for a missing one', async () => {
    const a = await seedOrg(server());
    const b = await seedOrg(server());
    await assert.rejects(a.owner.getOrganization(b.org.id), hasCode(Code.NotFound, b.org.id));
    await assert.rejects(a.owner.getOrganization(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
  });

  it('sets a public namespace once, refuses a taken one and reports availability', async () => {
    const a = await seedOrg(server());
    const b = await seedOrg(server());
    const ns = `ns-${Date.now().toString(36)}`;
    assert.equal(await a.owner.getOrganizationNamespaceAvailability(ns), true);
    const updated = await a.owner.updateOrganization(a.org.id, { publicNamespace: ns });
    assert.equal(updated.publicNamespace, ns);
    assert.equal(updated.name, a.org.name, 'fields not given stay as they were');
    assert.equal(await b.owner.getOrganizationNamespaceAvailability(ns), false);
    await assert.rejects(b.owner.updateOrganization(b.org.id, { publicNamespace: ns }), hasCode(Code.AlreadyExists));
    await assert.rejects(a.owner.updateOrganization(a.org.id, { publicNamespace: `${ns}-2` }), hasCode(Code.FailedPrecondition));
    // Setting the same namespace again is not a change.
    assert.equal((await a.owner.updateOrganization(a.org.id, { publicNamespace: ns })).publicNamespace, ns);
    await assert.rejects(a.owner.getOrganizationNamespaceAvailability(''), hasCode(Code.InvalidArgument));
    await assert.rejects(a.owner.getOrganizationNamespaceAvailability('Not_Valid'), hasCode(Code.InvalidArgument));
    assert.equal((await b.owner.getOrganization(b.org.id)).publicNamespace, '', 'a refused update changes nothing');
  });

  it('updates the name, region and CRM id', async () => {
    const a = await seedOrg(server());
    const updated = await a.owner.updateOrganization(a.org.id, { name: 'Renamed', region: 'us-east1', cid: 'crm-42' });
    assert.equal(updated.name, 'Renamed');
    assert.equal(updated.defaultRegion, 'us-east1');
    assert.equal(updated.cid, 'crm-42');
    assert.equal((await a.owner.getOrganization(a.org.id)).name, 'Renamed');
  });

  it('lets an operator read its organization but not change or delete it', async () => {
    const a = await seedOrg(server());
    assert.equal((await a.operator.getOrganization(a.org.id)).id, a.org.id);
    await assert.rejects(a.operator.updateOrganization(a.org.id, { name: 'Mine now' }), hasCode(Code.PermissionDenied));
    await assert.rejects(a.operator.deleteOrganization(a.org.id), hasCode(Code.PermissionDenied));
    assert.equal((await a.owner.getOrganization(a.org.id)).name, a.org.name);
  });

  it('deletes an organization with its locations and API keys', async () => {
    const s = server();
    const a = await seedOrg(s);
    const child = await a.owner.createLocation(a.org.id, 'Child', a.location.id);
    await a.owner.deleteOrganization(a.org.id);
    await assert.rejects(s.client.getOrganization(a.org.id), hasCode(Code.NotFound));
    await assert.rejects(s.client.getLocation(child.id), hasCode(Code.NotFound));
    // The organization's keys went with it: their tokens and secrets stop working at once.
    await assert.rejects(a.owner.listOrganizations(), hasCode(Code.Unauthenticated));
    await assert.rejects(s.connect({ type: 'api-key', keyId: a.ownerKey.id, key: a.ownerKey.key }), hasCode(Code.Unauthenticated));
  });

  it('lists the members of an organization', async () => {
    const s = server();
    const [members, invites] = await s.client.listOrganizationMembers(s.admin.organizationId);
    assert.deepEqual(invites, []);
    assert.equal(members.length, 1);
    assert.deepEqual(members[0]?.emails, [s.admin.email]);
    const userId = await s.client.getUserIdByEmail(s.admin.email);
    assert.equal(members[0]?.userId, userId);
  });

  it('finds a user by email and lists the organizations the user belongs to', async () => {
    const s = server();
    const userId = await s.client.getUserIdByEmail(s.admin.email.toUpperCase());
    const orgs = await s.client.listOrganizationsByUser(userId);
    assert.ok(orgs.some((o) => o.orgId === s.admin.organizationId && o.orgName === 'Default organization'));
    await assert.rejects(s.client.getUserIdByEmail('nobody@example.com'), hasCode(Code.NotFound));
    await assert.rejects(s.client.getUserIdByEmail('not an email'), hasCode(Code.InvalidArgument));
    await assert.rejects(s.client.listOrganizationsByUser('nope'), hasCode(Code.InvalidArgument));
  });

  it('logs in with a password and acts as the user', async () => {
    const s = server();
    const user = await s.connect({ type: 'password', email: s.admin.email, password: s.admin.password });
    const org = await user.createOrganization('Personal');
    const userId = await user.getUserIdByEmail(s.admin.email);
    assert.ok((await user.listOrganizationsByUser(userId)).some((o) => o.orgId === org.id));
    await assert.rejects(s.connect({ type: 'password', email: s.admin.email, password: 'wrong' }), hasCode(Code.Unauthenticated));
  });
});
