import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AppClient, appApi } from '@hangar/sdk';
import { Code, hasCode, outcome } from '../assertions.js';
import { MISSING_ID, newKey, seedOrg } from '../seed.js';
import { orgState } from '../snapshots.js';
import { describeEngines } from '../suite.js';
import type { TestServer } from '../server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function orgsOf(location: appApi.Location) {
  return location.organizations.map((o) => ({ organizationId: o.organizationId, primary: o.primary }));
}

function names(locations: readonly appApi.Location[]): string[] {
  return locations.map((l) => l.name);
}

/** A client on a new key holding `owner` on one location. */
async function locationOwner(s: TestServer, orgId: string, locationId: string): Promise<AppClient> {
  const key = await newKey(s.client, orgId, { role: 'owner', resourceType: 'location', resourceId: locationId });
  return s.connect({ type: 'api-key', keyId: key.id, key: key.key });
}

await describeEngines('locations', (server) => {
  it('creates a top-level location with no machines, owned by its organization', async () => {
    const s = server();
    const { org, owner } = await seedOrg(s);
    const created = await owner.createLocation(org.id, '  Warehouse  ');
    assert.match(created.id, UUID);
    assert.equal(created.name, 'Warehouse', 'the name is trimmed');
    assert.equal(created.parentLocationId, '');
    assert.equal(created.robotCount, 0);
    assert.deepEqual(orgsOf(created), [{ organizationId: org.id, primary: true }]);
    assert.equal(created.primaryOrgIdentity?.id, org.id);
    assert.equal(created.primaryOrgIdentity?.name, org.name);
    assert.equal(created.config?.region, org.defaultRegion, 'a new location takes its organization region');
    assert.ok(created.createdOn !== undefined);
    assert.deepEqual((await owner.getLocation(created.id)).toJson(), created.toJson(), 'GetLocation answers what CreateLocation returned');
  });

  it('creates a sub-location under a parent of the same organization', async () => {
    const { org, location, owner } = await seedOrg(server());
    const child = await owner.createLocation(org.id, 'Dock 1', location.id);
    assert.equal(child.parentLocationId, location.id);
    assert.deepEqual(orgsOf(child), [{ organizationId: org.id, primary: true }]);
    const grandchild = await owner.createLocation(org.id, 'Bay A', child.id);
    assert.equal((await owner.getLocation(grandchild.id)).parentLocationId, child.id);
    assert.equal((await owner.getLocation(location.id)).parentLocationId, '', 'the parent stays where it was');
  });

  it('refuses a parent that is missing, not a UUID or of another organization, creating nothing', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const before = await orgState(s.client, a.org.id);
    await assert.rejects(a.owner.createLocation(a.org.id, 'Orphan', MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
    await assert.rejects(a.owner.createLocation(a.org.id, 'Orphan', 'not-a-uuid'), hasCode(Code.InvalidArgument, 'parent_location_id'));
    // The admin owns both organizations, so it sees b's location: the mismatch itself is the error.
    await assert.rejects(s.client.createLocation(a.org.id, 'Orphan', b.location.id), hasCode(Code.InvalidArgument, b.location.id));
    // a's owner cannot see b's location at all.
    await assert.rejects(a.owner.createLocation(a.org.id, 'Orphan', b.location.id), hasCode(Code.NotFound, b.location.id));
    assert.deepEqual(await orgState(s.client, a.org.id), before);
    assert.deepEqual(names(await s.client.listLocations(b.org.id)), [b.location.name]);
  });

  it('refuses an empty, blank or 65-character name and accepts 64 characters', async () => {
    const s = server();
    const { org, owner } = await seedOrg(s);
    const before = await orgState(owner, org.id);
    await assert.rejects(owner.createLocation(org.id, ''), hasCode(Code.InvalidArgument, 'name'));
    await assert.rejects(owner.createLocation(org.id, '   '), hasCode(Code.InvalidArgument, 'name'));
    await assert.rejects(owner.createLocation(org.id, 'x'.repeat(65)), hasCode(Code.InvalidArgument, '65'));
    assert.deepEqual(await orgState(owner, org.id), before);
    const longest = await owner.createLocation(org.id, 'y'.repeat(64));
    assert.equal(longest.name, 'y'.repeat(64));
  });

  it("lists an organization's locations oldest first, each with its organizations and primary identity", async () => {
    const s = server();
    const other = await seedOrg(s);
    const org = await s.client.createOrganization('Listing Org');
    assert.deepEqual(await s.client.listLocations(org.id), []);
    const first = await s.client.createLocation(org.id, 'First');
    s.clock.advance(1000);
    const second = await s.client.createLocation(org.id, 'Second', first.id);
    s.clock.advance(1000);
    const third = await s.client.createLocation(org.id, 'Third');
    await s.client.updateOrganization(org.id, { name: 'Listing Org Renamed' });
    const listed = await s.client.listLocations(org.id);
    assert.deepEqual(
      listed.map((l) => l.id),
      [first.id, second.id, third.id],
    );
    for (const l of listed) {
      assert.equal(l.robotCount, 0);
      assert.deepEqual(orgsOf(l), [{ organizationId: org.id, primary: true }]);
      assert.equal(l.primaryOrgIdentity?.id, org.id);
      assert.equal(l.primaryOrgIdentity?.name, 'Listing Org Renamed', "the identity carries the organization's current name");
    }
    assert.equal(listed[1]?.parentLocationId, first.id);
    assert.ok(!listed.some((l) => l.id === other.location.id), "another organization's location is not listed");
  });

  it('renames a location and keeps the name when the new name is empty or absent', async () => {
    const { org, location, owner } = await seedOrg(server());
    const child = await owner.createLocation(org.id, 'Child', location.id);
    const renamed = await owner.updateLocation(child.id, { name: 'Renamed' });
    assert.equal(renamed.name, 'Renamed');
    assert.equal(renamed.parentLocationId, location.id, 'renaming keeps the parent');
    assert.equal((await owner.updateLocation(child.id, { name: '' })).name, 'Renamed');
    const untouched = await owner.updateLocation(child.id, {});
    assert.equal(untouched.name, 'Renamed');
    assert.equal(untouched.parentLocationId, location.id);
    assert.equal((await owner.getLocation(child.id)).name, 'Renamed');
  });

  it('moves a location under a parent, and to the top level with an empty parent id', async () => {
    const { org, location, owner } = await seedOrg(server());
    const other = await owner.createLocation(org.id, 'Other');
    const moved = await owner.updateLocation(other.id, { parentLocationId: location.id });
    assert.equal(moved.parentLocationId, location.id);
    assert.equal(moved.name, 'Other', 'moving keeps the name');
    const up = await owner.updateLocation(other.id, { name: '', parentLocationId: '' });
    assert.equal(up.parentLocationId, '');
    assert.equal(up.name, 'Other');
    assert.equal((await owner.getLocation(other.id)).parentLocationId, '');
  });

  it('refuses to move a location under itself or under its own descendant, changing nothing', async () => {
    const s = server();
    const { org, location, owner } = await seedOrg(s);
    const child = await owner.createLocation(org.id, 'Child', location.id);
    const grandchild = await owner.createLocation(org.id, 'Grandchild', child.id);
    const before = await orgState(owner, org.id);
    await assert.rejects(owner.updateLocation(location.id, { parentLocationId: location.id }), hasCode(Code.InvalidArgument));
    await assert.rejects(owner.updateLocation(location.id, { parentLocationId: child.id }), hasCode(Code.InvalidArgument, 'cycle'));
    await assert.rejects(
      owner.updateLocation(location.id, { name: 'Loop', parentLocationId: grandchild.id }),
      hasCode(Code.InvalidArgument, 'cycle'),
    );
    assert.deepEqual(await orgState(owner, org.id), before);
  });

  it('refuses to move a location under a location of another organization', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const beforeA = await orgState(s.client, a.org.id);
    const beforeB = await orgState(s.client, b.org.id);
    // Seen by the admin (owner of both): the organizations differ.
    await assert.rejects(
      s.client.updateLocation(a.location.id, { parentLocationId: b.location.id }),
      hasCode(Code.InvalidArgument, b.location.id),
    );
    // Not seen by a's owner: b's location does not exist for it.
    await assert.rejects(a.owner.updateLocation(a.location.id, { parentLocationId: b.location.id }), hasCode(Code.NotFound, b.location.id));
    await assert.rejects(a.owner.updateLocation(a.location.id, { parentLocationId: MISSING_ID }), hasCode(Code.NotFound, MISSING_ID));
    assert.deepEqual(await orgState(s.client, a.org.id), beforeA);
    assert.deepEqual(await orgState(s.client, b.org.id), beforeB);
  });

  it('refuses to delete a location with child locations, and deletes it once it is empty', async () => {
    const s = server();
    const { org, location, owner } = await seedOrg(s);
    const child = await owner.createLocation(org.id, 'Child', location.id);
    const before = await orgState(owner, org.id);
    await assert.rejects(
      owner.deleteLocation(location.id),
      hasCode(Code.FailedPrecondition, /1 child location\b.*move or delete them first/),
    );
    assert.deepEqual(await orgState(owner, org.id), before, 'the refused delete removed nothing');
    await owner.deleteLocation(child.id);
    await owner.deleteLocation(location.id);
    await assert.rejects(owner.getLocation(location.id), hasCode(Code.NotFound, location.id));
    await assert.rejects(owner.getLocation(child.id), hasCode(Code.NotFound, child.id));
    assert.deepEqual(await owner.listLocations(org.id), []);
    await assert.rejects(owner.deleteLocation(location.id), hasCode(Code.NotFound), 'a second delete finds nothing');
    await assert.rejects(owner.updateLocation(location.id, { name: 'Ghost' }), hasCode(Code.NotFound));
  });

  it('reports the organizations with access to a location, and NOT_FOUND for one the caller cannot see', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const identities = await a.owner.getOrganizationsWithAccessToLocation(a.location.id);
    assert.deepEqual(
      identities.map((o) => ({ id: o.id, name: o.name })),
      [{ id: a.org.id, name: a.org.name }],
    );
    assert.deepEqual(
      (await a.operator.getOrganizationsWithAccessToLocation(a.location.id)).map((o) => o.id),
      [a.org.id],
    );
    await assert.rejects(a.owner.getOrganizationsWithAccessToLocation(b.location.id), hasCode(Code.NotFound, b.location.id));
    await assert.rejects(a.owner.getOrganizationsWithAccessToLocation(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
  });

  it('shows a location operator only its location and what lies below it, read-only', async () => {
    const s = server();
    const { org, location, owner, operator } = await seedOrg(s);
    const sibling = await owner.createLocation(org.id, 'Sibling');
    const below = await owner.createLocation(org.id, 'Below', location.id);
    const before = await orgState(owner, org.id);

    assert.deepEqual(
      (await operator.listLocations(org.id)).map((l) => l.id),
      [location.id, below.id],
    );
    assert.equal((await operator.getLocation(location.id)).name, location.name);
    assert.equal((await operator.getLocation(below.id)).name, 'Below');
    await assert.rejects(operator.getLocation(sibling.id), hasCode(Code.NotFound, sibling.id));
    await assert.rejects(operator.updateLocation(sibling.id, { name: 'Mine' }), hasCode(Code.NotFound, sibling.id));
    await assert.rejects(operator.deleteLocation(sibling.id), hasCode(Code.NotFound, sibling.id));

    await assert.rejects(operator.updateLocation(location.id, { name: 'Mine now' }), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.deleteLocation(below.id), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.deleteLocation(location.id), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.updateLocation(below.id, { parentLocationId: '' }), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.createLocation(org.id, 'New top'), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.createLocation(org.id, 'New below', location.id), hasCode(Code.PermissionDenied));
    assert.deepEqual(await orgState(owner, org.id), before, 'nothing the operator tried changed anything');
  });

  it('lets a location owner manage locations under its location but not create top-level ones', async () => {
    const s = server();
    const { org, location, owner } = await seedOrg(s);
    const sibling = await owner.createLocation(org.id, 'Sibling');
    const locOwner = await locationOwner(s, org.id, location.id);

    const sub = await locOwner.createLocation(org.id, 'Sub', location.id);
    assert.equal(sub.parentLocationId, location.id);
    const subsub = await locOwner.createLocation(org.id, 'Sub-sub', sub.id);
    assert.equal((await locOwner.updateLocation(sub.id, { name: 'Sub renamed' })).name, 'Sub renamed');
    assert.equal((await locOwner.updateLocation(location.id, { name: 'Renamed by its owner' })).name, 'Renamed by its owner');
    assert.equal((await locOwner.updateLocation(subsub.id, { parentLocationId: location.id })).parentLocationId, location.id);
    await locOwner.deleteLocation(subsub.id);

    const before = await orgState(owner, org.id);
    await assert.rejects(locOwner.createLocation(org.id, 'Top level'), hasCode(Code.PermissionDenied));
    await assert.rejects(locOwner.createLocation(org.id, 'Next to sibling', sibling.id), hasCode(Code.NotFound, sibling.id));
    await assert.rejects(locOwner.updateLocation(sub.id, { parentLocationId: sibling.id }), hasCode(Code.NotFound, sibling.id));
    await assert.rejects(locOwner.updateLocation(sibling.id, { name: 'Taken' }), hasCode(Code.NotFound, sibling.id));
    await assert.rejects(locOwner.updateOrganization(org.id, { name: 'Taken' }), hasCode(Code.PermissionDenied));
    assert.deepEqual(await orgState(owner, org.id), before);
    assert.deepEqual(
      (await locOwner.listLocations(org.id)).map((l) => l.id),
      [location.id, sub.id],
    );
  });

  it('does not let a location owner move its location to the top level, which only an organization owner may create', async () => {
    const s = server();
    const { org, location, owner } = await seedOrg(s);
    const child = await owner.createLocation(org.id, 'Child', location.id);
    const childOwner = await locationOwner(s, org.id, child.id);
    const before = await orgState(owner, org.id);
    await assert.rejects(childOwner.createLocation(org.id, 'Top level'), hasCode(Code.PermissionDenied));
    // Moving to the top level makes a top-level location and takes it out of sight of the parent's
    // owners and operators; it must need what creating one needs.
    await assert.rejects(childOwner.updateLocation(child.id, { parentLocationId: '' }), hasCode(Code.PermissionDenied));
    assert.deepEqual(await orgState(owner, org.id), before);
  });

  it('never lets two concurrent opposite moves join two locations into a cycle', async () => {
    const s = server();
    const { org, owner } = await seedOrg(s);
    for (let round = 0; round < 8; round++) {
      const x = await owner.createLocation(org.id, `X${round}`);
      const y = await owner.createLocation(org.id, `Y${round}`);
      // x under y and y under x at once: each is valid alone, together they are a cycle.
      const [xy, yx] = await Promise.all([
        outcome(owner.updateLocation(x.id, { parentLocationId: y.id })),
        outcome(owner.updateLocation(y.id, { parentLocationId: x.id })),
      ]);
      assert.deepEqual(
        [xy, yx].filter((c) => c === 0).length,
        1,
        `round ${round}: exactly one of the two moves may succeed (got codes ${xy} and ${yx}); both succeeding makes ${x.id} and ${y.id} each other's parent`,
      );
      const refused = xy === 0 ? yx : xy;
      assert.equal(refused, Code.InvalidArgument, `round ${round}: the second move is refused as a cycle`);
    }
  });
});
