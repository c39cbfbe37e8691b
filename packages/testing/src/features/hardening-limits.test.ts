/**
 * What one tenant may not do to the server or to other callers: read machine secrets without owning the
 * machine, grow location chains, configs, history and responses without bound, or send unbounded lists.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Code, type JsonObject } from '@hangar/sdk';
import { openStore } from '@hangar/store';
import { hasCode } from '../assertions.js';
import { engineSkip, testEngines } from '../engines.js';
import { newMachine } from '../fleet.js';
import { newKey, seedOrg } from '../seed.js';
import { startTestServer, type TestServer } from '../server.js';
import { rawClients } from '../wire-clients.js';

/** A config object nested `depth` levels deep, built without recursion. */
function nested(depth: number): JsonObject {
  const root: JsonObject = {};
  let at = root;
  for (let i = 0; i < depth; i++) {
    const next: JsonObject = {};
    at.n = next;
    at = next;
  }
  return root;
}

/** A chain of locations `depth` long written straight into the database, as an older server allowed. */
async function insertLocationChain(s: TestServer, orgId: string, depth: number): Promise<string[]> {
  const store = openStore({ url: s.db.url, poolSize: 1 });
  const ids: string[] = [];
  try {
    await store.db.transaction().execute(async (tx) => {
      let parent: string | null = null;
      const at = new Date().toISOString();
      for (let i = 0; i < depth; i++) {
        const id = randomUUID();
        await tx
          .insertInto('locations')
          .values({ id, name: `deep ${i}`, parent_location_id: parent, primary_org_id: orgId, region: 'local', created_at: at })
          .execute();
        await tx
          .insertInto('location_organizations')
          .values({ location_id: id, organization_id: orgId, is_primary: 1, created_at: at })
          .execute();
        ids.push(id);
        parent = id;
      }
    });
  } finally {
    await store.close();
  }
  return ids;
}

