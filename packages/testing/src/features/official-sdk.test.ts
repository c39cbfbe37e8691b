/**
 * The official TypeScript SDK (@viamrobotics/sdk 0.61.1, gRPC-web over HTTP/1.1) against Hangar: every
 * AppClient method up to the locations and CreateKey, as a Viam user would call them.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createViamClient } from '@viamrobotics/sdk';
import { Code, codeOf, hasCode } from '../assertions.js';
import { MISSING_ID } from '../seed.js';
import { describeEngines } from '../suite.js';
import type { TestServer } from '../server.js';
import { appApi, officialClient, type ViamClient } from '../viam.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function adminClient(s: TestServer): Promise<ViamClient> {
  return officialClient(s.url, s.admin.apiKeyId, s.admin.apiKey);
}

function role(authorizationId: string, resourceType: string, resourceId: string, organizationId: string): appApi.Authorization {
  return new appApi.Authorization({
    authorizationType: 'role',
    authorizationId,
    resourceType,
    resourceId,
    organizationId,
    identityId: '',
    identityType: '',
  });
}

function defined<T>(value: T | undefined, what: string): T {
  assert.ok(value !== undefined, `the official SDK returned no ${what}`);
  return value;
}

await describeEngines('official @viamrobotics/sdk', (server) => {
  it('authenticates with an API key and reads the organization of the key', async () => {
    const s = server();
    const viam = await adminClient(s);
    const org = defined(await viam.appClient.getOrganization(s.admin.organizationId), 'organization');
    assert.equal(org.id, s.admin.organizationId);
    assert.equal(org.name, 'Default organization');
    assert.ok(org.createdOn !== undefined);
  });

  it('rejects a wrong secret, an unknown key id and a non-UUID key id from createViamClient itself', async () => {
    const s = server();
    await assert.rejects(officialClient(s.url, s.admin.apiKeyId, 'wrong-secret'), hasCode(Code.Unauthenticated));
    await assert.rejects(officialClient(s.url, MISSING_ID, s.admin.apiKey), hasCode(Code.Unauthenticated));
    await assert.rejects(officialClient(s.url, 'not-a-uuid', s.admin.apiKey), hasCode(Code.Unauthenticated));
  });

  it('connects with an access token instead of a key', async () => {
    const s = server();
    const viam = await createViamClient({ serviceHost: s.url, credentials: { type: 'access-token', payload: s.client.accessToken } });
    assert.ok((await viam.appClient.listOrganizations()).some((o) => o.id === s.admin.organizationId));
    const bogus = await createViamClient({ serviceHost: s.url, credentials: { type: 'access-token', payload: 'not.a.token' } });
    await assert.rejects(bogus.appClient.listOrganizations(), hasCode(Code.Unauthenticated, 'log in again'));
  });

  it('finds a user by email and lists the organizations of that user', async () => {
    const s = server();
    const { appClient } = await adminClient(s);
    const userId = await appClient.getUserIDByEmail(s.admin.email);
    assert.match(userId, UUID);
    assert.equal(await appClient.getUserIDByEmail(s.admin.email.toUpperCase()), userId, 'emails match case-insensitively');
    const orgs = await appClient.listOrganizationsByUser(userId);
    const mine = orgs.find((o) => o.orgId === s.admin.organizationId);
    assert.equal(mine?.orgName, 'Default organization');
    await assert.rejects(appClient.getUserIDByEmail('nobody@example.com'), hasCode(Code.NotFound));
    await assert.rejects(appClient.getUserIDByEmail('no email'), hasCode(Code.InvalidArgument));
    await assert.rejects(appClient.listOrganizationsByUser('not-a-uuid'), hasCode(Code.InvalidArgument, 'user_id'));
  });

  it('creates, lists, gets, updates and deletes an organization', async () => {
    const s = server();
    const { appClient } = await adminClient(s);
    const created = defined(await appClient.createOrganization('Official Org'), 'organization');
    assert.match(created.id, UUID);
    assert.equal(created.name, 'Official Org');
    assert.equal(created.publicNamespace, '');

    const listed = await appClient.listOrganizations();
    assert.deepEqual(
      listed.filter((o) => o.id === created.id).map((o) => o.name),
      ['Official Org'],
    );
    assert.ok(listed.some((o) => o.id === s.admin.organizationId));
    assert.equal(defined(await appClient.getOrganization(created.id), 'organization').name, 'Official Org');

    const ns = `official-${Date.now().toString(36)}-${s.engine}`;
    assert.equal(await appClient.getOrganizationNamespaceAvailability(ns), true);
    const updated = defined(await appClient.updateOrganization(created.id, 'Official Renamed', ns, 'us-east1', 'crm-7'), 'organization');
    assert.equal(updated.name, 'Official Renamed');
    assert.equal(updated.publicNamespace, ns);
    assert.equal(updated.defaultRegion, 'us-east1');
    assert.equal(updated.cid, 'crm-7');
    assert.equal(await appClient.getOrganizationNamespaceAvailability(ns), false);

    // Only a name: the SDK leaves the other optional fields absent, and they stay as they were.
    const renamed = defined(await appClient.updateOrganization(created.id, 'Only The Name'), 'organization');
    assert.equal(renamed.name, 'Only The Name');
    assert.equal(renamed.publicNamespace, ns);
    assert.equal(renamed.defaultRegion, 'us-east1');
    assert.equal(renamed.cid, 'crm-7');
    // Only a region.
    const moved = defined(await appClient.updateOrganization(created.id, undefined, undefined, 'eu-west1'), 'organization');
    assert.equal(moved.name, 'Only The Name');
    assert.equal(moved.defaultRegion, 'eu-west1');

    await assert.rejects(appClient.updateOrganization(created.id, undefined, `${ns}-other`), hasCode(Code.FailedPrecondition));
    await assert.rejects(appClient.getOrganizationNamespaceAvailability('Bad_Namespace'), hasCode(Code.InvalidArgument));
    assert.equal(defined(await appClient.getOrganization(created.id), 'organization').publicNamespace, ns);

    await appClient.deleteOrganization(created.id);
    await assert.rejects(appClient.getOrganization(created.id), hasCode(Code.NotFound, created.id));
    assert.ok(!(await appClient.listOrganizations()).some((o) => o.id === created.id));
    assert.equal(await appClient.getOrganizationNamespaceAvailability(ns), true, 'a deleted organization frees its namespace');
  });

  it('lists the members of an organization with no invites', async () => {
    const s = server();
    const { appClient } = await adminClient(s);
    const res = await appClient.listOrganizationMembers(s.admin.organizationId);
    assert.equal(res.organizationId, s.admin.organizationId);
    assert.deepEqual(res.invites, []);
    assert.deepEqual(
      res.members.map((m) => m.emails),
      [[s.admin.email]],
    );
    assert.equal(res.members[0]?.userId, await appClient.getUserIDByEmail(s.admin.email));
    assert.ok(res.members[0]?.dateAdded !== undefined);
    await assert.rejects(appClient.listOrganizationMembers(MISSING_ID), hasCode(Code.NotFound));
  });

  it('creates, gets, updates, lists and deletes locations', async () => {
    const s = server();
    const { appClient } = await adminClient(s);
    const org = defined(await appClient.createOrganization('Official Locations'), 'organization');
    const top = defined(await appClient.createLocation(org.id, 'Top'), 'location');
    assert.equal(top.parentLocationId, '');
    assert.equal(top.robotCount, 0);
    assert.equal(top.primaryOrgIdentity?.id, org.id);
    assert.deepEqual(
      top.organizations.map((o) => [o.organizationId, o.primary]),
      [[org.id, true]],
    );
    s.clock.advance(1000);
    const child = defined(await appClient.createLocation(org.id, 'Child', top.id), 'location');
    assert.equal(child.parentLocationId, top.id);
    assert.equal(defined(await appClient.getLocation(child.id), 'location').name, 'Child');

    // Name only: the parent is left absent and stays.
    const renamed = defined(await appClient.updateLocation(child.id, 'Renamed'), 'location');
    assert.equal(renamed.name, 'Renamed');
    assert.equal(renamed.parentLocationId, top.id);
    // Parent "" moves it to the top level.
    const lifted = defined(await appClient.updateLocation(child.id, undefined, ''), 'location');
    assert.equal(lifted.parentLocationId, '');
    assert.equal(lifted.name, 'Renamed');
    // And back under the top location.
    assert.equal(defined(await appClient.updateLocation(child.id, undefined, top.id), 'location').parentLocationId, top.id);
    // Region only.
    const regional = defined(await appClient.updateLocation(child.id, undefined, undefined, 'us-west1'), 'location');
    assert.equal(regional.config?.region, 'us-west1');
    assert.equal(regional.name, 'Renamed');
    assert.equal(regional.parentLocationId, top.id);

    assert.deepEqual(
      (await appClient.listLocations(org.id)).map((l) => [l.name, l.parentLocationId]),
      [
        ['Top', ''],
        ['Renamed', top.id],
      ],
    );
    assert.deepEqual(
      (await appClient.getOrganizationsWithAccessToLocation(child.id)).map((o) => [o.id, o.name]),
      [[org.id, 'Official Locations']],
    );

    await assert.rejects(appClient.updateLocation(top.id, undefined, child.id), hasCode(Code.InvalidArgument));
    await assert.rejects(appClient.deleteLocation(top.id), hasCode(Code.FailedPrecondition));
    await appClient.deleteLocation(child.id);
    await appClient.deleteLocation(top.id);
    await assert.rejects(appClient.getLocation(top.id), hasCode(Code.NotFound, top.id));
    assert.deepEqual(await appClient.listLocations(org.id), []);
    await assert.rejects(appClient.createLocation(org.id, ''), hasCode(Code.InvalidArgument));
    await assert.rejects(appClient.getLocation('not-a-uuid'), hasCode(Code.InvalidArgument, 'location_id'));
    await assert.rejects(appClient.getOrganizationsWithAccessToLocation(MISSING_ID), hasCode(Code.NotFound));
  });

  it('creates an organization-owner key that works in the official SDK and sees only its organization', async () => {
    const s = server();
    const { appClient } = await adminClient(s);
    const org = defined(await appClient.createOrganization('Keyed Org'), 'organization');
    const res = await appClient.createKey([role('organization_owner', 'organization', org.id, org.id)], 'official-owner');
    assert.match(res.id, UUID);
    assert.match(res.key, /^[A-Za-z0-9]{32}$/);

    const keyed = await officialClient(s.url, res.id, res.key);
    assert.deepEqual(
      (await keyed.appClient.listOrganizations()).map((o) => o.id),
      [org.id],
    );
    const loc = defined(await keyed.appClient.createLocation(org.id, 'Made by the key'), 'location');
    assert.equal(loc.primaryOrgIdentity?.id, org.id);
    await assert.rejects(keyed.appClient.getOrganization(s.admin.organizationId), hasCode(Code.NotFound));
  });

  it('creates a location-operator key, unnamed, that can read its location but not change it', async () => {
    const s = server();
    const { appClient } = await adminClient(s);
    const org = defined(await appClient.createOrganization('Operated Org'), 'organization');
    const loc = defined(await appClient.createLocation(org.id, 'Operated'), 'location');
    const other = defined(await appClient.createLocation(org.id, 'Elsewhere'), 'location');
    const res = await appClient.createKey([role('location_operator', 'location', loc.id, org.id)]);
    const op = await officialClient(s.url, res.id, res.key);
    assert.deepEqual(
      (await op.appClient.listLocations(org.id)).map((l) => l.id),
      [loc.id],
    );
    await assert.rejects(op.appClient.updateLocation(loc.id, 'Mine'), hasCode(Code.PermissionDenied));
    await assert.rejects(op.appClient.deleteLocation(loc.id), hasCode(Code.PermissionDenied));
    await assert.rejects(op.appClient.getLocation(other.id), hasCode(Code.NotFound));
    await assert.rejects(op.appClient.createKey([role('location_operator', 'location', loc.id, org.id)]), hasCode(Code.PermissionDenied));
    assert.equal(defined(await appClient.getLocation(loc.id), 'location').name, 'Operated');
  });

  it('refuses a CreateKey with no authorizations or a malformed one', async () => {
    const s = server();
    const { appClient } = await adminClient(s);
    const org = s.admin.organizationId;
    await assert.rejects(appClient.createKey([]), hasCode(Code.InvalidArgument, 'authorizations'));
    await assert.rejects(
      appClient.createKey([role('organization_admin', 'organization', org, org)]),
      hasCode(Code.InvalidArgument, 'authorization_id'),
    );
    await assert.rejects(
      appClient.createKey([role('location_owner', 'organization', org, org)]),
      hasCode(Code.InvalidArgument, 'resource_type'),
    );
  });

  it('reports errors as ConnectErrors with the numeric gRPC code', async () => {
    const s = server();
    const { appClient } = await adminClient(s);
    const err = await appClient.getOrganization(MISSING_ID).then(
      () => assert.fail('expected NOT_FOUND'),
      (e: unknown) => e,
    );
    assert.equal(codeOf(err), Code.NotFound);
    assert.equal((err as { code: unknown }).code, 5);
    assert.match((err as Error).message, new RegExp(MISSING_ID));
    await assert.rejects(appClient.getOrganization('not-a-uuid'), hasCode(Code.InvalidArgument, 'organization_id'));
  });
});
