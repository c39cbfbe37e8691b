import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { appApi } from '@hangar/sdk';
import { tempHome } from '../cli.js';
import { newMachine } from '../fleet.js';
import { MISSING_ID, seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { assertError, cliFor, jsonError, loginWithKey, textTable, unique } from './helpers.js';

interface SecretJson {
  id: string;
  secret: string;
  createdOn: string | null;
  state: 'enabled' | 'disabled' | 'unknown';
}

const secretJson = (s: appApi.SharedSecret): SecretJson => ({
  id: s.id,
  secret: s.secret,
  createdOn: s.createdOn?.toDate().toISOString() ?? null,
  state: 'enabled',
});

await describeEngines('hangar locations share|unshare|secrets, hangar robots part secrets', (server) => {
  it('shares a location with another organization and stops sharing it, by name or by id', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Sharer'));
    const b = await seedOrg(s, unique('Sharee'));
    // The administrator's key created both organizations, so it may share between them.
    const admin = await loginWithKey(s, { id: s.admin.apiKeyId, key: s.admin.apiKey });
    const owner = await loginWithKey(s, a.ownerKey);

    const shared = await admin(['locations', 'share', '--location', a.location.id, '--organization', b.org.name, '--json']);
    assert.equal(shared.code, 0, shared.stderr);
    assert.deepEqual(shared.json(), {
      locationId: a.location.id,
      locationName: a.location.name,
      organizationId: b.org.id,
      organizationName: b.org.name,
      shared: true,
    });
    assert.deepEqual(
      (await s.client.getOrganizationsWithAccessToLocation(a.location.id)).map((o) => o.id).sort(),
      [a.org.id, b.org.id].sort(),
    );

    // a's owner is not in b: it names b by id, and the name stays unknown.
    const [byName, unshared] = await Promise.all([
      owner(['locations', 'unshare', '--location', a.location.name, '--organization', b.org.name]),
      owner(['locations', 'unshare', '--location', a.location.name, '--org-id', b.org.id, '--json']),
    ]);
    assertError(byName, 1, `no organization named "${b.org.name}"`, 'hangar organizations list');
    assert.equal(unshared.code, 0, unshared.stderr);
    assert.deepEqual(unshared.json(), {
      locationId: a.location.id,
      locationName: a.location.name,
      organizationId: b.org.id,
      organizationName: null,
      shared: false,
    });
    assert.deepEqual(
      (await s.client.getOrganizationsWithAccessToLocation(a.location.id)).map((o) => o.id),
      [a.org.id],
    );

    const [human, again, own] = await Promise.all([
      admin(['locations', 'share', '--location', a.location.name, '--org-id', b.org.id]),
      owner(['locations', 'unshare', '--location', a.location.name, '--org-id', MISSING_ID, '--json']),
      owner(['locations', 'unshare', '--location', a.location.name, '--organization', a.org.name]),
    ]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(
      human.stdout,
      `Shared location "${a.location.name}" (${a.location.id}) with organization "${b.org.name}" (${b.org.id}).\n`,
    );
    assert.equal(again.code, 1);
    assert.equal(jsonError(again).code, 'NOT_FOUND');
    assertError(own, 1, `organization ${a.org.id} owns location ${a.location.id} and cannot be unshared from it`);
  });

  it("lists, creates and deletes a location's secrets, warning that they are credentials", async () => {
    const s = server();
    const a = await seedOrg(s, unique('Secrets'));
    const cli = await loginWithKey(s, a.ownerKey);
    const [first] = (await a.owner.locationAuth(a.location.id)).secrets;
    assert.ok(first !== undefined);
    const warning = `warning: these secrets are credentials: anyone with one can connect as a machine in location "${a.location.name}"\n`;

    const listed = await cli(['locations', 'secrets', 'list', '--location', a.location.name, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(listed.json(), [secretJson(first)]);
    assert.equal(listed.stderr, warning);

    const created = await cli(['locations', 'secrets', 'create', '--location-id', a.location.id, '--json']);
    assert.equal(created.code, 0, created.stderr);
    const secrets = (await a.owner.locationAuth(a.location.id)).secrets;
    const second = secrets.find((x) => x.id !== first.id);
    assert.ok(second !== undefined && secrets.length === 2);
    assert.deepEqual(created.json(), { locationId: a.location.id, ...secretJson(second) });
    assert.equal(
      created.stderr,
      `warning: keep this secret safe: anyone with it can connect as a machine in location "${a.location.name}"\n`,
    );

    const [human, third, unconfirmed, notAnId] = await Promise.all([
      cli(['locations', 'secrets', 'list', '--location', a.location.id]),
      cli(['locations', 'secrets', 'create', '--location', a.location.id]),
      cli(['locations', 'secrets', 'delete', '--location', a.location.id, '--secret-id', first.id]),
      cli(['locations', 'secrets', 'delete', '--location', a.location.id, '--secret-id', 'old', '--yes']),
    ]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(
      human.stdout,
      textTable([['ID', 'CREATED', 'SECRET'], ...secrets.map((x) => [x.id, x.createdOn?.toDate().toISOString() ?? '', x.secret])]),
    );
    assert.equal(human.stderr, warning);
    assertError(third, 1, 'already has 2 secrets');
    assertError(unconfirmed, 2, `refusing to delete secret ${first.id} of location "${a.location.name}" without confirmation`, '--yes');
    assertError(notAnId, 2, '--secret-id must be a secret id (a UUID), got "old"', 'hangar locations secrets list');

    const deleted = await cli(['locations', 'secrets', 'delete', '--location', a.location.id, '--secret-id', first.id, '--yes', '--json']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(deleted.json(), { locationId: a.location.id, id: first.id, deleted: true });
    assert.deepEqual(
      (await a.owner.locationAuth(a.location.id)).secrets.map((x) => x.id),
      [second.id],
    );
    assertError(
      await cli(['locations', 'secrets', 'delete', '--location', a.location.id, '--secret-id', second.id, '--yes']),
      1,
      'is the last secret of location',
    );
  });

  it("lists, creates and deletes a part's secrets", async () => {
    const s = server();
    const a = await seedOrg(s, unique('PartSecrets'));
    const rover = await newMachine(a.owner, a.location.id, 'rover');
    const cli = await loginWithKey(s, a.ownerKey);
    const part = ['--robot', 'rover', '--part', 'rover-main'];
    const [first] = rover.mainPart.secrets;
    assert.ok(first !== undefined);

    const listed = await cli(['robots', 'part', 'secrets', 'list', ...part, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(listed.json(), [secretJson(first)]);
    assert.equal(listed.stderr, 'warning: these secrets are credentials: anyone with one can connect as part "rover-main"\n');

    const created = await cli(['robots', 'part', 'secrets', 'create', '--part', rover.mainPart.id, '--json']);
    assert.equal(created.code, 0, created.stderr);
    const second = (await a.owner.getRobotPart(rover.mainPart.id)).secrets.find((x) => x.id !== first.id);
    assert.ok(second !== undefined);
    assert.deepEqual(created.json(), { partId: rover.mainPart.id, ...secretJson(second) });

    assertError(
      await cli(['robots', 'part', 'secrets', 'delete', ...part, '--secret-id', first.id]),
      2,
      'refusing to delete secret',
      '--yes',
    );
    const deleted = await cli(['robots', 'part', 'secrets', 'delete', ...part, '--secret-id', first.id, '--yes']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, `Deleted secret ${first.id} of part "rover-main" (${rover.mainPart.id}).\n`);
    assert.deepEqual(
      (await a.owner.getRobotPart(rover.mainPart.id)).secrets.map((x) => x.id),
      [second.id],
    );
  });

  it('needs a session (exit 4) and an owner of the location (exit 1, PERMISSION_DENIED) for secrets', async () => {
    const s = server();
    const a = await seedOrg(s, unique('SecretGuard'));
    const operator = await loginWithKey(s, a.operatorKey);
    const nobody = cliFor(s, await tempHome());
    const [notSignedIn, denied] = await Promise.all([
      nobody(['locations', 'secrets', 'list', '--location', a.location.id]),
      operator(['locations', 'secrets', 'list', '--location', a.location.id, '--json']),
    ]);
    assertError(notSignedIn, 4, `not signed in to ${s.url}`);
    assert.equal(denied.code, 1);
    assert.equal(jsonError(denied).code, 'PERMISSION_DENIED');
  });
});
