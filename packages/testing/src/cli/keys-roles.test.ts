import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Code, hasCode } from '../assertions.js';
import { newMachine } from '../fleet.js';
import { newKey, seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { assertError, jsonError, loginWithKey, textTable, unique } from './helpers.js';

interface RoleJson {
  identityId: string;
  identityType: 'user' | 'api-key';
  role: 'owner' | 'operator';
  resourceType: 'organization' | 'location' | 'robot';
  resourceId: string;
  organizationId: string;
}

interface KeyJson {
  id: string;
  name: string;
  createdOn: string | null;
  roles: { role: string; resourceType: string; resourceId: string; organizationId: string }[];
}

const byId = <T extends { id: string }>(list: T[]): T[] => [...list].sort((x, y) => x.id.localeCompare(y.id));

await describeEngines('hangar organizations api-key, hangar roles', (server) => {
  it("lists an organization's API keys with their roles, as JSON and as a table", async () => {
    const s = server();
    const a = await seedOrg(s, unique('Keys'));
    const rover = await newMachine(a.owner, a.location.id, 'rover');
    const machineKey = await newKey(a.owner, a.org.id, { role: 'owner', resourceType: 'robot', resourceId: rover.robotId });
    const cli = await loginWithKey(s, a.ownerKey);

    const listed = await a.owner.listKeys(a.org.id);
    const meta = (id: string) => {
      const k = listed.find((x) => x.apiKey?.id === id)?.apiKey;
      return { name: k?.name ?? '', createdOn: k?.createdOn?.toDate().toISOString() ?? null };
    };
    const expected: KeyJson[] = [
      {
        id: a.ownerKey.id,
        ...meta(a.ownerKey.id),
        roles: [{ role: 'owner', resourceType: 'organization', resourceId: a.org.id, organizationId: a.org.id }],
      },
      {
        id: a.operatorKey.id,
        ...meta(a.operatorKey.id),
        roles: [{ role: 'operator', resourceType: 'location', resourceId: a.location.id, organizationId: a.org.id }],
      },
      {
        id: machineKey.id,
        ...meta(machineKey.id),
        roles: [{ role: 'owner', resourceType: 'robot', resourceId: rover.robotId, organizationId: a.org.id }],
      },
    ];
    const json = await cli(['organizations', 'api-key', 'list', '--org-id', a.org.name, '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(byId(json.json<KeyJson[]>()), byId(expected));
    const order = json.json<KeyJson[]>().map((k) => k.id);

    const human = await cli(['organizations', 'api-key', 'list', '--organization', a.org.id]);
    assert.equal(human.code, 0, human.stderr);
    const roles: Record<string, string> = {
      [a.ownerKey.id]: `owner on organization "${a.org.name}"`,
      [a.operatorKey.id]: `operator on location "${a.location.name}"`,
      [machineKey.id]: 'owner on machine "rover"',
    };
    assert.equal(
      human.stdout,
      textTable([['NAME', 'ID', 'CREATED', 'ROLES'], ...order.map((id) => [meta(id).name, id, meta(id).createdOn ?? '', roles[id] ?? ''])]),
    );
  });

  it('rotates a key: the new secret is printed once with a warning, and the old one stops working', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Rotate'));
    const ci = await newKey(a.owner, a.org.id, { role: 'operator', resourceType: 'location', resourceId: a.location.id });
    const cli = await loginWithKey(s, a.ownerKey);
    const r = await cli(['organizations', 'api-key', 'rotate', '--key-id', ci.id, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rotated = r.json<{ id: string; key: string }>();
    assert.equal(rotated.id, ci.id);
    assert.notEqual(rotated.key, ci.key);
    assert.equal(r.stderr, 'warning: keep the new secret safe: it is shown only this once, and the old secret no longer works\n');
    await assert.rejects(s.connect({ type: 'api-key', keyId: ci.id, key: ci.key }), hasCode(Code.Unauthenticated));
    const client = await s.connect({ type: 'api-key', keyId: ci.id, key: rotated.key });
    assert.equal((await client.getLocation(a.location.id)).id, a.location.id);
  });

  it('deletes a key with --yes, refuses without it when not on a terminal (exit 2), and rejects a key id that is no id', async () => {
    const s = server();
    const a = await seedOrg(s, unique('DeleteKey'));
    const doomed = await newKey(a.owner, a.org.id, { role: 'operator', resourceType: 'location', resourceId: a.location.id });
    const cli = await loginWithKey(s, a.ownerKey);
    assertError(
      await cli(['organizations', 'api-key', 'delete', '--key-id', doomed.id]),
      2,
      `refusing to delete API key ${doomed.id} without confirmation`,
      'pass --yes to confirm',
    );
    const r = await cli(['organizations', 'api-key', 'delete', '--key-id', doomed.id, '--yes']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Deleted API key ${doomed.id}.\n`);
    await assert.rejects(s.connect({ type: 'api-key', keyId: doomed.id, key: doomed.key }), hasCode(Code.Unauthenticated));
    assertError(
      await cli(['organizations', 'api-key', 'delete', '--key-id', 'ci-key', '--yes']),
      2,
      '--key-id must be an API key id (a UUID), got "ci-key"',
      'hangar organizations api-key list',
    );
  });

  it('adds a role for a user given by email, lists roles on a resource, changes it and removes it', async () => {
    const s = server();
    // Created by the administrator as a user, so that user is a member who can be given roles.
    const a = await seedOrg(s, unique('Roles'), { creator: 'admin-user' });
    const cli = await loginWithKey(s, a.ownerKey);
    const adminId = await s.client.getUserIdByEmail(s.admin.email);
    const operatorRole: RoleJson = {
      identityId: adminId,
      identityType: 'user',
      role: 'operator',
      resourceType: 'location',
      resourceId: a.location.id,
      organizationId: a.org.id,
    };
    const add = [
      '--organization',
      a.org.name,
      '--user',
      s.admin.email,
      '--role',
      'operator',
      '--resource-type',
      'location',
      '--resource',
      a.location.name,
    ];
    const added = await cli(['roles', 'add', ...add, '--json']);
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual(added.json(), operatorRole);

    const onLocation = await cli(['roles', 'list', '--organization', a.org.id, '--resource', a.location.name, '--json']);
    assert.equal(onLocation.code, 0, onLocation.stderr);
    const keyRole: RoleJson = { ...operatorRole, identityId: a.operatorKey.id, identityType: 'api-key' };
    assert.deepEqual(
      [...onLocation.json<RoleJson[]>()].sort((x, y) => x.identityId.localeCompare(y.identityId)),
      [operatorRole, keyRole].sort((x, y) => x.identityId.localeCompare(y.identityId)),
    );
    const keyName = (await a.owner.listKeys(a.org.id)).find((k) => k.apiKey?.id === a.operatorKey.id)?.apiKey?.name ?? '';
    const human = await cli(['roles', 'list', '--organization', a.org.id, '--resource', a.location.name, '--resource-type', 'location']);
    assert.equal(human.code, 0, human.stderr);
    const who = (r: RoleJson) =>
      r.identityType === 'user' ? `user ${s.admin.email} (${adminId})` : `API key "${keyName}" (${r.identityId})`;
    assert.equal(
      human.stdout,
      textTable([
        ['IDENTITY', 'ROLE', 'RESOURCE', 'RESOURCE ID'],
        ...onLocation.json<RoleJson[]>().map((r) => [who(r), 'operator', `location "${a.location.name}"`, a.location.id]),
      ]),
    );
    assertError(await cli(['roles', 'add', ...add]), 1, 'already holds location_operator', 'choose another value');

    const changed = await cli(['roles', 'change', ...add, '--new-role', 'owner']);
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal(
      changed.stdout,
      `Changed user ${s.admin.email} (${adminId})'s operator role on location "${a.location.name}" (${a.location.id}) into the owner role on location "${a.location.name}" (${a.location.id}).\n`,
    );
    const held = (await a.owner.listAuthorizations(a.org.id, [a.location.id])).filter((x) => x.identityId === adminId);
    assert.deepEqual(
      held.map((x) => x.authorizationId),
      ['location_owner'],
    );

    const removed = await cli([
      'roles',
      'remove',
      ...add.slice(0, 4),
      '--role',
      'owner',
      '--resource-type',
      'location',
      '--resource',
      a.location.id,
      '--json',
    ]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(removed.json(), { ...operatorRole, role: 'owner', removed: true });
    assert.deepEqual(
      (await a.owner.listAuthorizations(a.org.id, [a.location.id])).map((x) => x.identityId),
      [a.operatorKey.id],
    );
  });

  it("refuses to remove an organization's last owner (exit 1, FAILED_PRECONDITION)", async () => {
    const s = server();
    const a = await seedOrg(s, unique('LastOwner'));
    // The administrator's key created the organization, so it owns it alongside the owner key.
    const admin = await loginWithKey(s, { id: s.admin.apiKeyId, key: s.admin.apiKey });
    const org = ['--organization', a.org.id, '--role', 'owner'];
    const first = await admin(['roles', 'remove', ...org, '--key-id', a.ownerKey.id]);
    assert.equal(first.code, 0, first.stderr);
    const last = await admin(['roles', 'remove', ...org, '--key-id', s.admin.apiKeyId]);
    assertError(last, 1, `cannot remove the last owner of organization ${a.org.id}`, 'give another user or API key the owner role first');
    const json = await admin(['roles', 'remove', ...org, '--key-id', s.admin.apiKeyId, '--json']);
    assert.equal(jsonError(json).code, 'FAILED_PRECONDITION');
    const owners = (await s.client.listAuthorizations(a.org.id)).filter((x) => x.authorizationId === 'organization_owner');
    assert.deepEqual(
      owners.map((x) => x.identityId),
      [s.admin.apiKeyId],
    );
  });

  it('refuses an operator key roles and key management: PERMISSION_DENIED, exit 1', async () => {
    const s = server();
    const a = await seedOrg(s, unique('NoRoles'));
    const operator = await loginWithKey(s, a.operatorKey);
    const add = await operator([
      'roles',
      'add',
      '--organization',
      a.org.id,
      '--key-id',
      a.operatorKey.id,
      '--role',
      'owner',
      '--resource-type',
      'location',
      '--resource',
      a.location.id,
      '--json',
    ]);
    assert.equal(add.code, 1);
    assert.equal(jsonError(add).code, 'PERMISSION_DENIED');
    assertError(
      await operator(['organizations', 'api-key', 'list', '--org-id', a.org.id]),
      1,
      `API key ${a.operatorKey.id} may not administer organization ${a.org.id}`,
      'lacks the role this needs',
    );
  });

  it('exits 2 on role flags that do not add up, and 1 on an unknown email', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Usage'));
    const cli = await loginWithKey(s, a.ownerKey);
    assertError(await cli(['roles', 'add', '--organization', a.org.id, '--role', 'owner']), 2, 'pass --user <email|id> or --key-id <id>');
    assertError(
      await cli(['roles', 'add', '--organization', a.org.id, '--user', 'x@example.com', '--key-id', a.ownerKey.id, '--role', 'owner']),
      2,
      'pass only one of --user and --key-id',
    );
    assertError(
      await cli(['roles', 'add', '--organization', a.org.id, '--user', 'x@example.com', '--role', 'boss']),
      2,
      "option '--role <role>' argument 'boss' is invalid",
      'hangar roles add --help',
    );
    assertError(
      await cli(['roles', 'change', '--organization', a.org.id, '--key-id', a.ownerKey.id, '--role', 'owner']),
      2,
      'nothing to change',
    );
    assertError(
      await cli(['roles', 'add', '--organization', a.org.id, '--user', 'nobody@example.com', '--role', 'owner']),
      1,
      'no user with the email "nobody@example.com" on this server',
    );
  });
});
