/**
 * Members and invitations end to end: an invite by email reaches a real SMTP server, its link creates an
 * account with exactly the invited roles, and every rule of the seed's invite methods holds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppClient, Code, type Authorization } from '@hangar/sdk';
import { hasCode } from '../assertions.js';
import { engineSkip, testEngines } from '../engines.js';
import { startMailServer, type TestMailServer } from '../mail.js';
import { seedOrg } from '../seed.js';
import { startTestServer, type TestServer } from '../server.js';
import { insertUser } from '../users.js';
import { officialClient } from '../viam.js';
import { newMachine } from '../fleet.js';

function role(orgId: string, r: 'owner' | 'operator', type: string, id: string): Authorization {
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

const tokenIn = (text: string): string => {
  const match = /hangar invite accept --server \S+ (hinv_[A-Za-z0-9_-]{43})/.exec(text);
  assert.ok(match?.[1] !== undefined, `the mail names the command with its token:\n${text}`);
  return match[1];
};

let emails = 0;
const freshEmail = () => `invitee-${++emails}-${Date.now().toString(36)}@example.com`;

for (const engine of testEngines()) {
  const skip = await engineSkip(engine);
  describe(`members and invites [${engine}]`, { skip }, () => {
    let s: TestServer;
    let mail: TestMailServer;
    before(async () => {
      mail = await startMailServer();
      s = await startTestServer(engine, { flags: { smtpUrl: mail.url, publicUrl: 'http://hangar.example:8080' } });
    });
    after(async () => {
      await s.close();
      await mail.close();
    });

    it('mails an invite, whose link creates an account that sees exactly what the invite granted', async () => {
      const a = await seedOrg(s, undefined, { creator: 'admin-user' });
      const { robotId } = await newMachine(a.owner, a.location.id, 'invited-bot');
      const other = await a.owner.createLocation(a.org.id, 'Not for them');
      const email = freshEmail();
      const invite = await a.owner.createOrganizationInvite(a.org.id, email, [role(a.org.id, 'operator', 'location', a.location.id)]);
      assert.equal(invite.email, email);
      assert.deepEqual(
        invite.authorizations.map((x) => [x.authorizationId, x.resourceId]),
        [['location_operator', a.location.id]],
      );
      const message = await mail.messageTo(email);
      assert.match(message.subject ?? '', new RegExp(a.org.name));
      const text = message.text ?? '';
      assert.match(text, /http:\/\/hangar\.example:8080/, 'the mail names the server by --public-url');
      const token = tokenIn(text);
      const [, invites] = await a.owner.listOrganizationMembers(a.org.id);
      assert.deepEqual(
        invites.map((i) => i.email),
        [email],
      );

      await assert.rejects(AppClient.acceptInvite(s.url, token, 'short'), hasCode(Code.InvalidArgument, /at least 12/));
      const accepted = await AppClient.acceptInvite(s.url, token, 'a long enough password');
      assert.equal(accepted.organizationId, a.org.id);
      assert.equal(accepted.email, email);
      assert.ok(accepted.accessToken !== '');
      // The new member signs in and sees what the invite granted, and nothing more.
      const member = await s.connect({ type: 'password', email, password: 'a long enough password' });
      assert.deepEqual(
        (await member.listOrganizations()).map((o) => o.id),
        [a.org.id],
      );
      assert.deepEqual(
        (await member.listLocations(a.org.id)).map((l) => l.id),
        [a.location.id],
      );
      assert.equal((await member.getRobot(robotId)).id, robotId);
      await assert.rejects(member.getLocation(other.id), hasCode(Code.NotFound));
      await assert.rejects(member.deleteRobot(robotId), hasCode(Code.PermissionDenied));
      const [members, left] = await a.owner.listOrganizationMembers(a.org.id);
      assert.ok(members.some((m) => m.emails.includes(email)));
      assert.deepEqual(left, [], 'the invite is gone once accepted');
      // The token was single-use.
      await assert.rejects(AppClient.acceptInvite(s.url, token, 'a long enough password'), hasCode(Code.NotFound));
    });

    it('lets a signed-in user with the invited email accept into their account, and no one else', async () => {
      const a = await seedOrg(s);
      const person = await insertUser(s);
      const stranger = await insertUser(s);
      await a.owner.createOrganizationInvite(a.org.id, person.email, [role(a.org.id, 'owner', 'location', a.location.id)]);
      const token = tokenIn((await mail.messageTo(person.email)).text ?? '');
      await assert.rejects(AppClient.acceptInvite(s.url, token, 'whatever password'), hasCode(Code.FailedPrecondition, /sign in/));
      const asStranger = await s.connect({ type: 'password', email: stranger.email, password: stranger.password });
      await assert.rejects(asStranger.acceptInvite(token), hasCode(Code.PermissionDenied, person.email));
      await assert.rejects(a.owner.acceptInvite(token), hasCode(Code.PermissionDenied));
      const asPerson = await s.connect({ type: 'password', email: person.email, password: person.password });
      const done = await asPerson.acceptInvite(token);
      assert.equal(done.accessToken, '', 'no new account, no new token');
      assert.equal((await asPerson.getLocation(a.location.id)).id, a.location.id);
    });

    it('validates invites as the seed says: a well-formed email, one authorization per resource, owner by default', async () => {
      const a = await seedOrg(s);
      await assert.rejects(a.owner.createOrganizationInvite(a.org.id, 'not an email'), hasCode(Code.InvalidArgument, 'email'));
      await assert.rejects(
        a.owner.createOrganizationInvite(a.org.id, freshEmail(), [
          role(a.org.id, 'operator', 'location', a.location.id),
          role(a.org.id, 'owner', 'location', a.location.id),
        ]),
        hasCode(Code.InvalidArgument, /one authorization per resource/),
      );
      // A location of another organization: invisible to a's owner, so NOT_FOUND as for any missing id.
      const other = await seedOrg(s);
      await assert.rejects(
        a.owner.createOrganizationInvite(a.org.id, freshEmail(), [role(a.org.id, 'operator', 'location', other.location.id)]),
        hasCode(Code.NotFound, other.location.id),
      );
      // The admin key sees both: then it is a location outside the invite's organization.
      await assert.rejects(
        s.client.createOrganizationInvite(a.org.id, freshEmail(), [role(a.org.id, 'operator', 'location', other.location.id)]),
        hasCode(Code.InvalidArgument, other.location.id),
      );
      await assert.rejects(a.operator.createOrganizationInvite(a.org.id, freshEmail()), hasCode(Code.PermissionDenied));
      const email = freshEmail();
      const invite = await a.owner.createOrganizationInvite(a.org.id, email);
      assert.deepEqual(
        invite.authorizations.map((x) => x.authorizationId),
        ['organization_owner'],
      );
      await assert.rejects(a.owner.createOrganizationInvite(a.org.id, email), hasCode(Code.AlreadyExists, /pending/));
      // A member cannot be invited again.
      const admin = await s.connect({ type: 'password', email: s.admin.email, password: s.admin.password });
      const mine = await seedOrg(s, undefined, { creator: 'admin-user' });
      await assert.rejects(admin.createOrganizationInvite(mine.org.id, s.admin.email), hasCode(Code.AlreadyExists, /already a member/));
    });

    it("updates an invite's authorizations, never leaving it without one", async () => {
      const a = await seedOrg(s);
      const email = freshEmail();
      const locationRole = role(a.org.id, 'operator', 'location', a.location.id);
      await a.owner.createOrganizationInvite(a.org.id, email, [locationRole], false);
      await assert.rejects(a.owner.updateOrganizationInviteAuthorizations(a.org.id, email), hasCode(Code.InvalidArgument, /both empty/));
      await assert.rejects(
        a.owner.updateOrganizationInviteAuthorizations(a.org.id, email, [], [locationRole]),
        hasCode(Code.InvalidArgument, /without an authorization/),
      );
      await assert.rejects(
        a.owner.updateOrganizationInviteAuthorizations(a.org.id, email, [role(a.org.id, 'owner', 'location', a.location.id)]),
        hasCode(Code.InvalidArgument, /one authorization per resource/),
      );
      await assert.rejects(
        a.owner.updateOrganizationInviteAuthorizations(a.org.id, email, [], [role(a.org.id, 'owner', 'organization', a.org.id)]),
        hasCode(Code.InvalidArgument, /has no organization_owner/),
      );
      const updated = await a.owner.updateOrganizationInviteAuthorizations(
        a.org.id,
        email,
        [role(a.org.id, 'operator', 'organization', a.org.id)],
        [locationRole],
      );
      assert.deepEqual(
        updated.authorizations.map((x) => x.authorizationId),
        ['organization_operator'],
      );
      await assert.rejects(a.owner.updateOrganizationInviteAuthorizations(a.org.id, freshEmail(), [locationRole]), hasCode(Code.NotFound));
    });

    it('resends an invite with a new token, deletes one, and expires one after seven days', async () => {
      const a = await seedOrg(s);
      const email = freshEmail();
      await a.owner.createOrganizationInvite(a.org.id, email);
      const first = tokenIn((await mail.messageTo(email)).text ?? '');
      const before = mail.received.length;
      await a.owner.resendOrganizationInvite(a.org.id, email);
      const deadline = Date.now() + 15_000;
      while (mail.received.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const second = tokenIn(mail.received.at(-1)?.text ?? '');
      assert.notEqual(second, first);
      await assert.rejects(AppClient.acceptInvite(s.url, first, 'a long enough password'), hasCode(Code.NotFound), 'the old link is dead');
      s.clock.advance(8 * 24 * 3600 * 1000);
      await assert.rejects(
        AppClient.acceptInvite(s.url, second, 'a long enough password'),
        hasCode(Code.FailedPrecondition, /expired.*resend/),
      );
      s.clock.advance(-8 * 24 * 3600 * 1000);
      await a.owner.deleteOrganizationInvite(a.org.id, email);
      await assert.rejects(AppClient.acceptInvite(s.url, second, 'a long enough password'), hasCode(Code.NotFound));
      await assert.rejects(a.owner.deleteOrganizationInvite(a.org.id, email), hasCode(Code.NotFound));
      await assert.rejects(a.owner.resendOrganizationInvite(a.org.id, email), hasCode(Code.NotFound));
    });

    it('gives the roles of an invite sent without mail at the invitee’s next sign-in, and lists its link for owners', async () => {
      const a = await seedOrg(s);
      const person = await insertUser(s);
      const before = mail.received.length;
      await a.owner.createOrganizationInvite(a.org.id, person.email, [role(a.org.id, 'operator', 'location', a.location.id)], false);
      const links = await a.owner.listInviteLinks(a.org.id);
      assert.equal(links.length, 1);
      assert.match(links[0]?.command ?? '', /^hangar invite accept --server http:\/\/hangar\.example:8080 hinv_[A-Za-z0-9_-]{43}$/);
      await assert.rejects(a.operator.listInviteLinks(a.org.id), hasCode(Code.PermissionDenied));
      const signedIn = await s.connect({ type: 'password', email: person.email, password: person.password });
      assert.equal((await signedIn.getLocation(a.location.id)).id, a.location.id);
      assert.deepEqual((await a.owner.listOrganizationMembers(a.org.id))[1], []);
      assert.equal(mail.received.length, before, 'no mail was sent');
    });

    it('removes a member with every role, never the last owner', async () => {
      const a = await seedOrg(s, undefined, { creator: 'admin-user' });
      const admin = await s.connect({ type: 'password', email: s.admin.email, password: s.admin.password });
      const adminId = await admin.getUserIdByEmail(s.admin.email);
      // The owner key is an owner too, so the administrator may go; the key then is the last owner.
      await a.owner.deleteOrganizationMember(a.org.id, adminId);
      await assert.rejects(admin.getOrganization(a.org.id), hasCode(Code.NotFound));
      await assert.rejects(a.owner.deleteOrganizationMember(a.org.id, adminId), hasCode(Code.NotFound));
      const solo = await admin.createOrganization('Solo owner');
      await assert.rejects(admin.deleteOrganizationMember(solo.id, adminId), hasCode(Code.FailedPrecondition, /last owner/));
    });

    it('retries mail the SMTP server refused, with back-off', async () => {
      const a = await seedOrg(s);
      const email = freshEmail();
      mail.failNext(1);
      await a.owner.createOrganizationInvite(a.org.id, email);
      // The first attempt fails; the next is due a minute later by the server's clock.
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(!mail.received.some((m) => (m.text ?? '').includes(email)));
      s.clock.advance(61_000);
      const message = await mail.messageTo(email, 20_000);
      assert.ok(tokenIn(message.text ?? ''));
    });

    it('works through the official TypeScript SDK', async () => {
      const a = await seedOrg(s);
      const viam = await officialClient(s.url, a.ownerKey.id, a.ownerKey.key);
      const email = freshEmail();
      const invite = await viam.appClient.createOrganizationInvite(a.org.id, email, [
        {
          authorizationType: 'role',
          authorizationId: 'location_operator',
          resourceType: 'location',
          resourceId: a.location.id,
          organizationId: a.org.id,
          identityId: '',
          identityType: '',
        },
      ] as never);
      assert.equal(invite?.email, email);
      const listed = await viam.appClient.listOrganizationMembers(a.org.id);
      assert.ok(listed.invites.some((i) => i.email === email));
      await viam.appClient.deleteOrganizationInvite(a.org.id, email);
      assert.ok(!(await viam.appClient.listOrganizationMembers(a.org.id)).invites.some((i) => i.email === email));
    });
  });
}
