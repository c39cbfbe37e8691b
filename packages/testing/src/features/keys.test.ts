/** API keys: CreateKey, ListKeys, RotateKey, DeleteKey, RenameKey, CreateKeyFromExistingKeyAuthorizations, GetRobotAPIKeys. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AppClient, appApi } from '@hangar/sdk';
import { Code, hasCode } from '../assertions.js';
import { MISSING_ID, newKey, seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import type { TestServer } from '../server.js';
import { rawClients } from '../wire-clients.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A key's roles as [authorization id, resource type, resource id, organization id], sorted. */
function rolesOf(key: appApi.APIKeyWithAuthorizations | undefined): string[][] {
  return (key?.authorizations ?? [])
    .map((a) => [a.authorizationId, a.resourceType, a.resourceId, a.orgId])
    .sort((x, y) => x.join().localeCompare(y.join()));
}

function keyIn(keys: readonly appApi.APIKeyWithAuthorizations[], id: string): appApi.APIKeyWithAuthorizations | undefined {
  return keys.find((k) => k.apiKey?.id === id);
}

/** Every key of the organization as JSON, to compare before and after a refused call. */
async function keysState(client: AppClient, orgId: string) {
  return (await client.listKeys(orgId)).map((k) => k.toJson());
}

function login(s: TestServer, key: { id: string; key: string }): Promise<AppClient> {
  return s.connect({ type: 'api-key', keyId: key.id, key: key.key });
}

