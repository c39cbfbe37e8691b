import type { Organization } from '@hangar/domain';
import type { Selectable } from 'kysely';
import { reusable } from './reusable.js';
import type { Executor } from './rows.js';
import type { OrganizationsTable } from './schema.js';

const ORG_COLUMNS = ['id', 'name', 'public_namespace', 'default_region', 'cid', 'created_at'] as const;

function toOrganization(row: Selectable<OrganizationsTable>): Organization {
  return {
    id: row.id,
    name: row.name,
    publicNamespace: row.public_namespace,
    defaultRegion: row.default_region,
    cid: row.cid,
    createdAt: row.created_at,
  };
}

export async function insertOrganization(db: Executor, org: Organization): Promise<void> {
  await db
    .insertInto('organizations')
    .values({
      id: org.id,
      name: org.name,
      public_namespace: org.publicNamespace,
      default_region: org.defaultRegion,
      cid: org.cid,
      created_at: org.createdAt,
    })
    .execute();
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

/** Ids of the locations an organization owns and of the machines in them (for cascades). */
export async function listOwnedResourceIds(db: Executor, id: string): Promise<{ locationIds: string[]; robotIds: string[] }> {
  const locationIds = (await db.selectFrom('locations').select('id').where('primary_org_id', '=', id).execute()).map((l) => l.id);
  const robotIds =
    locationIds.length === 0
      ? []
      : (await db.selectFrom('robots').select('id').where('location_id', 'in', locationIds).execute()).map((r) => r.id);
  return { locationIds, robotIds };
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
