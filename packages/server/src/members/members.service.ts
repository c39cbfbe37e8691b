/**
 * Members and invitations. A user becomes a member of an organization by accepting an invitation (or, for
 * one created without mail, by signing in with the invited email); a member is any user with a role there.
 * Invite tokens are credentials: "hinv_" and 32 random bytes, found by their SHA-256, kept sealed so owners can show
 * the accept link again, never logged, valid for seven days.
 */
import {
  alreadyExists,
  authorizationIdOf,
  DomainError,
  failedPrecondition,
  invalid,
  notFound,
  parseEmail,
  permissionDenied,
  type Actor,
  type Grant,
  type Invite,
  type Member,
} from '@hangar/domain';
import { authorizations, invites, isUniqueViolation, organizations, users, type Database, type Executor } from '@hangar/store';
import { createHash, randomBytes } from 'node:crypto';
import { SECRET_CONTEXT, type SecretBox } from '../crypto/secret-box.js';
import { hashPassword } from '../auth/passwords.js';
import { MIN_PASSWORD_LENGTH } from '../auth/auth.service.js';
import { queueMail } from '../mail/outbox.js';
import { refuseRemovingLastOwner } from '../roles/roles.service.js';

export const INVITE_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

export interface MembersDeps {
  readonly db: Database;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly box: SecretBox;
  /** Whether mail can be sent (an SMTP URL is configured); without it invites are only links. */
  readonly canMail: boolean;
  /** Called after mail was queued, so it goes out now rather than at the next poll. */
  readonly mailQueued: () => void;
  /** The URL clients reach this server at (for links). */
  readonly publicUrl: () => string;
  /** Mints an access token for a user who just created their account. */
  readonly mintUserToken: (userId: string, generation: number) => string;
}

export interface InviteLink {
  readonly email: string;
  readonly link: string;
  readonly command: string;
  readonly expiresAt: string;
}

export interface Acceptance {
  readonly organizationId: string;
  readonly organizationName: string;
  readonly email: string;
  /** Set when the invitee's account was created by accepting: they are signed in with it. */
  readonly accessToken: string | undefined;
}

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** "organization owner", "location operator of 1f0…", for mail and messages. */
function describeGrant(g: Grant): string {
  return g.resourceType === 'organization' ? `organization ${g.role}` : `${g.resourceType} ${g.role} of ${g.resourceId}`;
}

/** At most one authorization per resource and at least one overall, as the seed documents. */
function checkInviteGrants(grants: readonly Grant[], field: string): void {
  if (grants.length === 0) throw invalid(`${field}: an invite needs at least one authorization`);
  const seen = new Set<string>();
  for (const g of grants) {
    const key = `${g.resourceType}:${g.resourceId}`;
    if (seen.has(key)) {
      throw invalid(`${field}: an invite can hold one authorization per resource; ${g.resourceType} ${g.resourceId} has more than one`);
    }
    seen.add(key);
  }
}

const sameGrant = (a: Grant, b: Grant) =>
  a.organizationId === b.organizationId && a.role === b.role && a.resourceType === b.resourceType && a.resourceId === b.resourceId;

