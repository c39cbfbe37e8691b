import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Authorization } from '@hangar/sdk';
import { runCli, tempHome } from '../cli.js';
import { seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { grantRole, insertUser } from '../users.js';
import { NO_TERMINAL_SKIP, assertError, cliFor, jsonError, loginWithKey, runInTerminal, textTable, unique } from './helpers.js';

interface RoleJson {
  role: 'owner' | 'operator';
  resourceType: 'organization' | 'location' | 'robot';
  resourceId: string;
  organizationId: string;
}

interface InviteJson {
  email: string;
  createdOn: string | null;
  roles: RoleJson[];
}

interface MembersJson {
  members: { userId: string; email: string; dateAdded: string | null; lastLogin: string | null }[];
  invites: InviteJson[];
}

const PASSWORD = 'a long enough password';

let emails = 0;
const freshEmail = () => `cli-invitee-${++emails}-${Date.now().toString(36)}@example.com`;

function role(orgId: string, r: 'owner' | 'operator', type: 'organization' | 'location' | 'robot', id: string): Authorization {
  return {
    authorizationType: 'role',
    authorizationId: `${type}_${r}`,
    resourceType: type,
    resourceId: id,
    organizationId: orgId,
    identityId: '',
    identityType: '',
  };
}

const orgOwner = (orgId: string): RoleJson => ({ role: 'owner', resourceType: 'organization', resourceId: orgId, organizationId: orgId });
const locationOperator = (orgId: string, locationId: string): RoleJson => ({
  role: 'operator',
  resourceType: 'location',
  resourceId: locationId,
  organizationId: orgId,
});

await describeEngines('hangar organizations members, organizations invites, invite accept', (server) => {
  it('lists members and pending invitations as JSON and as two tables', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Members'), { creator: 'admin-user' });
    const person = await insertUser(s);
    await grantRole(s, person, a.org.id, 'operator', 'location', a.location.id);
    const invited = freshEmail();
    await a.owner.createOrganizationInvite(a.org.id, invited, [role(a.org.id, 'operator', 'location', a.location.id)], false);
    const [members, invites] = await a.owner.listOrganizationMembers(a.org.id);
    const cli = await loginWithKey(s, a.ownerKey);

    const [json, human] = await Promise.all([
      cli(['organizations', 'members', 'list', '--organization', a.org.name, '--json']),
      cli(['organizations', 'members', 'list', '--org-id', a.org.id]),
    ]);
    assert.equal(json.code, 0, json.stderr);
    const expected: MembersJson = {
      members: members.map((m) => ({
        userId: m.userId,
        email: m.emails[0] ?? '',
        dateAdded: m.dateAdded?.toDate().toISOString() ?? null,
        lastLogin: m.lastLogin?.toDate().toISOString() ?? null,
      })),
      invites: [
        {
          email: invited,
          createdOn: invites[0]?.createdOn?.toDate().toISOString() ?? null,
          roles: [locationOperator(a.org.id, a.location.id)],
        },
      ],
    };
    assert.deepEqual(json.json<MembersJson>(), expected);
    assert.deepEqual(expected.members.map((m) => m.email).sort(), [s.admin.email, person.email].sort());

    assert.equal(human.code, 0, human.stderr);
    assert.equal(
      human.stdout,
      textTable([
        ['MEMBER', 'USER ID', 'ADDED', 'LAST LOGIN'],
        ...expected.members.map((m) => [m.email, m.userId, m.dateAdded ?? '', m.lastLogin ?? 'never']),
      ]) +
        '\n' +
        textTable([
          ['INVITED', 'SENT', 'ROLES'],
          [invited, expected.invites[0]?.createdOn ?? '', `operator on location "${a.location.name}"`],
        ]),
    );
    assert.equal(human.stderr, '');
  });

  it('creates an invitation without mail, lists its accept link, and the link creates the account and signs it in', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Invites'));
    const cli = await loginWithKey(s, a.ownerKey);
    const email = freshEmail();

    const created = await cli([
      'organizations',
      'invites',
      'create',
      '--organization',
      a.org.name,
      '--email',
      email,
      '--no-send-email',
      '--json',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const [, invites] = await a.owner.listOrganizationMembers(a.org.id);
    const createdOn =
      invites
        .find((i) => i.email === email)
        ?.createdOn?.toDate()
        .toISOString() ?? null;
    assert.ok(createdOn !== null);
    // No role flags: the seed's default, owner of the organization.
    assert.deepEqual(created.json(), { organizationId: a.org.id, email, createdOn, roles: [orgOwner(a.org.id)] });
    assert.equal(created.stderr, '');

    const listed = await cli(['organizations', 'invites', 'list', '--org-id', a.org.id, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const [link] = await a.owner.listInviteLinks(a.org.id);
    assert.ok(link !== undefined);
    const token = /\/invite\?token=([A-Za-z0-9_-]+)$/.exec(link.link)?.[1] ?? '';
    assert.notEqual(token, '');
    assert.deepEqual(listed.json(), [
      {
        email,
        createdOn,
        roles: [orgOwner(a.org.id)],
        expiresAt: link.expiresAt,
        link: `${s.url}/invite?token=${token}`,
        command: `hangar invite accept --server ${s.url} ${token}`,
      },
    ]);
    assert.equal(listed.stderr, 'warning: each link lets whoever has it join the organization: give it only to the person invited\n');

    // A fresh home with no session, and no HANGAR_URL: the server is the link's.
    const home = await tempHome();
    const fresh = (args: readonly string[], stdin?: string) => runCli(args, { home, ...(stdin !== undefined && { stdin }) });
    const [noToken, short, noTerminal] = await Promise.all([
      fresh(['invite', 'accept', `${s.url}/invite`]),
      fresh(['invite', 'accept', link.link, '--password-stdin'], 'too short\n'),
      fresh(['invite', 'accept', token, '--server', s.url]),
    ]);
    assertError(noToken, 2, 'the link has no token', '?token=');
    assertError(short, 2, 'the password must have at least 12 characters', 'choose a longer one');
    assertError(noTerminal, 2, 'it needs a terminal to ask for its password', '--password-stdin');

    const accepted = await fresh(['invite', 'accept', link.link, '--password-stdin', '--json'], `${PASSWORD}\n`);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.deepEqual(accepted.json(), { organizationId: a.org.id, organizationName: a.org.name, email, accountCreated: true });

    const whoami = await fresh(['whoami', '--json']);
    assert.equal(whoami.code, 0, whoami.stderr);
    const session = whoami.json<{ loggedIn: boolean; type: string; email: string; server: string; expiresAt: string }>();
    assert.deepEqual({ ...session, expiresAt: '' }, { loggedIn: true, type: 'password', email, server: s.url, expiresAt: '' });
    assert.ok(Date.parse(session.expiresAt) > Date.now());

    const [members, again] = await Promise.all([
      cli(['organizations', 'members', 'list', '--organization', a.org.id, '--json']),
      fresh(['invite', 'accept', link.link, '--password-stdin'], `${PASSWORD}\n`),
    ]);
    const list = members.json<MembersJson>();
    assert.deepEqual(
      list.members.map((m) => m.email),
      [email],
    );
    assert.deepEqual(list.invites, [], 'the invitation is gone once accepted');
    // The new account signs in with the password it was given.
    await s.connect({ type: 'password', email, password: PASSWORD });
    assertError(again, 1, 'no pending invite has this token', 'hangar organizations invites list');
  });

  it('accepts as the signed-in user when the account exists, and says to sign in first otherwise', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Existing'));
    const person = await insertUser(s);
    // Mailed (the default), so signing in does not apply it by itself; the test server sends no mail.
    await a.owner.createOrganizationInvite(a.org.id, person.email, [role(a.org.id, 'operator', 'location', a.location.id)]);
    const [link] = await a.owner.listInviteLinks(a.org.id);
    assert.ok(link !== undefined);
    const token = link.link.slice(link.link.indexOf('token=') + 'token='.length);

    const cli = cliFor(s, await tempHome());
    assertError(
      await cli(['invite', 'accept', token]),
      1,
      `an account for ${person.email} exists`,
      `run "hangar login --email ${person.email}", then run this command again`,
    );
    const login = await cli(['login', '--email', person.email, '--password-stdin'], { stdin: person.password });
    assert.equal(login.code, 0, login.stderr);
    const accepted = await cli(['invite', 'accept', token]);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.equal(accepted.stdout, `Joined organization "${a.org.name}" as ${person.email}.\n`);
    const [members] = await a.owner.listOrganizationMembers(a.org.id);
    assert.deepEqual(
      members.map((m) => m.userId),
      [person.id],
    );
    assert.deepEqual(
      (await a.owner.listAuthorizations(a.org.id, [a.location.id])).filter((x) => x.identityId === person.id).map((x) => x.authorizationId),
      ['location_operator'],
    );
  });

  it('on a terminal, asks for the new password twice', { skip: NO_TERMINAL_SKIP }, async () => {
    const s = server();
    const a = await seedOrg(s, unique('Terminal'));
    const email = freshEmail();
    await a.owner.createOrganizationInvite(a.org.id, email, [], false);
    const [link] = await a.owner.listInviteLinks(a.org.id);
    assert.ok(link !== undefined);
    const home = await tempHome();
    const run = await runInTerminal(['invite', 'accept', link.link], {
      home,
      server: s.url,
      answers: [
        ['New password (at least 12 characters): ', PASSWORD],
        ['New password again: ', PASSWORD],
      ],
    });
    assert.equal(run.code, 0, run.screen);
    assert.ok(run.screen.includes(`Accepting creates the account ${email} on ${s.url}.\n`), run.screen);
    assert.ok(
      run.screen.endsWith(`Joined organization "${a.org.name}" as ${email}.\nCreated the account ${email} and signed in to ${s.url}.\n`),
      run.screen,
    );
    assert.ok(!run.screen.includes(PASSWORD), 'the password is not echoed');
  });

  it('adds a role to an invitation and removes one, resends it with a new link, and deletes it', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Update'));
    const cli = await loginWithKey(s, a.ownerKey);
    const email = freshEmail();
    await a.owner.createOrganizationInvite(a.org.id, email, [], false);
    const [, [invite]] = await a.owner.listOrganizationMembers(a.org.id);
    const createdOn = invite?.createdOn?.toDate().toISOString() ?? null;
    const flags = ['--organization', a.org.name, '--email', email];

    const added = await cli([
      'organizations',
      'invites',
      'update',
      ...flags,
      '--add',
      '--role',
      'operator',
      '--resource-type',
      'location',
      '--resource',
      a.location.name,
      '--json',
    ]);
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual(added.json(), {
      organizationId: a.org.id,
      email,
      createdOn,
      roles: [orgOwner(a.org.id), locationOperator(a.org.id, a.location.id)],
    });

    const removed = await cli(['organizations', 'invites', 'update', ...flags, '--remove', '--role', 'owner']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(
      removed.stdout,
      `Removed the owner role on organization "${a.org.name}" (${a.org.id}) from the invitation of ${email} to organization "${a.org.name}"; it now gives operator on location "${a.location.name}".\n`,
    );

    const [both, noRole, last] = await Promise.all([
      cli(['organizations', 'invites', 'update', ...flags, '--add', '--remove', '--role', 'owner']),
      cli(['organizations', 'invites', 'update', ...flags, '--add']),
      cli([
        'organizations',
        'invites',
        'update',
        ...flags,
        '--remove',
        '--role',
        'operator',
        '--resource-type',
        'location',
        '--resource',
        a.location.id,
      ]),
    ]);
    assertError(both, 2, 'pass exactly one of --add and --remove');
    assertError(noRole, 2, "required option '--role <role>' not specified");
    assertError(last, 1, 'an invite needs at least one');

    const [before] = await a.owner.listInviteLinks(a.org.id);
    const resent = await cli(['organizations', 'invites', 'resend', ...flags, '--json']);
    assert.equal(resent.code, 0, resent.stderr);
    assert.deepEqual(resent.json(), { organizationId: a.org.id, email, createdOn, roles: [locationOperator(a.org.id, a.location.id)] });
    const [after] = await a.owner.listInviteLinks(a.org.id);
    assert.notEqual(after?.link, before?.link, 'a resent invitation has a new link');

    assertError(
      await cli(['organizations', 'invites', 'delete', ...flags]),
      2,
      `refusing to delete the invitation of ${email} to organization "${a.org.name}" without confirmation`,
      '--yes',
    );
    const deleted = await cli(['organizations', 'invites', 'delete', ...flags, '--yes', '--json']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(deleted.json(), { organizationId: a.org.id, email, deleted: true });
    assert.deepEqual((await a.owner.listOrganizationMembers(a.org.id))[1], []);
    const gone = await cli(['organizations', 'invites', 'resend', ...flags, '--json']);
    assert.equal(gone.code, 1);
    assert.equal(jsonError(gone).code, 'NOT_FOUND');
    assert.match(jsonError(gone).message, /pending invite/);
  });

  it('removes a member by email or id, asking first, and names the right list when there is no such member', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Remove'), { creator: 'admin-user' });
    const person = await insertUser(s);
    await grantRole(s, person, a.org.id, 'operator', 'location', a.location.id);
    const pending = freshEmail();
    await a.owner.createOrganizationInvite(a.org.id, pending, [], false);
    const cli = await loginWithKey(s, a.ownerKey);
    const org = ['--organization', a.org.name];

    const [unconfirmed, unknown, invitedOnly] = await Promise.all([
      cli(['organizations', 'members', 'remove', ...org, '--user', person.email]),
      cli(['organizations', 'members', 'remove', ...org, '--user', 'nobody@example.com', '--yes']),
      cli(['organizations', 'members', 'remove', ...org, '--user', pending, '--yes']),
    ]);
    assertError(unconfirmed, 2, `refusing to remove member ${person.email} (${person.id}) from organization "${a.org.name}"`, '--yes');
    assertError(unknown, 1, `organization "${a.org.name}" has no member nobody@example.com`, 'hangar organizations members list');
    assertError(invitedOnly, 1, 'has no member', 'hangar organizations invites delete');

    const removed = await cli(['organizations', 'members', 'remove', ...org, '--user', person.email, '--yes', '--json']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(removed.json(), { organizationId: a.org.id, userId: person.id, email: person.email, removed: true });

    const adminId = await s.client.getUserIdByEmail(s.admin.email);
    const human = await cli(['organizations', 'members', 'remove', '--org-id', a.org.id, '--user', adminId, '-y']);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout, `Removed ${s.admin.email} (${adminId}) from organization "${a.org.name}".\n`);
    assert.deepEqual((await a.owner.listOrganizationMembers(a.org.id))[0], []);
  });

  it('needs a session (exit 4) and an owner for invitations (exit 1, PERMISSION_DENIED)', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Guarded'));
    const operator = await loginWithKey(s, a.operatorKey);
    const nobody = cliFor(s, await tempHome());
    const [notSignedIn, links, invite] = await Promise.all([
      nobody(['organizations', 'members', 'list', '--organization', a.org.id]),
      operator(['organizations', 'invites', 'list', '--organization', a.org.id, '--json']),
      operator(['organizations', 'invites', 'create', '--organization', a.org.id, '--email', freshEmail(), '--json']),
    ]);
    assertError(notSignedIn, 4, `not signed in to ${s.url}`, 'hangar login');
    assert.equal(links.code, 1);
    assert.equal(jsonError(links).code, 'PERMISSION_DENIED');
    assert.equal(invite.code, 1);
    assert.equal(jsonError(invite).code, 'PERMISSION_DENIED');
  });
});
