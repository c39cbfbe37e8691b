import type { Organization } from '@hangar/domain';
import type { Selectable } from 'kysely';
import { reusable } from './reusable.js';
import type { Executor } from './rows.js';
import type { OrganizationsTable } from './schema.js';

const ORG_COLUMNS = ['id', 'name', 'public_namespace', 'default_region', 'cid', 'created_at'] as const;

function toOrganization(row: Pick<Selectable<OrganizationsTable>, (typeof ORG_COLUMNS)[number]>): Organization {
  return {
    id: row.id,
    name: row.name,
    publicNamespace: row.public_namespace,
    defaultRegion: row.default_region,
    cid: row.cid,
    createdAt: row.created_at,
  };
}

/** `quotaOwner`: the user the organization counts against (see countOrganizationsOfQuotaOwner). */
export async function insertOrganization(db: Executor, org: Organization, quotaOwner: string): Promise<void> {
  await db
    .insertInto('organizations')
    .values({
      id: org.id,
      name: org.name,
      public_namespace: org.publicNamespace,
      default_region: org.defaultRegion,
      cid: org.cid,
      created_at: org.createdAt,
      quota_owner: quotaOwner,
    })
    .execute();
}

/** Whom an organization counts against: the user accountable for it, or (older rows) the organization itself. */
export async function quotaOwnerOf(db: Executor, organizationId: string): Promise<string> {
  const row = await db.selectFrom('organizations').select('quota_owner').where('id', '=', organizationId).executeTakeFirst();
  return row?.quota_owner ?? organizationId;
}

export async function countOrganizationsOfQuotaOwner(db: Executor, owner: string): Promise<number> {
  const row = await db
    .selectFrom('organizations')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where((eb) => eb.or([eb('quota_owner', '=', owner), eb.and([eb('quota_owner', 'is', null), eb('id', '=', owner)])]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Serializes organization creations counted against one owner (a user row or an organization row). */
export async function lockQuotaOwner(db: Executor, owner: string): Promise<void> {
  await db
    .updateTable('users')
    .set((eb) => ({ id: eb.ref('id') }))
    .where('id', '=', owner)
    .execute();
  await lockOrganization(db, owner);
}

const selectOrganization = reusable(
  (db: Executor, id: string) => db.selectFrom('organizations').select(ORG_COLUMNS).where('id', '=', id),
  1,
);

export async function findOrganization(db: Executor, id: string): Promise<Organization | undefined> {
  const [row] = await selectOrganization(db, id);
  return row && toOrganization(row);
}

/** Organizations by id, oldest first (the order Viam lists them in). */
export async function listOrganizations(db: Executor, ids: readonly string[]): Promise<Organization[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('organizations')
    .select(ORG_COLUMNS)
    .where('id', 'in', ids)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toOrganization);
}

export async function findOrganizationByNamespace(db: Executor, namespace: string): Promise<Organization | undefined> {
  const row = await db.selectFrom('organizations').select(ORG_COLUMNS).where('public_namespace', '=', namespace).executeTakeFirst();
  return row && toOrganization(row);
}

export interface OrganizationChanges {
  readonly name?: string;
  readonly publicNamespace?: string;
  readonly defaultRegion?: string;
  readonly cid?: string;
}

export async function updateOrganization(db: Executor, id: string, changes: OrganizationChanges): Promise<void> {
  const set = {
    ...(changes.name !== undefined && { name: changes.name }),
    ...(changes.publicNamespace !== undefined && { public_namespace: changes.publicNamespace }),
    ...(changes.defaultRegion !== undefined && { default_region: changes.defaultRegion }),
    ...(changes.cid !== undefined && { cid: changes.cid }),
  };
  if (Object.keys(set).length === 0) return;
  await db.updateTable('organizations').set(set).where('id', '=', id).execute();
}

/** Deletes the organization; foreign keys cascade to its locations, keys and authorizations. */
export async function deleteOrganization(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('organizations').where('id', '=', id).execute();
}

/**
 * Serializes changes to an organization's location tree until the transaction ends. A no-op update takes
 * PostgreSQL's row lock on both engines' terms (SQLite already runs one writer at a time), so two
 * concurrent moves cannot both pass the cycle check and join two locations into a loop.
 */
export async function lockOrganization(db: Executor, id: string): Promise<void> {
  await db
    .updateTable('organizations')
    .set((eb) => ({ id: eb.ref('id') }))
    .where('id', '=', id)
    .execute();
}
