/**
 * Location sharing, location secrets, and secrets sealed at rest: a shared location (what lies below it
 * too) is seen by the other organization's members according to their roles there, administered only by
 * its own organization, and gone again when unshared; machine and location secrets never sit in clear in
 * the database.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Code } from '@hangar/sdk';
import { openStore } from '@hangar/store';
import { sql } from 'kysely';
import { hasCode } from '../assertions.js';
import { newMachine } from '../fleet.js';
import { newKey, seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import type { TestServer } from '../server.js';
import { officialClient } from '../viam.js';

/** Every text value of the secret columns, as a copy of the database shows them. */
async function storedSecretColumns(s: TestServer): Promise<string[]> {
  const store = openStore({ url: s.db.url, poolSize: 1 });
  try {
    const parts = await sql<{ v: string }>`select secret as v from robot_part_secrets`.execute(store.db);
    const locs = await sql<{ v: string }>`select secret_sealed as v from location_secrets`.execute(store.db);
    return [...parts.rows, ...locs.rows].map((r) => r.v);
  } finally {
    await store.close();
  }
}

await describeEngines('location sharing and secrets', (server) => {
  it('shares a location with another organization: its operator sees the machines and cannot delete them; unsharing hides them again', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const inner = await a.owner.createLocation(a.org.id, 'Inner room', a.location.id);
    const { robotId } = await newMachine(a.owner, inner.id, 'shared-bot');
    // The admin key owns both organizations (seedOrg creates them with it), so it may share into B.
    await assert.rejects(b.operator.getRobot(robotId), hasCode(Code.NotFound));
    const bOrgOperatorKey = await newKey(b.owner, b.org.id, { role: 'operator', resourceType: 'organization', resourceId: b.org.id });
    const bOperator = await s.connect({ type: 'api-key', keyId: bOrgOperatorKey.id, key: bOrgOperatorKey.key });
    await assert.rejects(a.owner.shareLocation(b.org.id, a.location.id), hasCode(Code.NotFound), "a's owner is no member of b");
    await s.client.shareLocation(b.org.id, a.location.id);

    const located = await s.client.getLocation(a.location.id);
    assert.deepEqual(
      located.organizations.map((o) => [o.organizationId, o.primary]),
      [
        [a.org.id, true],
        [b.org.id, false],
      ],
    );
    assert.deepEqual(
      (await s.client.getOrganizationsWithAccessToLocation(a.location.id)).map((o) => o.id),
      [a.org.id, b.org.id],
    );
    // B's organization operator sees the location, what is inside it, and its machines.
    assert.deepEqual((await bOperator.listLocations(b.org.id)).map((l) => l.id).sort(), [b.location.id, a.location.id, inner.id].sort());
    assert.equal((await bOperator.getRobot(robotId)).id, robotId);
    assert.ok((await bOperator.listRobotsForOrg(b.org.id)).some((r) => r.id === robotId));
    await assert.rejects(bOperator.deleteRobot(robotId), hasCode(Code.PermissionDenied));
    // B's owner manages machines there, but the location itself stays A's to administer.
    await assert.rejects(b.owner.updateLocation(a.location.id, { name: 'Taken over' }), hasCode(Code.PermissionDenied));
    await assert.rejects(b.owner.locationAuth(a.location.id), hasCode(Code.PermissionDenied));
    await assert.rejects(b.owner.unshareLocation(b.org.id, a.location.id), hasCode(Code.PermissionDenied));

    await assert.rejects(s.client.unshareLocation(a.org.id, a.location.id), hasCode(Code.FailedPrecondition, /owns location/));
    await a.owner.unshareLocation(b.org.id, a.location.id);
    await assert.rejects(bOperator.getRobot(robotId), hasCode(Code.NotFound));
    await assert.rejects(bOperator.getLocation(inner.id), hasCode(Code.NotFound));
    assert.deepEqual(
      (await bOperator.listLocations(b.org.id)).map((l) => l.id),
      [b.location.id],
    );
    await assert.rejects(a.owner.unshareLocation(b.org.id, a.location.id), hasCode(Code.NotFound));
  });

  it('removes the roles the other organization filed on the shared location when it is unshared', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const { robotId } = await newMachine(a.owner, a.location.id, 'watched-bot');
    await s.client.shareLocation(b.org.id, a.location.id);
    // B's owner files a machine role under B for one of its own keys.
    const watcherKey = await newKey(b.owner, b.org.id, { role: 'operator', resourceType: 'robot', resourceId: robotId });
    const watcher = await s.connect({ type: 'api-key', keyId: watcherKey.id, key: watcherKey.key });
    assert.equal((await watcher.getRobot(robotId)).id, robotId);
    await a.owner.unshareLocation(b.org.id, a.location.id);
    await assert.rejects(watcher.getRobot(robotId), hasCode(Code.NotFound), 'the role went with the sharing');
  });

  it('keeps at least one and at most two location secrets, for owners only', async () => {
    const s = server();
    const a = await seedOrg(s);
    const auth = await a.owner.locationAuth(a.location.id);
    assert.equal(auth.locationId, a.location.id);
    assert.equal(auth.secrets.length, 1, 'every location starts with a secret');
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the deprecated field must still carry the first secret
    assert.equal(auth.secret, auth.secrets[0]?.secret);
    assert.match(auth.secrets[0]?.secret ?? '', /^[A-Za-z0-9]{32}$/);
    await assert.rejects(a.operator.locationAuth(a.location.id), hasCode(Code.PermissionDenied));
    const two = await a.owner.createLocationSecret(a.location.id);
    assert.equal(two.secrets.length, 2);
    await assert.rejects(a.owner.createLocationSecret(a.location.id), hasCode(Code.FailedPrecondition, '2'));
    const [first, second] = two.secrets;
    assert.ok(first && second);
    await a.owner.deleteLocationSecret(first.id, a.location.id);
    await assert.rejects(a.owner.deleteLocationSecret(second.id, a.location.id), hasCode(Code.FailedPrecondition, /last secret/));
    await assert.rejects(a.owner.deleteLocationSecret(first.id, a.location.id), hasCode(Code.NotFound));
    assert.deepEqual(
      (await a.owner.locationAuth(a.location.id)).secrets.map((x) => x.id),
      [second.id],
    );
    // The official SDK reads the same.
    const viam = await officialClient(s.url, a.ownerKey.id, a.ownerKey.key);
    assert.equal((await viam.appClient.locationAuth(a.location.id))?.secrets[0]?.secret, second.secret);
  });

  it('stores machine and location secrets sealed, never as the values clients receive', async () => {
    const s = server();
    const a = await seedOrg(s);
    const { mainPart } = await newMachine(a.owner, a.location.id, 'sealed-bot');
    const clear = [mainPart.secret, ...(await a.owner.locationAuth(a.location.id)).secrets.map((x) => x.secret)];
    assert.ok(clear.every((v) => v.length === 32));
    const stored = await storedSecretColumns(s);
    for (const value of clear) assert.ok(!stored.some((v) => v.includes(value)), 'no clear secret in the database');
    assert.ok(
      stored.every((v) => v.startsWith('v1.')),
      'every stored secret is sealed',
    );
  });
});
