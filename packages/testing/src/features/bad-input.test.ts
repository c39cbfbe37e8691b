/**
 * Malformed requests: each is refused with INVALID_ARGUMENT and a message naming what to fix, and
 * nothing changes — neither what the caller sees nor any row behind it.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { PartialMessage } from '@bufbuild/protobuf';
import type { appApi } from '@hangar/sdk';
import { Code, codeOf, hasCode, outcome } from '../assertions.js';
import { rowCounts } from '../inspect.js';
import { MISSING_ID, seedOrg } from '../seed.js';
import { visibleState } from '../snapshots.js';
import { describeEngines } from '../suite.js';
import type { TestServer } from '../server.js';
import { rawClients } from '../wire-clients.js';

const MALFORMED_IDS = ['nope', "' OR 1=1 --", `${MISSING_ID}0`, MISSING_ID.replaceAll('-', ''), `{${MISSING_ID}}`, ' ', 'x'.repeat(10_000)];
const BAD_NAMES = ['', '   ', 'x'.repeat(65), 'é'.repeat(65), 'nul\u0000byte', 'tab\there', 'new\nline', 'bell\u0007', 'del\u007f'];
const BAD_NAMESPACES = [
  '',
  'Upper',
  'under_score',
  'has space',
  '-leading',
  'trailing-',
  'double--dash',
  'ünicode',
  'dot.ted',
  'a'.repeat(41),
];
const BAD_REGIONS = ['', 'US-East1', 'us east1', 'us_east1', '-us-east1', 'r'.repeat(33), 'us-east1\n'];

type Auth = PartialMessage<appApi.Authorization>;

function role(authorizationId: string, resourceType: string, resourceId: string, organizationId: string): Auth {
  return { authorizationType: 'role', authorizationId, resourceType, resourceId, organizationId, identityId: '', identityType: '' };
}

/** Everything a refused call could have touched: what the admin sees and the row counts behind it. */
async function snapshot(s: TestServer) {
  return { visible: await visibleState(s.client), rows: await rowCounts(s) };
}

/** Refused with INVALID_ARGUMENT, a message naming `field` and no longer than a screen line or two. */
async function refusedNaming(call: Promise<unknown>, field: string, what: string): Promise<void> {
  await assert.rejects(call, hasCode(Code.InvalidArgument, field), what);
  const message = await call.then(
    () => '',
    (err: unknown) => (err as Error).message,
  );
  assert.ok(message.length < 300, `${what}: the message stays short however long the input (${message.length} characters)`);
}

