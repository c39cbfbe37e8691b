import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Code, hasCode } from '../assertions.js';
import { seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { NO_TERMINAL_SKIP, assertError, cliLoginWithKey, jsonError, loginAsAdmin, loginWithKey, runInTerminal, unique } from './helpers.js';

interface LocationJson {
  id: string;
  name: string;
  parentLocationId: string | null;
  primaryOrganizationId: string | null;
  organizationIds: string[];
  robotCount: number;
  createdOn: string | null;
}

await describeEngines('hangar locations', (server) => {
  it('lists the locations of one organization as JSON and as a table with children under their parents', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Listing'));
    const shelf = await a.owner.createLocation(a.org.id, 'Shelf', a.location.id);
    const annex = await a.owner.createLocation(a.org.id, 'Annex');
    const cli = await loginWithKey(s, a.ownerKey);

    const r = await cli(['locations', 'list', a.org.name, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const iso = (l: { createdOn?: { toDate(): Date } }) => l.createdOn?.toDate().toISOString() ?? null;
    const expected = (l: typeof shelf, parent: string | null): LocationJson => ({
      id: l.id,
      name: l.name,
      parentLocationId: parent,
      primaryOrganizationId: a.org.id,
      organizationIds: [a.org.id],
      robotCount: 0,
      createdOn: iso(l),
    });
    const byName = (list: LocationJson[]) => [...list].sort((x, y) => x.name.localeCompare(y.name));
    assert.deepEqual(
      byName(r.json<LocationJson[]>()),
      byName([expected(a.location, null), expected(shelf, a.location.id), expected(annex, null)]),
    );

    const human = await cli(['locations', 'list', a.org.id]);
    assert.equal(human.code, 0, human.stderr);
    // Sorted by name, children indented under their parent; ISO times because stdout is not a terminal.
    const rows = [
      ['NAME', 'ID', 'MACHINES', 'CREATED'],
      ['Annex', annex.id, '0', iso(annex) ?? ''],
      [a.location.name, a.location.id, '0', iso(a.location) ?? ''],
      ['  Shelf', shelf.id, '0', iso(shelf) ?? ''],
    ];
    const width = Math.max(...rows.map((row) => (row[0] ?? '').length));
    const text =
      rows
        .map(([name, id, n, at]) => `${(name ?? '').padEnd(width)}  ${(id ?? '').padEnd(36)}  ${(n ?? '').padEnd(8)}  ${at ?? ''}`)
        .join('\n') + '\n';
    assert.equal(human.stdout, text);
  });

  it('lists every visible location grouped by organization when no organization is given', async () => {
    const s = server();
    const admin = await loginAsAdmin(s);
    const orgName = unique('Grouped');
    const org = (await admin(['organizations', 'create', orgName, '--json'])).json<{ id: string }>();
    const made = (await admin(['locations', 'create', '--organization', org.id, 'Yard', '--json'])).json<LocationJson>();
    const defaultLocation = (
      await admin(['locations', 'create', '--organization', s.admin.organizationId, unique('Depot'), '--json'])
    ).json<LocationJson>();

    const r = await admin(['locations', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const all = r.json<LocationJson[]>();
    assert.deepEqual(
      all.find((l) => l.id === made.id),
      made,
    );
    assert.deepEqual(
      all.find((l) => l.id === defaultLocation.id),
      defaultLocation,
    );
    assert.equal(new Set(all.map((l) => l.id)).size, all.length, 'each location once');

    const human = await admin(['locations', 'list']);
    assert.equal(human.code, 0, human.stderr);
    assert.ok(
      human.stdout.includes(
        `${orgName} (${org.id})\n  NAME  ID${' '.repeat(34)}  MACHINES  CREATED\n  Yard  ${made.id}  0         ${made.createdOn}\n`,
      ),
      human.stdout,
    );
    assert.ok(human.stdout.includes(`Default organization (${s.admin.organizationId})\n`), human.stdout);
  });

  it('prints an empty list as [] under --json, and nothing on stdout otherwise', async () => {
    const s = server();
    const admin = await loginAsAdmin(s);
    const org = (await admin(['organizations', 'create', unique('Bare'), '--json'])).json<{ id: string }>();
    const json = await admin(['locations', 'list', org.id, '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(json.json(), []);
    const human = await admin(['locations', 'list', org.id]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout, '');
    assert.equal(human.stderr, 'No locations in this organization.\n');
  });

  it('creates locations at the top level and inside a parent given by name', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Building'));
    const cli = await loginWithKey(s, a.ownerKey);
    const top = await cli(['locations', 'create', '--organization', a.org.name, 'Warehouse', '--json']);
    assert.equal(top.code, 0, top.stderr);
    const warehouse = top.json<LocationJson>();
    assert.equal(warehouse.name, 'Warehouse');
    assert.equal(warehouse.parentLocationId, null);
    assert.equal(warehouse.primaryOrganizationId, a.org.id);

    const child = await cli(['locations', 'create', '--org-id', a.org.id, 'Bay 1', '--parent-location', 'Warehouse']);
    assert.equal(child.code, 0, child.stderr);
    const match = /^Created location "Bay 1" \(([0-9a-f-]{36})\) in organization "(.*)", inside "Warehouse"\.\n$/.exec(child.stdout);
    assert.ok(match?.[1] !== undefined, child.stdout);
    assert.equal(match[2], a.org.name);
    assert.equal((await a.owner.getLocation(match[1])).parentLocationId, warehouse.id);

    assertError(
      await cli(['locations', 'create', '--organization', a.org.id, 'Orphan', '--parent-location', 'Nowhere']),
      1,
      'no location named "Nowhere" in that organization',
      'hangar locations list',
    );
    assertError(await cli(['locations', 'create', 'Floating']), 2, "required option '--organization <org>' not specified");
  });

  it('renames a location given by name (--location) or by id (--location-id)', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Renaming'));
    const cli = await loginWithKey(s, a.ownerKey);
    const byName = await cli(['locations', 'rename', '--location', a.location.name, 'Dock']);
    assert.equal(byName.code, 0, byName.stderr);
    assert.equal(byName.stdout, `Renamed location ${a.location.id} from "${a.location.name}" to "Dock".\n`);
    const byId = await cli(['locations', 'rename', '--location-id', a.location.id, 'Pier', '--json']);
    assert.equal(byId.code, 0, byId.stderr);
    assert.equal(byId.json<LocationJson>().name, 'Pier');
    assert.equal((await a.owner.getLocation(a.location.id)).name, 'Pier');
  });

  it('moves a location under another and back to the top level', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Moving'));
    const crate = await a.owner.createLocation(a.org.id, 'Crate');
    const cli = await loginWithKey(s, a.ownerKey);
    const under = await cli(['locations', 'move', '--location', 'Crate', '--parent-location', a.location.name, '--json']);
    assert.equal(under.code, 0, under.stderr);
    assert.equal(under.json<LocationJson>().parentLocationId, a.location.id);
    assert.equal((await a.owner.getLocation(crate.id)).parentLocationId, a.location.id);

    const top = await cli(['locations', 'move', '--location', crate.id, '--top-level']);
    assert.equal(top.code, 0, top.stderr);
    assert.equal(top.stdout, `Moved location "Crate" (${crate.id}) to the top level.\n`);
    assert.equal((await a.owner.getLocation(crate.id)).parentLocationId, '');

    assertError(
      await cli(['locations', 'move', '--location', crate.id]),
      2,
      'pass exactly one of --parent-location <location> and --top-level',
    );
    assertError(
      await cli(['locations', 'move', '--location', crate.id, '--top-level', '--parent-location', a.location.id]),
      2,
      'pass exactly one of',
    );
  });

  it('refuses an ambiguous location name, listing the matching ids (exit 1)', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Twins'));
    const one = await a.owner.createLocation(a.org.id, 'Gate');
    const two = await a.owner.createLocation(a.org.id, 'Gate', a.location.id);
    const cli = await loginWithKey(s, a.ownerKey);
    const r = await cli(['locations', 'rename', '--location', 'Gate', 'Gate A']);
    assertError(r, 1, '2 locations are named "Gate"', 'pass the id instead: --location <id>');
    assert.ok(r.stderr.includes(one.id) && r.stderr.includes(two.id), r.stderr);
    assert.equal((await a.owner.getLocation(one.id)).name, 'Gate');
    const ok = await cli(['locations', 'rename', '--location', one.id, 'Gate A']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('deletes a location, and reports an unknown one with a hint to list them (exit 1)', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Deleting'));
    const shed = await a.owner.createLocation(a.org.id, 'Shed');
    const cli = await loginWithKey(s, a.ownerKey);
    const r = await cli(['locations', 'delete', '--location', 'Shed', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json<LocationJson & { deleted: boolean }>().id, shed.id);
    assert.equal(r.json<LocationJson & { deleted: boolean }>().deleted, true);
    await assert.rejects(a.owner.getLocation(shed.id), hasCode(Code.NotFound));

    assertError(
      await cli(['locations', 'delete', '--location', 'Shed']),
      1,
      'no location named "Shed" in your organizations',
      'hangar locations list',
    );
    assertError(await cli(['locations', 'delete', '--location', shed.id]), 1, shed.id, 'hangar locations list');
    const human = await cli(['locations', 'delete', '--location-id', a.location.id]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout, `Deleted location "${a.location.name}" (${a.location.id}).\n`);
  });

  it('does not let an operator key delete its location: exit 1 with PERMISSION_DENIED', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Operated'));
    const operator = await loginWithKey(s, a.operatorKey);
    const listed = await operator(['locations', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      listed.json<LocationJson[]>().map((l) => l.id),
      [a.location.id],
    );
    const r = await operator(['locations', 'delete', '--location', a.location.id, '--json']);
    assert.equal(r.code, 1);
    assert.equal(jsonError(r).code, 'PERMISSION_DENIED');
    assert.equal((await a.owner.getLocation(a.location.id)).id, a.location.id);
  });

  it('creates a location API key for the only organization of the location, which can then log in', async () => {
    const s = server();
    const a = await seedOrg(s, unique('LocKey'));
    const cli = await loginWithKey(s, a.ownerKey);
    const r = await cli(['locations', 'api-key', 'create', '--location-id', a.location.name, '--name', 'door', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const key = r.json<{
      id: string;
      key: string;
      name: string;
      organizationId: string;
      role: string;
      resourceType: string;
      resourceId: string;
    }>();
    assert.deepEqual(
      { ...key, id: '', key: '' },
      { id: '', key: '', name: 'door', organizationId: a.org.id, role: 'owner', resourceType: 'location', resourceId: a.location.id },
    );
    assert.match(r.stderr, /keep this key safe/);

    const withKey = await cliLoginWithKey(s, { id: key.id, key: key.key });
    const listed = await withKey(['locations', 'list', '--json']);
    assert.deepEqual(
      listed.json<LocationJson[]>().map((l) => l.id),
      [a.location.id],
    );

    const explicit = await cli(['locations', 'api-key', 'create', '--location', a.location.id, '--org-id', a.org.name]);
    assert.equal(explicit.code, 0, explicit.stderr);
    assert.match(explicit.stdout, /^Key ID: {2}[0-9a-f-]{36}\nKey: {5}\S+\nName: {4}\S+\n$/);
    assertError(await cli(['locations', 'api-key', 'create']), 2, "required option '--location-id <location>' not specified");
  });

  it('refuses a key attached to an organization the location does not belong to (exit 1)', async () => {
    const s = server();
    const admin = await loginAsAdmin(s);
    const other = (await admin(['organizations', 'create', unique('Elsewhere'), '--json'])).json<{ id: string }>();
    const here = (
      await admin(['locations', 'create', '--organization', s.admin.organizationId, unique('Here'), '--json'])
    ).json<LocationJson>();
    assertError(
      await admin(['locations', 'api-key', 'create', '--location-id', here.id, '--org-id', other.id]),
      1,
      `location ${here.id} does not belong to organization ${other.id}`,
    );
  });

  it('shows relative times when stdout is a terminal', { skip: NO_TERMINAL_SKIP }, async () => {
    const s = server();
    const a = await seedOrg(s, unique('Timed'));
    const cli = await loginWithKey(s, a.ownerKey);
    const run = await runInTerminal(['locations', 'list', a.org.id], { home: cli.home, server: s.url });
    assert.equal(run.code, 0, run.screen);
    assert.match(run.screen, new RegExp(`^${a.location.name} +${a.location.id} +0 +just now$`, 'm'));
  });
});