export function createMembersService({ db, now, newId, box, canMail, mailQueued, publicUrl, mintUserToken }: MembersDeps) {
  function linkFor(token: string): { link: string; command: string } {
    const server = publicUrl();
    return { link: `${server}/invite?token=${token}`, command: `hangar invite accept --server ${server} ${token}` };
  }

  async function queueInviteMail(tx: Executor, invite: Invite, organizationName: string, token: string): Promise<void> {
    const { link, command } = linkFor(token);
    const text = [
      `You are invited to the organization "${organizationName}" on the Hangar server at ${publicUrl()}, as:`,
      ...invite.authorizations.map((g) => `  - ${describeGrant(g)}`),
      '',
      'To accept, run this with the hangar command-line tool:',
      `  ${command}`,
      '',
      `(${link})`,
      '',
      `Without an account yet, the command creates one for ${invite.email}.`,
      `This invitation expires on ${invite.expiresAt}. If you did not expect it, ignore this message.`,
    ].join('\n');
    await queueMail(
      tx,
      box,
      newId(),
      { to: invite.email, subject: `Invitation to ${organizationName} on Hangar`, text },
      now().toISOString(),
    );
  }

  function newToken(inviteId: string): { token: string; stored: { hash: string; sealed: string } } {
    // The prefix keeps a token from starting with "-" (a command line would read it as a flag) and lets
    // secret scanners recognise leaked ones.
    const token = `hinv_${randomBytes(32).toString('base64url')}`;
    return { token, stored: { hash: hashToken(token), sealed: box.seal(token, SECRET_CONTEXT.inviteToken(inviteId)) } };
  }

  async function findPending(tx: Executor, organizationId: string, rawEmail: string): Promise<Invite> {
    const email = parseEmail(rawEmail);
    const invite = await invites.findInvite(tx, organizationId, email);
    if (invite === undefined) throw notFound(`pending invite of organization ${organizationId} for`, email);
    return invite;
  }

  async function isMember(tx: Executor, organizationId: string, userId: string): Promise<boolean> {
    return (await authorizations.listOrganizationIdsOfIdentity(tx, userId)).includes(organizationId);
  }

  /** Files the invite's roles for the user (skipping any they hold already) and removes the invite. */
  async function grantInvite(tx: Executor, invite: Invite, userId: string): Promise<void> {
    const at = now().toISOString();
    await authorizations.insertAuthorizations(
      tx,
      invite.authorizations.map((g) => ({ ...g, id: newId(), identityType: 'user' as const, identityId: userId, createdAt: at })),
    );
    await invites.deleteInvite(tx, invite.id);
  }

  return {
    async invite(organizationId: string, rawEmail: string, grants: readonly Grant[], sendEmail: boolean): Promise<Invite> {
      const email = parseEmail(rawEmail);
      checkInviteGrants(grants, 'authorizations');
      const at = now();
      const invite: Invite = {
        id: newId(),
        organizationId,
        email,
        authorizations: grants,
        sendEmail,
        createdAt: at.toISOString(),
        expiresAt: new Date(at.getTime() + INVITE_LIFETIME_MS).toISOString(),
      };
      const { token, stored } = newToken(invite.id);
      let mailed: boolean;
      try {
        mailed = await db.transaction().execute(async (tx) => {
          await organizations.lockOrganization(tx, organizationId);
          const org = await organizations.findOrganization(tx, organizationId);
          if (org === undefined) throw notFound('organization', organizationId);
          const user = await users.findUserByEmail(tx, email);
          if (user !== undefined && (await isMember(tx, organizationId, user.id))) {
            throw alreadyExists(`${email} is already a member of organization ${organizationId}; give them roles with add_role instead`);
          }
          if ((await invites.findInvite(tx, organizationId, email)) !== undefined) {
            throw alreadyExists(`an invite for ${email} to organization ${organizationId} is pending; resend or update it instead`);
          }
          await invites.insertInvite(tx, invite, stored);
          if (!sendEmail || !canMail) return false;
          await queueInviteMail(tx, invite, org.name, token);
          return true;
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw alreadyExists(`an invite for ${email} to organization ${organizationId} is pending`);
        throw err;
      }
      if (mailed) mailQueued();
      return invite;
    },

    /** Members (users with any role) and pending invites. */
    async list(organizationId: string): Promise<{ members: Member[]; invites: Invite[] }> {
      const ids = await authorizations.listMemberIds(db, organizationId);
      const byId = new Map(
        (
          await users.listUsers(
            db,
            ids.map((m) => m.userId),
          )
        ).map((u) => [u.id, u]),
      );
      const members = ids.flatMap((m) => {
        const user = byId.get(m.userId);
        return user === undefined ? [] : [{ user, joinedAt: m.since }];
      });
      return { members, invites: await invites.listInvites(db, organizationId) };
    },

    /** Each pending invite's accept link, for owners to pass on themselves (no mail, or mail lost). */
    async links(organizationId: string): Promise<InviteLink[]> {
      const pending = await invites.listInvites(db, organizationId);
      return pending.map((i) => ({
        email: i.email,
        ...linkFor(box.reveal(i.tokenSealed, SECRET_CONTEXT.inviteToken(i.id))),
        expiresAt: i.expiresAt,
      }));
    },

    async updateAuthorizations(organizationId: string, rawEmail: string, add: readonly Grant[], remove: readonly Grant[]): Promise<Invite> {
      if (add.length === 0 && remove.length === 0) {
        throw invalid('add_authorizations and remove_authorizations are both empty: give at least one authorization to add or remove');
      }
      return db.transaction().execute(async (tx) => {
        await organizations.lockOrganization(tx, organizationId);
        const invite = await findPending(tx, organizationId, rawEmail);
        for (const [i, r] of remove.entries()) {
          if (!invite.authorizations.some((g) => sameGrant(g, r))) {
            throw invalid(`remove_authorizations[${i}]: the invite has no ${authorizationIdOf(r)} on ${r.resourceType} ${r.resourceId}`);
          }
        }
        const kept = invite.authorizations.filter((g) => !remove.some((r) => sameGrant(g, r)));
        const next = [...kept, ...add.filter((a) => !kept.some((g) => sameGrant(g, a)))];
        if (next.length === 0) {
          throw invalid('this would leave the invite without an authorization: an invite needs at least one; delete the invite instead');
        }
        checkInviteGrants(next, 'add_authorizations');
        await invites.setInviteAuthorizations(tx, invite.id, next);
        return { ...invite, authorizations: next };
      });
    },

    async deleteInvite(organizationId: string, rawEmail: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const invite = await findPending(tx, organizationId, rawEmail);
        await invites.deleteInvite(tx, invite.id);
      });
    },

    /** A new token (the old link stops working), seven more days, and the mail again when asked for. */
    async resendInvite(organizationId: string, rawEmail: string, sendEmail: boolean): Promise<Invite> {
      const { renewed, mailed } = await db.transaction().execute(async (tx) => {
        const invite = await findPending(tx, organizationId, rawEmail);
        const org = await organizations.findOrganization(tx, organizationId);
        if (org === undefined) throw notFound('organization', organizationId);
        const { token, stored } = newToken(invite.id);
        const expiresAt = new Date(now().getTime() + INVITE_LIFETIME_MS).toISOString();
        await invites.renewInviteToken(tx, invite.id, stored, expiresAt);
        const next = { ...invite, expiresAt };
        if (!sendEmail || !canMail) return { renewed: next, mailed: false };
        await queueInviteMail(tx, next, org.name, token);
        return { renewed: next, mailed: true };
      });
      if (mailed) mailQueued();
      return renewed;
    },

    /** Removes every role of the user in the organization; never its last owner. */
    async removeMember(organizationId: string, userId: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await organizations.lockOrganization(tx, organizationId);
        const held = (await authorizations.listGrants(tx, userId)).filter((g) => g.organizationId === organizationId);
        if (held.length === 0) throw notFound(`member of organization ${organizationId} with user id`, userId);
        if (held.some((g) => g.resourceType === 'organization' && g.role === 'owner')) await refuseRemovingLastOwner(tx, organizationId);
        for (const g of held) {
          await authorizations.deleteAuthorization(tx, { ...g, identityType: 'user', identityId: userId });
        }
      });
    },

    /**
     * Accepts an invitation by its token. A signed-in user with the invited email joins with the invited
     * roles; someone without an account gives a password and gets one (then is signed in).
     */
    async accept(token: string, actor: Actor | undefined, newPassword: string): Promise<Acceptance> {
      const invite = await invites.findInviteByTokenHash(db, hashToken(token));
      if (invite === undefined) {
        throw new DomainError(
          'not_found',
          'no pending invite has this token: it may have been accepted already, replaced by a resend, or deleted',
        );
      }
      if (Date.parse(invite.expiresAt) <= now().getTime()) {
        throw failedPrecondition(
          `this invitation expired on ${invite.expiresAt}: ask an owner of the organization to resend it (hangar organizations invites resend --org-id ${invite.organizationId} --email ${invite.email})`,
        );
      }
      const org = await organizations.findOrganization(db, invite.organizationId);
      if (org === undefined) throw notFound('organization', invite.organizationId);
      const existing = await users.findUserByEmail(db, invite.email);
      const done = (accessToken: string | undefined): Acceptance => ({
        organizationId: org.id,
        organizationName: org.name,
        email: invite.email,
        accessToken,
      });
      if (existing !== undefined) {
        if (actor === undefined) {
          throw failedPrecondition(
            `an account for ${invite.email} exists: sign in as it (hangar login --email ${invite.email}), then accept the invitation again`,
          );
        }
        if (actor.kind !== 'user' || actor.id !== existing.id) {
          throw permissionDenied(
            `this invitation is for ${invite.email}, and you are signed in as ${actor.label}: sign in as ${invite.email} to accept it`,
          );
        }
        await db.transaction().execute((tx) => grantInvite(tx, invite, existing.id));
        return done(undefined);
      }
      if (actor?.kind === 'user') {
        throw permissionDenied(`this invitation is for ${invite.email}, and you are signed in as ${actor.label}: log out, then accept it`);
      }
      if (newPassword === '') {
        throw invalid(
          `new_password is required: accepting creates the account for ${invite.email}, which needs a password (at least ${MIN_PASSWORD_LENGTH} characters)`,
        );
      }
      if (Array.from(newPassword).length < MIN_PASSWORD_LENGTH) {
        throw invalid(`new_password must be at least ${MIN_PASSWORD_LENGTH} characters long`);
      }
      const userId = newId();
      const passwordHash = await hashPassword(newPassword);
      try {
        await db.transaction().execute(async (tx) => {
          await users.insertUser(tx, { id: userId, email: invite.email, passwordHash, createdAt: now().toISOString() });
          await grantInvite(tx, invite, userId);
        });
      } catch (err) {
        // Someone accepted (or signed up with this email) at the same moment.
        if (isUniqueViolation(err))
          throw new DomainError('already_exists', `an account for ${invite.email} was just created: sign in and accept again`);
        throw err;
      }
      return done(mintUserToken(userId, 0));
    },

    /**
     * Applies invitations that were created without mail for this email: the seed's "the user automatically
     * receives the associated authorization on the next login".
     */
    async applyOnSignIn(userId: string, email: string): Promise<void> {
      const pending = (await invites.listInvitesForEmail(db, email)).filter(
        (i) => !i.sendEmail && Date.parse(i.expiresAt) > now().getTime(),
      );
      if (pending.length === 0) return;
      await db.transaction().execute(async (tx) => {
        for (const invite of pending) await grantInvite(tx, invite, userId);
      });
    },
  };
}

export type MembersService = ReturnType<typeof createMembersService>;
