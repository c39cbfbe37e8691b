import type { Grant, Invite } from '@hangar/domain';
import type { Selectable } from 'kysely';
import { flag, isSet, type Executor } from './rows.js';
import type { OrganizationInvitesTable } from './schema.js';

const INVITE_COLUMNS = ['id', 'organization_id', 'email', 'authorizations_json', 'send_email', 'created_at', 'expires_at'] as const;

type InviteRow = Pick<Selectable<OrganizationInvitesTable>, (typeof INVITE_COLUMNS)[number]>;

// Written only from validated domain values (insertInvite), so the parse holds.
function toInvite(row: InviteRow): Invite {
  return {
    id: row.id,
    organizationId: row.organization_id,
    email: row.email,
    authorizations: JSON.parse(row.authorizations_json) as Grant[],
    sendEmail: isSet(row.send_email),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export async function insertInvite(db: Executor, invite: Invite, token: { hash: string; sealed: string }): Promise<void> {
  await db
    .insertInto('organization_invites')
    .values({
      id: invite.id,
      organization_id: invite.organizationId,
      email: invite.email,
      authorizations_json: JSON.stringify(invite.authorizations),
      token_hash: token.hash,
      token_sealed: token.sealed,
      send_email: flag(invite.sendEmail),
      created_at: invite.createdAt,
      expires_at: invite.expiresAt,
    })
    .execute();
}

export async function findInvite(db: Executor, organizationId: string, email: string): Promise<Invite | undefined> {
  const row = await db
    .selectFrom('organization_invites')
    .select(INVITE_COLUMNS)
    .where('organization_id', '=', organizationId)
    .where('email', '=', email)
    .executeTakeFirst();
  return row && toInvite(row);
}

/** The one query that finds an invite by its token (its hash): accepting. */
export async function findInviteByTokenHash(db: Executor, tokenHash: string): Promise<Invite | undefined> {
  const row = await db.selectFrom('organization_invites').select(INVITE_COLUMNS).where('token_hash', '=', tokenHash).executeTakeFirst();
  return row && toInvite(row);
}

/** An organization's pending invites, oldest first, with their sealed tokens (for owners' accept links). */
export async function listInvites(db: Executor, organizationId: string): Promise<(Invite & { tokenSealed: string })[]> {
  const rows = await db
    .selectFrom('organization_invites')
    .select([...INVITE_COLUMNS, 'token_sealed'])
    .where('organization_id', '=', organizationId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...toInvite(r), tokenSealed: r.token_sealed }));
}

/** Invites for an email in every organization (applied when that user signs in, for invites sent without mail). */
export async function listInvitesForEmail(db: Executor, email: string): Promise<Invite[]> {
  const rows = await db
    .selectFrom('organization_invites')
    .select(INVITE_COLUMNS)
    .where('email', '=', email)
    .orderBy('created_at')
    .execute();
  return rows.map(toInvite);
}

export async function setInviteAuthorizations(db: Executor, id: string, authorizations: readonly Grant[]): Promise<void> {
  await db
    .updateTable('organization_invites')
    .set({ authorizations_json: JSON.stringify(authorizations) })
    .where('id', '=', id)
    .execute();
}

/** A new token (the old link stops working) and a new expiry, for a resent invite. */
export async function renewInviteToken(
  db: Executor,
  id: string,
  token: { hash: string; sealed: string },
  expiresAt: string,
): Promise<void> {
  await db
    .updateTable('organization_invites')
    .set({ token_hash: token.hash, token_sealed: token.sealed, expires_at: expiresAt })
    .where('id', '=', id)
    .execute();
}

export async function deleteInvite(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('organization_invites').where('id', '=', id).execute();
}