await describeEngines('API keys', (server) => {
  it('creates a key, returning [secret, id], that authenticates with the roles it was given', async () => {
    const s = server();
    const { org, location, owner } = await seedOrg(s);
    const [secret, id] = await owner.createKey(
      org.id,
      [{ role: 'operator', resourceType: 'location', resourceId: location.id }],
      'ci-runner',
    );
    assert.match(id, UUID);
    assert.equal(typeof secret, 'string');
    assert.ok(secret.length >= 24, 'a real secret');
    assert.doesNotMatch(secret, UUID, 'the secret comes first, the id second');
    const client = await login(s, { id, key: secret });
    assert.deepEqual(
      (await client.listLocations(org.id)).map((l) => l.id),
      [location.id],
    );
    await assert.rejects(client.createLocation(org.id, 'Nope'), hasCode(Code.PermissionDenied));
  });

  it("lists an organization's keys with their roles and never their secrets", async () => {
    const s = server();
    const { org, location, owner, ownerKey, operatorKey } = await seedOrg(s);
    const robotId = await owner.newRobot('listed', location.id);
    const [, multiId] = await owner.createKey(
      org.id,
      [
        { role: 'owner', resourceType: 'location', resourceId: location.id },
        { role: 'operator', resourceType: 'robot', resourceId: robotId },
      ],
      'multi',
    );
    const keys = await owner.listKeys(org.id);
    assert.deepEqual(
      keys.map((k) => k.apiKey?.id),
      [ownerKey.id, operatorKey.id, multiId],
      'oldest first, only keys of this organization',
    );
    for (const k of keys) {
      assert.equal(k.apiKey?.key, '', 'ListKeys never returns a secret');
      assert.ok(k.apiKey.createdOn !== undefined);
      for (const a of k.authorizations) assert.equal(a.authorizationType, 'role');
    }
    assert.deepEqual(rolesOf(keyIn(keys, ownerKey.id)), [['organization_owner', 'organization', org.id, org.id]]);
    assert.deepEqual(rolesOf(keyIn(keys, operatorKey.id)), [['location_operator', 'location', location.id, org.id]]);
    assert.deepEqual(rolesOf(keyIn(keys, multiId)), [
      ['location_owner', 'location', location.id, org.id],
      ['robot_operator', 'robot', robotId, org.id],
    ]);
    assert.equal(keyIn(keys, multiId)?.apiKey?.name, 'multi');
    const json = JSON.stringify(keys.map((k) => k.toJson()));
    assert.ok(!json.includes(ownerKey.key) && !json.includes(operatorKey.key), 'no secret anywhere in the answer');
  });

  it('rotates a key: same id, new secret, and the old secret and its tokens stop working at once', async () => {
    const s = server();
    const { org, owner } = await seedOrg(s);
    const victim = await newKey(owner, org.id, { role: 'owner', resourceType: 'organization', resourceId: org.id });
    const oldClient = await login(s, victim);
    const oldToken = await s.connect({ type: 'access-token', token: oldClient.accessToken });
    assert.equal((await oldToken.getOrganization(org.id)).id, org.id);

    const [newSecret, sameId] = await owner.rotateKey(victim.id);
    assert.equal(sameId, victim.id);
    assert.notEqual(newSecret, victim.key);
    assert.ok(newSecret.length >= 24);

    await assert.rejects(login(s, victim), hasCode(Code.Unauthenticated));
    await assert.rejects(oldToken.getOrganization(org.id), hasCode(Code.Unauthenticated, 'rotated'));
    await assert.rejects(oldClient.getOrganization(org.id), hasCode(Code.Unauthenticated));
    const fresh = await login(s, { id: victim.id, key: newSecret });
    assert.equal((await fresh.getOrganization(org.id)).id, org.id);
    // The key keeps its name and roles.
    const listed = keyIn(await owner.listKeys(org.id), victim.id);
    assert.deepEqual(rolesOf(listed), [['organization_owner', 'organization', org.id, org.id]]);
    await assert.rejects(owner.rotateKey(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
  });

  it('deletes a key: its tokens stop working at once and its roles go with it', async () => {
    const s = server();
    const { org, location, owner } = await seedOrg(s);
    const doomed = await newKey(owner, org.id, { role: 'operator', resourceType: 'location', resourceId: location.id });
    const client = await login(s, doomed);
    assert.deepEqual((await client.listRobots(location.id)).length, 0);
    await owner.deleteKey(doomed.id);
    await assert.rejects(client.listRobots(location.id), hasCode(Code.Unauthenticated));
    await assert.rejects(
      s.connect({ type: 'access-token', token: client.accessToken }).then((c) => c.listRobots(location.id)),
      hasCode(Code.Unauthenticated),
    );
    await assert.rejects(login(s, doomed), hasCode(Code.Unauthenticated));
    assert.equal(keyIn(await owner.listKeys(org.id), doomed.id), undefined);
    assert.ok(!(await owner.listAuthorizations(org.id)).some((a) => a.identityId === doomed.id));
    await assert.rejects(owner.deleteKey(doomed.id), hasCode(Code.NotFound, doomed.id));
    await assert.rejects(owner.deleteKey('not-a-uuid'), hasCode(Code.InvalidArgument, 'id'));
  });

  it('creates a key with the same roles as an existing one', async () => {
    const s = server();
    const { org, location, owner } = await seedOrg(s);
    const robotId = await owner.newRobot('copied', location.id);
    const [, sourceId] = await owner.createKey(
      org.id,
      [
        { role: 'operator', resourceType: 'location', resourceId: location.id },
        { role: 'owner', resourceType: 'robot', resourceId: robotId },
      ],
      'source',
    );
    const [copySecret, copyId] = await owner.createKeyFromExistingKeyAuthorizations(sourceId);
    assert.match(copyId, UUID);
    assert.notEqual(copyId, sourceId);
    const keys = await owner.listKeys(org.id);
    assert.deepEqual(rolesOf(keyIn(keys, copyId)), rolesOf(keyIn(keys, sourceId)));
    assert.equal(rolesOf(keyIn(keys, copyId)).length, 2);
    const copy = await login(s, { id: copyId, key: copySecret });
    assert.equal((await copy.getRobot(robotId)).name, 'copied');
    await copy.updateRobot(robotId, 'renamed-by-copy');
    // The source key is untouched.
    assert.deepEqual(rolesOf(keyIn(await owner.listKeys(org.id), sourceId)).length, 2);
    await assert.rejects(owner.createKeyFromExistingKeyAuthorizations(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
  });

  it('copies a key whose name is as long as names may be', async () => {
    const { org, location, owner } = await seedOrg(server());
    const [, id] = await owner.createKey(org.id, [{ role: 'operator', resourceType: 'location', resourceId: location.id }], 'k'.repeat(64));
    // The caller sends no name for the copy, so a name the server derives must never be refused.
    const [, copyId] = await owner.createKeyFromExistingKeyAuthorizations(id);
    const copy = keyIn(await owner.listKeys(org.id), copyId);
    assert.ok(copy !== undefined);
    assert.ok((copy.apiKey?.name ?? '').length <= 64);
    assert.deepEqual(rolesOf(copy), [['location_operator', 'location', location.id, org.id]]);
  });

  it('lists the keys holding a role on a machine', async () => {
    const s = server();
    const { org, location, owner, ownerKey } = await seedOrg(s);
    const robotId = await owner.newRobot('keyed', location.id);
    const otherRobot = await owner.newRobot('unkeyed', location.id);
    const robotKey = await newKey(owner, org.id, { role: 'operator', resourceType: 'robot', resourceId: robotId });
    const [, bothId] = await owner.createKey(org.id, [
      { role: 'owner', resourceType: 'robot', resourceId: robotId },
      { role: 'operator', resourceType: 'location', resourceId: location.id },
    ]);
    await newKey(owner, org.id, { role: 'owner', resourceType: 'robot', resourceId: otherRobot });
    const keys = await owner.getRobotApiKeys(robotId);
    assert.deepEqual(
      keys.map((k) => k.apiKey?.id),
      [robotKey.id, bothId],
      'keys with a role on this machine itself, not those reaching it through its location or organization',
    );
    assert.ok(keys.every((k) => k.apiKey?.key === ''));
    assert.ok(!keys.some((k) => k.apiKey?.id === ownerKey.id));
    assert.deepEqual(rolesOf(keyIn(keys, robotKey.id)), [['robot_operator', 'robot', robotId, org.id]]);
    assert.deepEqual(rolesOf(keyIn(keys, bothId)), [
      ['location_operator', 'location', location.id, org.id],
      ['robot_owner', 'robot', robotId, org.id],
    ]);
    const fresh = await owner.newRobot('fresh', location.id);
    assert.deepEqual(await owner.getRobotApiKeys(fresh), []);
    await assert.rejects(owner.getRobotApiKeys(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
  });

  it('renames a key', async () => {
    const { org, owner } = await seedOrg(server());
    const key = await newKey(owner, org.id, { role: 'owner', resourceType: 'organization', resourceId: org.id });
    assert.deepEqual(await owner.renameKey(key.id, '  deploy bot  '), { id: key.id, name: 'deploy bot' });
    assert.equal(keyIn(await owner.listKeys(org.id), key.id)?.apiKey?.name, 'deploy bot');
    await assert.rejects(owner.renameKey(key.id, ''), hasCode(Code.InvalidArgument, 'name'));
    await assert.rejects(owner.renameKey(key.id, 'n'.repeat(65)), hasCode(Code.InvalidArgument, 'name'));
    await assert.rejects(owner.renameKey(MISSING_ID, 'ghost'), hasCode(Code.NotFound, MISSING_ID));
    assert.equal(keyIn(await owner.listKeys(org.id), key.id)?.apiKey?.name, 'deploy bot');
  });

  it("does not let a location owner delete, rotate or rename an organization owner's key", async () => {
    const s = server();
    const { org, location, owner, ownerKey } = await seedOrg(s);
    const locationOwner = await login(s, await newKey(owner, org.id, { role: 'owner', resourceType: 'location', resourceId: location.id }));
    const before = await keysState(owner, org.id);
    await assert.rejects(locationOwner.deleteKey(ownerKey.id), hasCode(Code.PermissionDenied));
    await assert.rejects(locationOwner.rotateKey(ownerKey.id), hasCode(Code.PermissionDenied));
    await assert.rejects(locationOwner.renameKey(ownerKey.id, 'mine'), hasCode(Code.PermissionDenied));
    await assert.rejects(locationOwner.createKeyFromExistingKeyAuthorizations(ownerKey.id), hasCode(Code.PermissionDenied));
    await assert.rejects(
      locationOwner.createKey(org.id, [{ role: 'owner', resourceType: 'organization', resourceId: org.id }]),
      hasCode(Code.PermissionDenied),
    );
    assert.deepEqual(await keysState(owner, org.id), before);
    assert.equal((await owner.getOrganization(org.id)).id, org.id, 'the owner key still works');
    // It may manage a key that holds roles only within its location.
    const [, mine] = await locationOwner.createKey(org.id, [{ role: 'operator', resourceType: 'location', resourceId: location.id }]);
    await locationOwner.deleteKey(mine);
  });

  it('refuses a key whose roles span two organizations, creating nothing', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const ownerOf = (orgId: string) => ({
      authorizationType: 'role',
      authorizationId: 'organization_owner',
      resourceType: 'organization',
      resourceId: orgId,
      organizationId: orgId,
      identityId: '',
      identityType: 'api-key',
    });
    const beforeA = await keysState(s.client, a.org.id);
    const beforeB = await keysState(s.client, b.org.id);
    // The admin key owns both organizations, so only the mix itself can be wrong.
    const { app } = rawClients(s.url, s.client.accessToken);
    await assert.rejects(
      app.createKey({ authorizations: [ownerOf(a.org.id), ownerOf(b.org.id)], name: 'straddler' }),
      hasCode(Code.InvalidArgument, 'organization'),
    );
    await assert.rejects(app.createKey({ authorizations: [], name: 'empty' }), hasCode(Code.InvalidArgument, 'authorizations'));
    assert.deepEqual(await keysState(s.client, a.org.id), beforeA);
    assert.deepEqual(await keysState(s.client, b.org.id), beforeB);
  });

  it('refuses a key of one organization with a role on a resource of another, creating nothing', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const robotOfB = await s.client.newRobot('foreign', b.location.id);
    const beforeA = await keysState(s.client, a.org.id);
    // The admin key administers both organizations, so the mismatch itself is the error (as for a
    // parent location of another organization).
    await assert.rejects(
      s.client.createKey(a.org.id, [{ role: 'operator', resourceType: 'location', resourceId: b.location.id }]),
      hasCode(Code.InvalidArgument, b.location.id),
    );
    await assert.rejects(
      s.client.createKey(a.org.id, [{ role: 'operator', resourceType: 'robot', resourceId: robotOfB }]),
      hasCode(Code.InvalidArgument, robotOfB),
    );
    assert.deepEqual(await keysState(s.client, a.org.id), beforeA);
    assert.deepEqual(await s.client.getRobotApiKeys(robotOfB), []);
  });

  it('does not let a location operator list or manage keys', async () => {
    const { org, owner, operator, ownerKey, operatorKey } = await seedOrg(server());
    const before = await keysState(owner, org.id);
    await assert.rejects(operator.listKeys(org.id), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.rotateKey(operatorKey.id), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.deleteKey(ownerKey.id), hasCode(Code.PermissionDenied));
    await assert.rejects(operator.createKeyFromExistingKeyAuthorizations(operatorKey.id), hasCode(Code.PermissionDenied));
    assert.deepEqual(await keysState(owner, org.id), before);
  });

  it('answers NOT_FOUND for the keys of an organization the caller is not in', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    await assert.rejects(a.owner.listKeys(b.org.id), hasCode(Code.NotFound, b.org.id));
    await assert.rejects(a.owner.deleteKey(b.ownerKey.id), hasCode(Code.NotFound, b.ownerKey.id));
    await assert.rejects(a.owner.rotateKey(b.operatorKey.id), hasCode(Code.NotFound, b.operatorKey.id));
    assert.equal((await b.owner.getOrganization(b.org.id)).id, b.org.id);
  });
});