await describeEngines('bad input', (server) => {
  it('refuses malformed organization ids with INVALID_ARGUMENT naming organization_id, changing nothing', async () => {
    const s = server();
    const { org } = await seedOrg(s);
    const before = await snapshot(s);
    const { app } = rawClients(s.url, s.client.accessToken);
    for (const id of [...MALFORMED_IDS, '']) {
      const what = `organization id ${JSON.stringify(id.slice(0, 20))}`;
      await refusedNaming(app.getOrganization({ organizationId: id }), 'organization_id', `GetOrganization ${what}`);
      await refusedNaming(app.updateOrganization({ organizationId: id, name: 'Renamed' }), 'organization_id', `UpdateOrganization ${what}`);
      await refusedNaming(app.deleteOrganization({ organizationId: id }), 'organization_id', `DeleteOrganization ${what}`);
      await refusedNaming(app.listOrganizationMembers({ organizationId: id }), 'organization_id', `ListOrganizationMembers ${what}`);
      await refusedNaming(app.listLocations({ organizationId: id }), 'organization_id', `ListLocations ${what}`);
      await refusedNaming(app.createLocation({ organizationId: id, name: 'Somewhere' }), 'organization_id', `CreateLocation ${what}`);
    }
    assert.deepEqual(await snapshot(s), before);
    assert.equal((await s.client.getOrganization(org.id)).name, org.name);
  });

  it('refuses malformed location ids with INVALID_ARGUMENT naming the field, changing nothing', async () => {
    const s = server();
    const { org, location } = await seedOrg(s);
    const before = await snapshot(s);
    const { app } = rawClients(s.url, s.client.accessToken);
    for (const id of [...MALFORMED_IDS, '']) {
      const what = `location id ${JSON.stringify(id.slice(0, 20))}`;
      await refusedNaming(app.getLocation({ locationId: id }), 'location_id', `GetLocation ${what}`);
      await refusedNaming(app.updateLocation({ locationId: id, name: 'Renamed' }), 'location_id', `UpdateLocation ${what}`);
      await refusedNaming(app.deleteLocation({ locationId: id }), 'location_id', `DeleteLocation ${what}`);
      await refusedNaming(
        app.getOrganizationsWithAccessToLocation({ locationId: id }),
        'location_id',
        `GetOrganizationsWithAccessToLocation ${what}`,
      );
    }
    for (const id of MALFORMED_IDS) {
      const what = `parent ${JSON.stringify(id.slice(0, 20))}`;
      await refusedNaming(
        app.createLocation({ organizationId: org.id, name: 'Child', parentLocationId: id }),
        'parent_location_id',
        `CreateLocation ${what}`,
      );
      await refusedNaming(
        app.updateLocation({ locationId: location.id, parentLocationId: id }),
        'parent_location_id',
        `UpdateLocation ${what}`,
      );
    }
    assert.deepEqual(await snapshot(s), before);
  });

  it('refuses a malformed user id or email with INVALID_ARGUMENT', async () => {
    const s = server();
    for (const id of MALFORMED_IDS) {
      await refusedNaming(s.client.listOrganizationsByUser(id), 'user_id', `ListOrganizationsByUser ${JSON.stringify(id.slice(0, 20))}`);
    }
    for (const email of ['', 'no-at-sign', 'two@@example.com', 'spa ce@example.com', `${'a'.repeat(250)}@example.com`]) {
      await assert.rejects(s.client.getUserIdByEmail(email), hasCode(Code.InvalidArgument), `email ${JSON.stringify(email.slice(0, 20))}`);
    }
  });

  it('refuses empty, blank, over-long and control-character names for organizations and locations, changing nothing', async () => {
    const s = server();
    const { org, location, owner } = await seedOrg(s);
    const before = await snapshot(s);
    for (const name of BAD_NAMES) {
      const what = `name ${JSON.stringify(name.slice(0, 20))}`;
      await assert.rejects(s.client.createOrganization(name), hasCode(Code.InvalidArgument, 'name'), `CreateOrganization ${what}`);
      await assert.rejects(owner.updateOrganization(org.id, { name }), hasCode(Code.InvalidArgument, 'name'), `UpdateOrganization ${what}`);
      await assert.rejects(owner.createLocation(org.id, name), hasCode(Code.InvalidArgument, 'name'), `CreateLocation ${what}`);
      await assert.rejects(
        owner.createLocation(org.id, name, location.id),
        hasCode(Code.InvalidArgument, 'name'),
        `CreateLocation (child) ${what}`,
      );
      // UpdateLocation reads an empty name as "keep the name"; every other bad name is refused.
      if (name !== '')
        await assert.rejects(owner.updateLocation(location.id, { name }), hasCode(Code.InvalidArgument, 'name'), `UpdateLocation ${what}`);
    }
    assert.deepEqual(await snapshot(s), before);
    // The limit counts characters, not bytes.
    assert.equal((await owner.createLocation(org.id, 'é'.repeat(64))).name, 'é'.repeat(64));
    assert.equal((await owner.updateOrganization(org.id, { name: '機'.repeat(64) })).name, '機'.repeat(64));
  });

  it('refuses malformed public namespaces for availability checks and updates, changing nothing', async () => {
    const s = server();
    const { org, owner } = await seedOrg(s);
    const before = await snapshot(s);
    for (const ns of BAD_NAMESPACES) {
      const what = `namespace ${JSON.stringify(ns.slice(0, 20))}`;
      await assert.rejects(
        owner.getOrganizationNamespaceAvailability(ns),
        hasCode(Code.InvalidArgument, 'public_namespace'),
        `availability ${what}`,
      );
      await assert.rejects(
        owner.updateOrganization(org.id, { publicNamespace: ns }),
        hasCode(Code.InvalidArgument, 'public_namespace'),
        `update ${what}`,
      );
      await assert.rejects(
        owner.updateOrganization(org.id, { name: 'Renamed', publicNamespace: ns }),
        hasCode(Code.InvalidArgument),
        `update with a name, ${what}`,
      );
    }
    assert.deepEqual(await snapshot(s), before);
    assert.equal((await owner.getOrganization(org.id)).publicNamespace, '');
    assert.equal((await owner.getOrganization(org.id)).name, org.name, 'a refused update changes no other field either');
  });

  it('refuses malformed regions and over-long CRM ids, changing nothing', async () => {
    const s = server();
    const { org, location, owner } = await seedOrg(s);
    const { app } = rawClients(s.url, owner.accessToken);
    const before = await snapshot(s);
    for (const region of BAD_REGIONS) {
      const what = `region ${JSON.stringify(region.slice(0, 20))}`;
      await assert.rejects(
        owner.updateOrganization(org.id, { region }),
        hasCode(Code.InvalidArgument, 'region'),
        `UpdateOrganization ${what}`,
      );
      await assert.rejects(
        owner.updateOrganization(org.id, { name: 'Renamed', region }),
        hasCode(Code.InvalidArgument, 'region'),
        `UpdateOrganization with a name, ${what}`,
      );
      // UpdateLocation reads an empty region as unchanged.
      if (region !== '') {
        await assert.rejects(
          app.updateLocation({ locationId: location.id, name: 'Renamed', region }),
          hasCode(Code.InvalidArgument, 'region'),
          `UpdateLocation ${what}`,
        );
      }
    }
    await assert.rejects(owner.updateOrganization(org.id, { cid: 'c'.repeat(129) }), hasCode(Code.InvalidArgument, 'cid'));
    assert.deepEqual(await snapshot(s), before);
    assert.equal((await owner.updateOrganization(org.id, { cid: 'c'.repeat(128) })).cid, 'c'.repeat(128));
  });

  it('refuses CreateKey requests with missing or malformed authorizations, creating no key', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const { app } = rawClients(s.url, s.client.accessToken);
    const org = a.org.id;
    const cases: [string, Auth[], string | RegExp][] = [
      ['no authorizations', [], 'authorizations'],
      ['an unknown resource_type', [role('fleet_owner', 'fleet', org, org)], 'resource_type'],
      ['an empty resource_type', [role('organization_owner', '', org, org)], 'resource_type'],
      [
        'an authorization_id for another resource_type',
        [role('location_owner', 'organization', org, org)],
        /authorization_id .* does not match resource_type/,
      ],
      ['role "admin"', [role('organization_admin', 'organization', org, org)], 'authorization_id'],
      ['a role without its resource type', [role('owner', 'organization', org, org)], 'authorization_id'],
      ['an empty authorization_id', [role('', 'organization', org, org)], 'authorization_id'],
      [
        'authorization_type "group"',
        [{ ...role('organization_owner', 'organization', org, org), authorizationType: 'group' }],
        'authorization_type',
      ],
      ['an organization role on another organization', [role('organization_owner', 'organization', b.org.id, org)], 'resource_id'],
      ['a non-UUID resource_id', [role('location_owner', 'location', 'nope', org)], 'resource_id'],
      ['a non-UUID organization_id', [role('location_owner', 'location', a.location.id, 'nope')], 'organization_id'],
      ['an empty organization_id', [role('location_owner', 'location', a.location.id, '')], 'organization_id'],
      [
        'roles in two organizations',
        [role('organization_owner', 'organization', org, org), role('organization_operator', 'organization', b.org.id, b.org.id)],
        'same organization',
      ],
      [
        'a malformed second authorization',
        [role('organization_owner', 'organization', org, org), role('location_boss', 'location', a.location.id, org)],
        'authorizations[1]',
      ],
    ];
    const before = await snapshot(s);
    for (const [what, authorizations, message] of cases) {
      await assert.rejects(app.createKey({ authorizations, name: 'refused' }), hasCode(Code.InvalidArgument, message), what);
    }
    for (const name of ['x'.repeat(65), 'tab\there']) {
      await assert.rejects(
        app.createKey({ authorizations: [role('organization_owner', 'organization', org, org)], name }),
        hasCode(Code.InvalidArgument, 'name'),
        `key name ${JSON.stringify(name.slice(0, 20))}`,
      );
    }
    assert.deepEqual(await snapshot(s), before, 'no key or role was written');
  });

  it('refuses a location role whose organization_id is not the organization of the location', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const before = await snapshot(s);
    // The admin owns both organizations, so it may hand out roles in both; the pairing is still wrong.
    const { app } = rawClients(s.url, s.client.accessToken);
    await assert.rejects(
      app.createKey({ authorizations: [role('location_owner', 'location', b.location.id, a.org.id)], name: 'mismatched' }),
      hasCode(Code.InvalidArgument, b.location.id),
    );
    assert.deepEqual(await snapshot(s), before, 'no key or role was written');
  });

  it('does not let an owner of one organization mint a key that reads another organization', async () => {
    const s = server();
    // The victim is the administrator's organization: its member list holds the administrator's email.
    const victim = s.admin.organizationId;
    const attacker = await seedOrg(s);
    await assert.rejects(attacker.owner.getOrganization(victim), hasCode(Code.NotFound), 'the attacker cannot see the victim');
    const before = await snapshot(s);
    // The attacker may hand out roles on its own location, but files the role under the victim's organization.
    const { app } = rawClients(s.url, attacker.owner.accessToken);
    const res = await app
      .createKey({ authorizations: [role('location_operator', 'location', attacker.location.id, victim)], name: 'sneaky' })
      .catch((err: unknown) => err);
    if (codeOf(res) === undefined) {
      // Accepted: show what the key can see of an organization its creator has no role in.
      const { id, key } = res as appApi.CreateKeyResponse;
      const minted = await s.connect({ type: 'api-key', keyId: id, key });
      const seen = await outcome(minted.getOrganization(victim));
      const members = seen === 0 ? (await minted.listOrganizationMembers(victim))[0].flatMap((m) => m.emails) : [];
      assert.fail(
        `CreateKey accepted a location role on ${attacker.location.id} filed under organization ${victim}; ` +
          `the key ${seen === 0 ? `reads that organization and its members' emails ${JSON.stringify(members)}` : `got code ${seen} reading it`}`,
      );
    }
    assert.ok([Code.InvalidArgument, Code.NotFound].includes(codeOf(res)!), `refused as INVALID_ARGUMENT or NOT_FOUND, got ${String(res)}`);
    assert.deepEqual(await snapshot(s), before, 'no key or role was written');
  });

  it('answers a key request that repeats one role without an internal error', async () => {
    const s = server();
    const { org } = await seedOrg(s);
    const { app } = rawClients(s.url, s.client.accessToken);
    const owner = role('organization_owner', 'organization', org.id, org.id);
    const res = await app.createKey({ authorizations: [owner, owner], name: 'twice' }).catch((err: unknown) => err);
    const code = codeOf(res);
    assert.notEqual(code, Code.Internal, `a repeated role is the client's doing, not an internal error: ${String(res)}`);
    if (code === undefined) {
      // Accepted (the repeat collapsed): the key works as an owner.
      const { id, key } = res as appApi.CreateKeyResponse;
      const client = await s.connect({ type: 'api-key', keyId: id, key });
      assert.equal((await client.updateOrganization(org.id, { cid: 'twice' })).cid, 'twice');
    } else {
      assert.equal(code, Code.InvalidArgument);
    }
  });

  it('refuses calls on missing resources with NOT_FOUND, not INVALID_ARGUMENT', async () => {
    const s = server();
    const before = await snapshot(s);
    await assert.rejects(s.client.getOrganization(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
    await assert.rejects(s.client.updateOrganization(MISSING_ID, { name: 'x' }), hasCode(Code.NotFound));
    await assert.rejects(s.client.deleteOrganization(MISSING_ID), hasCode(Code.NotFound));
    await assert.rejects(s.client.listLocations(MISSING_ID), hasCode(Code.NotFound));
    await assert.rejects(s.client.createLocation(MISSING_ID, 'Nowhere'), hasCode(Code.NotFound));
    await assert.rejects(s.client.getLocation(MISSING_ID), hasCode(Code.NotFound, MISSING_ID));
    await assert.rejects(s.client.updateLocation(MISSING_ID, { name: 'x' }), hasCode(Code.NotFound));
    await assert.rejects(s.client.deleteLocation(MISSING_ID), hasCode(Code.NotFound));
    await assert.rejects(
      s.client.createKey(MISSING_ID, [{ role: 'owner', resourceType: 'location', resourceId: MISSING_ID }]),
      hasCode(Code.NotFound),
    );
    assert.deepEqual(await snapshot(s), before);
  });
});