for (const engine of testEngines()) {
  const skip = await engineSkip(engine);
  describe(`tenant limits [${engine}]`, { skip }, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer(engine, {
        flags: { maxLocationDepth: '4', partHistoryMaxEntries: '3', partHistoryMaxBytes: '40000', maxResponseBytes: '100000' },
      });
    });
    after(() => s.close());

    it('returns machine secrets only to callers who may change the machine', async () => {
      const a = await seedOrg(s);
      const { robotId, mainPart } = await newMachine(a.owner, a.location.id, 'secretive');
      assert.ok(mainPart.secret !== '' && mainPart.secrets.length === 1, 'the owner sees the secret');
      const robotOperatorKey = await newKey(a.owner, a.org.id, { role: 'operator', resourceType: 'robot', resourceId: robotId });
      const robotOperator = await s.connect({ type: 'api-key', keyId: robotOperatorKey.id, key: robotOperatorKey.key });
      for (const [who, client] of [
        ['location operator', a.operator],
        ['machine operator', robotOperator],
      ] as const) {
        const one = await client.getRobotPart(mainPart.id);
        assert.equal(one.secret, '', `${who}: GetRobotPart has no secret`);
        assert.deepEqual(one.secrets, [], `${who}: nor secrets`);
        const all = await client.getRobotParts(robotId);
        assert.ok(
          all.every((p) => p.secret === '' && p.secrets.length === 0),
          `${who}: GetRobotParts has none`,
        );
        assert.equal(one.fqdn, mainPart.fqdn, 'everything else is there');
      }
      const byName = await a.operator.getRobotPartByNameAndLocation(mainPart.name, a.location.id);
      assert.equal(byName.secret, '', 'nor by name');
      assert.deepEqual(byName.secrets, []);
      const again = await a.owner.getRobotPart(mainPart.id);
      assert.equal(again.secret, mainPart.secret);
      assert.equal((await a.owner.getRobotPartByNameAndLocation(mainPart.name, a.location.id)).secret, mainPart.secret);
    });

    it('refuses to nest locations deeper than --max-location-depth, on create and on move', async () => {
      const a = await seedOrg(s);
      let parent = a.location.id;
      for (let i = 2; i <= 4; i++) parent = (await a.owner.createLocation(a.org.id, `level ${i}`, parent)).id;
      await assert.rejects(
        a.owner.createLocation(a.org.id, 'level 5', parent),
        hasCode(Code.InvalidArgument, /4 levels.*max-location-depth/),
      );
      // A two-level subtree cannot move under level 3.
      const top = await a.owner.createLocation(a.org.id, 'subtree top');
      await a.owner.createLocation(a.org.id, 'subtree child', top.id);
      const levels = await a.owner.listLocations(a.org.id);
      const level3 = levels.find((l) => l.name === 'level 3');
      assert.ok(level3);
      await assert.rejects(
        a.owner.updateLocation(top.id, { parentLocationId: level3.id }),
        hasCode(Code.InvalidArgument, /max-location-depth/),
      );
      const level2 = levels.find((l) => l.name === 'level 2');
      assert.ok(level2);
      await a.owner.updateLocation(top.id, { parentLocationId: level2.id });
    });

    it('lists and deletes an organization holding a location chain thousands deep that an older server let in', async () => {
      const org = await s.client.createOrganization('Deep');
      const chain = await insertLocationChain(s, org.id, 1500);
      const operatorKey = await newKey(s.client, org.id, { role: 'operator', resourceType: 'location', resourceId: chain[1400] ?? '' });
      const operator = await s.connect({ type: 'api-key', keyId: operatorKey.id, key: operatorKey.key });
      assert.equal((await s.client.listLocations(org.id)).length, 1500);
      assert.equal((await operator.listLocations(org.id)).length, 100, 'an operator sees its location and what lies below it');
      await s.client.deleteOrganization(org.id);
      await assert.rejects(s.client.getOrganization(org.id), hasCode(Code.NotFound));
    });

    it('refuses configs over --max-config-bytes (1 MiB) and nested deeper than 100, and keeps the part readable', async () => {
      const a = await seedOrg(s);
      const { mainPart } = await newMachine(a.owner, a.location.id, 'configs');
      await assert.rejects(
        a.owner.updateRobotPart(mainPart.id, mainPart.name, { blob: 'x'.repeat(1024 * 1024) }),
        hasCode(Code.InvalidArgument, /1048576 bytes/),
      );
      await assert.rejects(a.owner.updateRobotPart(mainPart.id, mainPart.name, nested(300)), hasCode(Code.InvalidArgument, /nested.*100/));
      // Deeper than any client library can encode: JSON text, 5,000 levels, straight onto the wire.
      const deep = `${'{"fields":{"n":{"structValue":'.repeat(5000)}{}${'}}}'.repeat(5000)}`;
      const res = await fetch(`${s.url}/viam.app.v1.AppService/UpdateRobotPart`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${a.owner.accessToken}` },
        body: `{"id":"${mainPart.id}","name":"${mainPart.name}","robotConfig":${deep}}`,
      });
      const body = (await res.json()) as { code?: string };
      assert.equal(body.code, 'invalid_argument', JSON.stringify(body).slice(0, 200));
      await a.owner.updateRobotPart(mainPart.id, mainPart.name, nested(90));
      const part = await a.owner.getRobotPart(mainPart.id);
      assert.ok(part.robotConfig.n !== undefined);
      assert.equal((await a.owner.getRobotParts(part.robot)).length, 1);
    });

    it('keeps at most --part-history-max-entries and --part-history-max-bytes of history, dropping the oldest', async () => {
      const a = await seedOrg(s);
      const { mainPart } = await newMachine(a.owner, a.location.id, 'historic');
      for (let i = 1; i <= 5; i++) {
        s.clock.advance(1000);
        await a.owner.updateRobotPart(mainPart.id, mainPart.name, { version: i });
      }
      const kept = await a.owner.getRobotPartHistory(mainPart.id);
      assert.deepEqual(
        kept.map((e) => e.old?.robotConfig.version ?? 0),
        [4, 3, 2],
        'the three newest earlier versions',
      );
      // Bytes: three configs of ~15 kB exceed 40,000 bytes, so only two stay.
      for (let i = 6; i <= 9; i++) {
        s.clock.advance(1000);
        await a.owner.updateRobotPart(mainPart.id, mainPart.name, { version: i, pad: 'p'.repeat(15_000) });
      }
      const big = await a.owner.getRobotPartHistory(mainPart.id);
      assert.deepEqual(
        big.map((e) => e.old?.robotConfig.version),
        [8, 7],
      );
    });

    it('caps a history response by bytes even when the client asks for no page', async () => {
      const big = await startTestServer(engine, { flags: { maxResponseBytes: '100000', partHistoryMaxBytes: '10000000' } });
      try {
        const a = await seedOrg(big);
        const { mainPart } = await newMachine(a.owner, a.location.id, 'wide');
        for (let i = 1; i <= 6; i++) {
          big.clock.advance(1000);
          await a.owner.updateRobotPart(mainPart.id, mainPart.name, { version: i, pad: 'p'.repeat(30_000) });
        }
        // The official clients send no page headers; they get the newest entries that fit.
        const { app } = rawClients(big.url, a.owner.accessToken);
        const res = await app.getRobotPartHistory({ id: mainPart.id });
        const versions = res.history.map((e) => e.old?.robotConfig?.toJson() as JsonObject | undefined).map((c) => c?.version);
        assert.deepEqual(versions, [5, 4, 3], 'three entries of ~30 kB fit in 100,000 bytes');
        assert.ok(res.toBinary().length <= 100_000);
        // Our SDK pages through all of it.
        assert.equal((await a.owner.getRobotPartHistory(mainPart.id)).length, 6);
      } finally {
        await big.close();
      }
    });

    it('refuses unbounded lists: ListAuthorizations with 40,000 ids, CheckPermissions with 1,000 questions', async () => {
      const a = await seedOrg(s);
      const ids = Array.from({ length: 40_000 }, () => randomUUID());
      await assert.rejects(a.owner.listAuthorizations(a.org.id, ids), hasCode(Code.InvalidArgument, /resource_ids.*at most 1000/));
      const questions = Array.from({ length: 1000 }, () => ({
        resourceType: 'organization',
        resourceId: a.org.id,
        permissions: ['read_organization'],
      }));
      const { app } = rawClients(s.url, a.owner.accessToken);
      await assert.rejects(app.checkPermissions({ permissions: questions }), hasCode(Code.InvalidArgument, /permissions.*at most 100/));
      assert.equal((await a.owner.listAuthorizations(a.org.id, ids.slice(0, 1000))).length, 0);
    });
  });
}
