import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Code, hasCode } from '../assertions.js';
import { seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { NO_TERMINAL_SKIP, assertError, cliLoginWithKey, jsonError, runInTerminal, loginAsAdmin, loginWithKey, unique } from './helpers.js';

interface OrgJson {
  id: string;
  name: string;
  publicNamespace: string | null;
  defaultRegion: string;
  cid: string | null;
  createdOn: string | null;
}

await describeEngines('hangar organizations', (server) => {
  it('lists the organizations of the session as JSON and as an aligned table', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Listed'));
    const namespace = `ns-${Date.now().toString(36)}`;
    const org = await a.owner.updateOrganization(a.org.id, { publicNamespace: namespace, cid: 'crm-7' });
    const cli = await loginWithKey(s, a.ownerKey);

    const json = await cli(['organizations', 'list', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(json.json<OrgJson[]>(), [
      {
        id: a.org.id,
        name: a.org.name,
        publicNamespace: namespace,
        defaultRegion: org.defaultRegion,
        cid: 'crm-7',
        createdOn: a.org.createdOn?.toDate().toISOString() ?? null,
      },
    ]);

    const human = await cli(['organizations', 'list']);
    assert.equal(human.code, 0, human.stderr);
    const nameWidth = Math.max('NAME'.length, a.org.name.length);
    assert.equal(
      human.stdout,
      `${'NAME'.padEnd(nameWidth)}  ${'ID'.padEnd(36)}  NAMESPACE\n${a.org.name.padEnd(nameWidth)}  ${a.org.id}  ${namespace}\n`,
    );
    assert.equal(human.stderr, '');
  });

  it('creates an organization owned by the signed-in user', async () => {
    const s = server();
    const admin = await loginAsAdmin(s);
    const name = unique('Created');
    const r = await admin(['organizations', 'create', name, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const created = r.json<OrgJson>();
    assert.equal(created.name, name);
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.publicNamespace, null);
    assert.ok(created.createdOn !== null && !Number.isNaN(Date.parse(created.createdOn)));
    const listed = (await admin(['organizations', 'list', '--json'])).json<OrgJson[]>();
    assert.deepEqual(
      listed.find((o) => o.id === created.id),
      created,
    );
    const user = await s.connect({ type: 'password', email: s.admin.email, password: s.admin.password });
    const [members] = await user.listOrganizationMembers(created.id);
    assert.deepEqual(
      members.map((m) => m.emails),
      [[s.admin.email]],
    );

    const human = await admin(['organizations', 'create', `${name} 2`]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`^Created organization "${name} 2" \\([0-9a-f-]{36}\\)\\.\\n$`));
  });

  it('renames an organization given by name (--organization) or by id (--org-id)', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Before'));
    const cli = await loginWithKey(s, a.ownerKey);
    const byName = await cli(['organizations', 'rename', '--organization', a.org.name, 'Middle']);
    assert.equal(byName.code, 0, byName.stderr);
    assert.equal(byName.stdout, `Renamed organization ${a.org.id} from "${a.org.name}" to "Middle".\n`);
    // Names match case-insensitively when nothing matches exactly.
    const byId = await cli(['organizations', 'rename', '--org-id', a.org.id, 'After', '--json']);
    assert.equal(byId.code, 0, byId.stderr);
    assert.equal(byId.json<OrgJson>().name, 'After');
    assert.equal(byId.json<OrgJson>().id, a.org.id);
    const folded = await cli(['organizations', 'rename', '--organization', 'after', 'After all']);
    assert.equal(folded.code, 0, folded.stderr);
    assert.equal((await s.client.getOrganization(a.org.id)).name, 'After all');
  });

  it('refuses an ambiguous organization name, listing the matching ids, and an unknown one (exit 1)', async () => {
    const s = server();
    const admin = await loginAsAdmin(s);
    const name = unique('Twin');
    const first = (await admin(['organizations', 'create', name, '--json'])).json<OrgJson>();
    const second = (await admin(['organizations', 'create', name, '--json'])).json<OrgJson>();
    const r = await admin(['organizations', 'rename', '--organization', name, 'Single']);
    assertError(r, 1, `2 organizations are named "${name}"`, 'pass the id instead: --organization <id>');
    assert.ok(r.stderr.includes(first.id) && r.stderr.includes(second.id), r.stderr);
    const user = await s.connect({ type: 'password', email: s.admin.email, password: s.admin.password });
    assert.deepEqual(
      [(await user.getOrganization(first.id)).name, (await user.getOrganization(second.id)).name],
      [name, name],
      'neither was renamed',
    );

    assertError(
      await admin(['organizations', 'rename', '--organization', 'No such org', 'X']),
      1,
      'no organization named "No such org"',
      'hangar organizations list',
    );
    const json = await admin(['organizations', 'delete', '--organization', name, '--yes', '--json']);
    assert.equal(json.code, 1);
    assert.equal(jsonError(json).code, 'INVALID_ARGUMENT');
  });

  it('deletes an organization with --yes, and refuses without it when not on a terminal (exit 2)', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Doomed'));
    const cli = await loginWithKey(s, a.ownerKey);
    assertError(
      await cli(['organizations', 'delete', '--organization', a.org.name]),
      2,
      `refusing to delete organization "${a.org.name}"`,
      '--yes',
    );
    assert.equal((await s.client.getOrganization(a.org.id)).id, a.org.id, 'nothing was deleted');

    const r = await cli(['organizations', 'delete', '--org-id', a.org.id, '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json<{ id: string; name: string; deleted: boolean }>(), {
      id: a.org.id,
      name: a.org.name,
      publicNamespace: null,
      defaultRegion: a.org.defaultRegion,
      cid: null,
      createdOn: a.org.createdOn?.toDate().toISOString() ?? null,
      deleted: true,
    });
    await assert.rejects(s.client.getOrganization(a.org.id), hasCode(Code.NotFound));
  });

  it('on a terminal, asks before deleting and keeps the organization unless the answer is yes', { skip: NO_TERMINAL_SKIP }, async () => {
    const s = server();
    const a = await seedOrg(s, unique('Asked'));
    const cli = await loginWithKey(s, a.ownerKey);
    const question = `Delete organization "${a.org.name}" (${a.org.id}) with all its locations and API keys? [y/N] `;
    const no = await runInTerminal(['organizations', 'delete', '--organization', a.org.name], {
      home: cli.home,
      server: s.url,
      answers: [[question, 'n']],
    });
    assert.equal(no.code, 1, no.screen);
    assert.match(no.screen, /error: not deleted: you did not confirm\n/);
    assert.equal((await a.owner.getOrganization(a.org.id)).id, a.org.id);

    const yes = await runInTerminal(['organizations', 'delete', '--organization', a.org.name], {
      home: cli.home,
      server: s.url,
      answers: [[question, 'y']],
    });
    assert.equal(yes.code, 0, yes.screen);
    assert.ok(yes.screen.endsWith(`Deleted organization "${a.org.name}" (${a.org.id}).\n`), yes.screen);
    await assert.rejects(s.connect({ type: 'api-key', keyId: a.ownerKey.id, key: a.ownerKey.key }), hasCode(Code.Unauthenticated));
  });

  it('deletes with a human confirmation line and reports a missing organization as NOT_FOUND (exit 1)', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Gone'));
    const admin = await loginAsAdmin(s);
    const other = await loginWithKey(s, a.ownerKey);
    const r = await other(['organizations', 'delete', '--organization', a.org.id, '-y']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Deleted organization "${a.org.name}" (${a.org.id}).\n`);
    assertError(
      await admin(['organizations', 'delete', '--organization', a.org.id, '--yes']),
      1,
      `organization "${a.org.id}" not found`,
      'hangar organizations list',
    );
  });

  it('does not let an operator key delete its organization: exit 1 with PERMISSION_DENIED', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Guarded'));
    const operator = await loginWithKey(s, a.operatorKey);
    const r = await operator(['organizations', 'delete', '--organization', a.org.name, '--yes']);
    assertError(
      r,
      1,
      `API key ${a.operatorKey.id} may not administer organization ${a.org.id}`,
      `API key ${a.operatorKey.id} lacks the role this needs`,
    );
    const json = await operator(['organizations', 'delete', '--organization', a.org.id, '--yes', '--json']);
    assert.equal(json.code, 1);
    assert.equal(jsonError(json).code, 'PERMISSION_DENIED');
    assert.equal((await s.client.getOrganization(a.org.id)).id, a.org.id, 'the organization is still there');
  });

  it('creates an organization API key that can then log in, warning on stderr to keep it safe', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Keyed'));
    const cli = await loginWithKey(s, a.ownerKey);
    const r = await cli(['organizations', 'api-key', 'create', '--org-id', a.org.name, '--name', 'ci', '--json']);
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
    assert.match(key.id, /^[0-9a-f-]{36}$/);
    assert.ok(key.key.length >= 16);
    assert.deepEqual(
      { ...key, id: '', key: '' },
      { id: '', key: '', name: 'ci', organizationId: a.org.id, role: 'owner', resourceType: 'organization', resourceId: a.org.id },
    );
    assert.match(
      r.stderr,
      /^warning: keep this key safe: it gives full read and write access to everything in organization ".*", and it is shown only this once\n$/,
    );

    const withNewKey = await cliLoginWithKey(s, { id: key.id, key: key.key });
    const orgs = (await withNewKey(['organizations', 'list', '--json'])).json<OrgJson[]>();
    assert.deepEqual(
      orgs.map((o) => o.id),
      [a.org.id],
    );

    // Human output: id and secret on stdout; an unnamed key is named after the login and the time.
    const human = await cli(['organizations', 'api-key', 'create', '--organization', a.org.id]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      new RegExp(`^Key ID:  [0-9a-f-]{36}\\nKey:     \\S+\\nName:    ${a.ownerKey.id}-\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\n$`),
    );
  });

  it('refuses a key for an organization the session cannot see (exit 1)', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Mine'));
    const b = await seedOrg(s, unique('Theirs'));
    const cli = await loginWithKey(s, a.ownerKey);
    assertError(await cli(['organizations', 'api-key', 'create', '--org-id', b.org.id]), 1, `organization "${b.org.id}" not found`);
    assertError(await cli(['organizations', 'api-key', 'create', '--org-id', b.org.name]), 1, `no organization named "${b.org.name}"`);
    assertError(
      await cli(['organizations', 'api-key', 'create']),
      2,
      "required option '--org-id <org>' not specified",
      'hangar organizations list',
    );
  });
});
