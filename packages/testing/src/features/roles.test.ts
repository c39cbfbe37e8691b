/** Roles: AddRole, RemoveRole, ChangeRole, ListAuthorizations and CheckPermissions. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AppClient, appApi } from '@hangar/sdk';
import { Code, hasCode } from '../assertions.js';
import { MISSING_ID, newKey, seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import type { TestServer } from '../server.js';
import { grantRole, insertUser } from '../users.js';

/** Authorizations as sorted [identity type, identity id, authorization id, resource type, resource id] rows. */
function rows(
  auths: readonly Pick<appApi.Authorization, 'identityType' | 'identityId' | 'authorizationId' | 'resourceType' | 'resourceId'>[],
): string[][] {
  return auths
    .map((a) => [a.identityType, a.identityId, a.authorizationId, a.resourceType, a.resourceId])
    .sort((x, y) => x.join().localeCompare(y.join()));
}

function asUser(s: TestServer): Promise<AppClient> {
  return s.connect({ type: 'password', email: s.admin.email, password: s.admin.password });
}

await describeEngines('roles', (server) => {
  it('grants an API key a new role that an already-minted token uses on its very next call', async () => {
    const s = server();
    const { org, location, owner, operatorKey } = await seedOrg(s);
    const second = await owner.createLocation(org.id, 'Second');
    const robotId = await owner.newRobot('later', second.id);
    const client = await s.connect({ type: 'api-key', keyId: operatorKey.id, key: operatorKey.key });
    const byToken = await s.connect({ type: 'access-token', token: client.accessToken });
    await assert.rejects(byToken.getLocation(second.id), hasCode(Code.NotFound, second.id));

    // The official SDKs send identity_type "": the server works out that the id is an API key.
    await owner.addRole(org.id, operatorKey.id, 'operator', 'location', second.id);
    assert.equal((await byToken.getLocation(second.id)).id, second.id);
    assert.equal((await byToken.getRobot(robotId)).name, 'later');
    assert.deepEqual(rows(await owner.listAuthorizations(org.id, [second.id])), [
      ['api-key', operatorKey.id, 'location_operator', 'location', second.id],
    ]);
    assert.equal((await byToken.getLocation(location.id)).id, location.id, 'the old role stays');

    await owner.removeRole(org.id, operatorKey.id, 'operator', 'location', second.id);
    await assert.rejects(byToken.getLocation(second.id), hasCode(Code.NotFound, second.id));
    await assert.rejects(byToken.getRobot(robotId), hasCode(Code.NotFound, robotId));
    assert.deepEqual(await owner.listAuthorizations(org.id, [second.id]), []);
    assert.equal((await byToken.getLocation(location.id)).id, location.id);
    // Removing it again finds nothing to remove.
    await assert.rejects(
      owner.removeRole(org.id, operatorKey.id, 'operator', 'location', second.id),
      hasCode(Code.NotFound, operatorKey.id),
    );
  });

  it('changes a location operator into its owner', async () => {
    const s = server();
    const { org, location, owner, operator, operatorKey } = await seedOrg(s);
    await assert.rejects(operator.newRobot('before', location.id), hasCode(Code.PermissionDenied));
    await owner.changeRole(org.id, operatorKey.id, 'operator', 'location', location.id, operatorKey.id, 'owner', 'location', location.id);
    assert.deepEqual(rows(await owner.listAuthorizations(org.id, [location.id])), [
      ['api-key', operatorKey.id, 'location_owner', 'location', location.id],
    ]);
    // The same token, now an owner of the location.
    const robotId = await operator.newRobot('after', location.id);
    await operator.deleteRobot(robotId);

    const before = await owner.listAuthorizations(org.id);
    await assert.rejects(
      owner.changeRole(org.id, operatorKey.id, 'operator', 'location', location.id, operatorKey.id, 'owner', 'robot', MISSING_ID),
      hasCode(Code.NotFound),
    );
    await assert.rejects(
      owner.changeRole(org.id, operatorKey.id, 'operator', 'location', location.id, operatorKey.id, 'owner', 'location', location.id),
      hasCode(Code.NotFound, operatorKey.id),
      'the old role is gone',
    );
    assert.deepEqual(rows(await owner.listAuthorizations(org.id)), rows(before));
  });

  it('changes a role atomically: a new role the identity already holds leaves the old one in place', async () => {
    const s = server();
    const { org, location, owner, operatorKey } = await seedOrg(s);
    await owner.addRole(org.id, operatorKey.id, 'owner', 'location', location.id);
    const before = rows(await owner.listAuthorizations(org.id));
    await assert.rejects(
      owner.changeRole(org.id, operatorKey.id, 'operator', 'location', location.id, operatorKey.id, 'owner', 'location', location.id),
      hasCode(Code.AlreadyExists, operatorKey.id),
    );
    assert.deepEqual(rows(await owner.listAuthorizations(org.id)), before, 'the operator role was not removed');
  });

  it('refuses to remove or demote the last owner of an organization, changing nothing', async () => {
    const s = server();
    const user = await asUser(s);
    const userId = await user.getUserIdByEmail(s.admin.email);
    const solo = await user.createOrganization('Solo');
    const only = [['user', userId, 'organization_owner', 'organization', solo.id]];
    assert.deepEqual(rows(await user.listAuthorizations(solo.id)), only);

    await assert.rejects(
      user.removeRole(solo.id, userId, 'owner', 'organization', solo.id),
      hasCode(Code.FailedPrecondition, 'last owner'),
    );
    await assert.rejects(
      user.changeRole(solo.id, userId, 'owner', 'organization', solo.id, userId, 'operator', 'organization', solo.id),
      hasCode(Code.FailedPrecondition, 'last owner'),
    );
    assert.deepEqual(rows(await user.listAuthorizations(solo.id)), only);
    assert.ok((await user.listOrganizations()).some((o) => o.id === solo.id));

    // With a second owner the user may step down; then that owner is the last.
    const key = await newKey(user, solo.id, { role: 'owner', resourceType: 'organization', resourceId: solo.id });
    const keyClient = await s.connect({ type: 'api-key', keyId: key.id, key: key.key });
    await user.removeRole(solo.id, userId, 'owner', 'organization', solo.id);
    assert.ok(!(await user.listOrganizations()).some((o) => o.id === solo.id));
    await assert.rejects(
      keyClient.removeRole(solo.id, key.id, 'owner', 'organization', solo.id),
      hasCode(Code.FailedPrecondition, 'last owner'),
    );
    assert.deepEqual(rows(await keyClient.listAuthorizations(solo.id)), [
      ['api-key', key.id, 'organization_owner', 'organization', solo.id],
    ]);
  });

  it('refuses a role the identity already holds, an unknown identity and a key of another organization', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const before = rows(await s.client.listAuthorizations(a.org.id));
    await assert.rejects(
      a.owner.addRole(a.org.id, a.operatorKey.id, 'operator', 'location', a.location.id),
      hasCode(Code.AlreadyExists, a.operatorKey.id),
    );
    await assert.rejects(a.owner.addRole(a.org.id, MISSING_ID, 'operator', 'location', a.location.id), hasCode(Code.NotFound, MISSING_ID));
    await assert.rejects(
      a.owner.addRole(a.org.id, 'not-a-uuid', 'operator', 'location', a.location.id),
      hasCode(Code.InvalidArgument, 'identity_id'),
    );
    // The admin key owns both organizations, so only the key's organization can be wrong; the answer is
    // the one a missing key gets, so it says nothing about the other tenant.
    await assert.rejects(
      s.client.addRole(a.org.id, b.ownerKey.id, 'operator', 'location', a.location.id),
      hasCode(Code.NotFound, b.ownerKey.id),
    );
    // Nor may a role be filed under one organization for a resource of another.
    await assert.rejects(
      s.client.addRole(a.org.id, a.operatorKey.id, 'operator', 'location', b.location.id),
      hasCode(Code.InvalidArgument, b.location.id),
    );
    assert.deepEqual(rows(await s.client.listAuthorizations(a.org.id)), before);
    await assert.rejects(a.operator.getLocation(b.location.id), hasCode(Code.NotFound));
  });

  it('does not let a location operator hand out, take away or list roles', async () => {
    const s = server();
    const { org, location, owner, operator, operatorKey, ownerKey } = await seedOrg(s);
    const before = rows(await owner.listAuthorizations(org.id));
    await assert.rejects(operator.addRole(org.id, operatorKey.id, 'owner', 'location', location.id), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.removeRole(org.id, ownerKey.id, 'owner', 'organization', org.id), hasCode(Code.PermissionDenied));
    await assert.rejects(
      operator.changeRole(org.id, operatorKey.id, 'operator', 'location', location.id, operatorKey.id, 'owner', 'location', location.id),
      hasCode(Code.PermissionDenied),
    );
    await assert.rejects(operator.listAuthorizations(org.id), hasCode(Code.PermissionDenied));
    assert.deepEqual(rows(await owner.listAuthorizations(org.id)), before);
  });

  it('lists every role in an organization, or those on the given resources, with identity types filled in', async () => {
    const s = server();
    // Created by the administrator as a user, who is then a member that can be given another role.
    const { org, location, owner, ownerKey, operatorKey } = await seedOrg(s, undefined, { creator: 'admin-user' });
    const robotId = await owner.newRobot('listed', location.id);
    const userId = await s.client.getUserIdByEmail(s.admin.email);
    await owner.addRole(org.id, userId, 'operator', 'robot', robotId);

    const all = await owner.listAuthorizations(org.id);
    assert.deepEqual(
      rows(all),
      rows([
        {
          identityType: 'user',
          identityId: userId,
          authorizationId: 'organization_owner',
          resourceType: 'organization',
          resourceId: org.id,
        },
        {
          identityType: 'api-key',
          identityId: ownerKey.id,
          authorizationId: 'organization_owner',
          resourceType: 'organization',
          resourceId: org.id,
        },
        {
          identityType: 'api-key',
          identityId: operatorKey.id,
          authorizationId: 'location_operator',
          resourceType: 'location',
          resourceId: location.id,
        },
        { identityType: 'user', identityId: userId, authorizationId: 'robot_operator', resourceType: 'robot', resourceId: robotId },
      ]),
    );
    for (const a of all) {
      assert.equal(a.authorizationType, 'role');
      assert.equal(a.organizationId, org.id);
    }
    assert.deepEqual(rows(await owner.listAuthorizations(org.id, [robotId])), [['user', userId, 'robot_operator', 'robot', robotId]]);
    assert.deepEqual(rows(await owner.listAuthorizations(org.id, [location.id])), [
      ['api-key', operatorKey.id, 'location_operator', 'location', location.id],
    ]);
    assert.deepEqual(
      rows(await owner.listAuthorizations(org.id, [robotId, location.id])),
      [
        ['api-key', operatorKey.id, 'location_operator', 'location', location.id],
        ['user', userId, 'robot_operator', 'robot', robotId],
      ].sort((x, y) => x.join().localeCompare(y.join())),
    );
    assert.equal((await owner.listAuthorizations(org.id, [org.id])).length, 2);
    assert.deepEqual(await owner.listAuthorizations(org.id, [MISSING_ID]), []);
    await assert.rejects(owner.listAuthorizations(org.id, ['not-a-uuid']), hasCode(Code.InvalidArgument, 'resource_ids'));
    await assert.rejects(owner.listAuthorizations(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
  });

  it('answers CheckPermissions with only the permissions the caller holds', async () => {
    const s = server();
    const { org, location, owner, operator } = await seedOrg(s);
    const robotId = await owner.newRobot('perm', location.id);
    const other = await seedOrg(s);
    const perms = (p: readonly appApi.AuthorizedPermissions[]) => p.map((x) => [x.resourceType, x.resourceId, [...x.permissions]]);

    assert.deepEqual(
      perms(
        await owner.checkPermissions([
          { resourceType: 'organization', resourceId: org.id, permissions: ['control_robot', 'read_robot_logs'] },
        ]),
      ),
      [['organization', org.id, ['control_robot', 'read_robot_logs']]],
    );
    assert.deepEqual(
      perms(
        await operator.checkPermissions([
          {
            resourceType: 'location',
            resourceId: location.id,
            permissions: ['read_location', 'control_robot', 'write_location', 'made_up_permission'],
          },
          { resourceType: 'robot', resourceId: robotId, permissions: ['read_robot', 'write_robot', 'read_robot_logs'] },
          { resourceType: 'organization', resourceId: org.id, permissions: ['read_organization', 'write_organization', 'read_api_keys'] },
          { resourceType: 'organization', resourceId: other.org.id, permissions: ['read_organization', 'control_robot'] },
          { resourceType: 'location', resourceId: other.location.id, permissions: ['read_location'] },
        ]),
      ),
      [
        ['location', location.id, ['read_location', 'control_robot']],
        ['robot', robotId, ['read_robot', 'read_robot_logs']],
        ['organization', org.id, ['read_organization']],
        ['organization', other.org.id, []],
        ['location', other.location.id, []],
      ],
    );
    // Unknown names are never held, not even by an owner.
    assert.deepEqual(
      perms(
        await owner.checkPermissions([{ resourceType: 'organization', resourceId: org.id, permissions: ['fly', 'write_organization'] }]),
      ),
      [['organization', org.id, ['write_organization']]],
    );
    assert.deepEqual(
      perms(await owner.checkPermissions([{ resourceType: 'robot', resourceId: MISSING_ID, permissions: ['read_robot'] }])),
      [['robot', MISSING_ID, []]],
    );
    await assert.rejects(owner.checkPermissions([]), hasCode(Code.InvalidArgument, 'permissions'));
    await assert.rejects(
      owner.checkPermissions([{ resourceType: 'planet', resourceId: org.id, permissions: ['read_organization'] }]),
      hasCode(Code.InvalidArgument, 'resource_type'),
    );
    await assert.rejects(
      owner.checkPermissions([{ resourceType: 'organization', resourceId: 'x', permissions: ['read_organization'] }]),
      hasCode(Code.InvalidArgument, 'resource_id'),
    );
  });

  it('shows a member a new role at once, and never adds someone who is not a member', async () => {
    const s = server();
    const { org, location, owner } = await seedOrg(s);
    const robotId = await owner.newRobot('members-only', location.id);
    const person = await insertUser(s);
    const user = await s.connect({ type: 'password', email: person.email, password: person.password });
    assert.deepEqual(await user.listOrganizations(), []);
    await assert.rejects(owner.addRole(org.id, person.id, 'operator', 'location', location.id), hasCode(Code.NotFound, /invite/));
    assert.deepEqual(await user.listOrganizations(), [], 'no role was filed');

    // Once a member (here: as an accepted invitation to one machine would make them), roles reach them.
    await grantRole(s, person, org.id, 'operator', 'robot', robotId);
    assert.deepEqual(
      (await user.listOrganizations()).map((o) => o.id),
      [org.id],
    );
    await assert.rejects(user.getLocation(location.id), hasCode(Code.NotFound, location.id));
    await owner.addRole(org.id, person.id, 'operator', 'location', location.id);
    assert.deepEqual(
      (await user.listLocations(org.id)).map((l) => l.id),
      [location.id],
      'the same session sees it at once',
    );
    assert.ok((await user.listOrganizationsByUser(person.id)).some((o) => o.orgId === org.id));
    await assert.rejects(user.createLocation(org.id, 'Not mine'), hasCode(Code.PermissionDenied));
    const [members] = await owner.listOrganizationMembers(org.id);
    assert.deepEqual(
      members.map((m) => m.userId),
      [person.id],
    );
    assert.deepEqual(
      rows(await owner.listAuthorizations(org.id, [location.id])).filter((r) => r[0] === 'user'),
      [['user', person.id, 'location_operator', 'location', location.id]],
    );
    await owner.removeRole(org.id, person.id, 'operator', 'location', location.id);
    await assert.rejects(user.getLocation(location.id), hasCode(Code.NotFound, location.id));
    assert.equal((await user.getRobot(robotId)).id, robotId, 'the other role stays');
  });
});
