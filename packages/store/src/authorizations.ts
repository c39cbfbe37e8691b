import type { Authorization, Grant, IdentityType, ResourceType, Role } from '@hangar/domain';
import type { ExpressionBuilder } from 'kysely';
import type { Executor } from './rows.js';
import type { DB } from './schema.js';

const AUTH_COLUMNS = ['organization_id', 'identity_type', 'identity_id', 'role', 'resource_type', 'resource_id'] as const;

interface AuthRow {
  organization_id: string;
  identity_type: string;
  identity_id: string;
  role: string;
  resource_type: string;
  resource_id: string;
}

// Rows are written only through insertAuthorizations, which takes domain values, so the casts hold.
function toAuthorization(row: AuthRow): Authorization {
  return {
    organizationId: row.organization_id,
    identityType: row.identity_type as IdentityType,
    identityId: row.identity_id,
    role: row.role as Role,
    resourceType: row.resource_type as ResourceType,
    resourceId: row.resource_id,
  };
}

export async function insertAuthorizations(
  db: Executor,
  rows: readonly (Authorization & { id: string; createdAt: string })[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('authorizations')
    .values(
      rows.map((a) => ({
        id: a.id,
        organization_id: a.organizationId,
        identity_type: a.identityType,
        identity_id: a.identityId,
        role: a.role,
        resource_type: a.resourceType,
        resource_id: a.resourceId,
        created_at: a.createdAt,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Everything an identity may do, read on every call so role changes apply at once. */
export async function listGrants(db: Executor, identityId: string): Promise<Grant[]> {
  const rows = await db.selectFrom('authorizations').select(AUTH_COLUMNS).where('identity_id', '=', identityId).execute();
  return rows.map(toAuthorization);
}

export async function listAuthorizationsOfOrganization(db: Executor, organizationId: string): Promise<Authorization[]> {
  const rows = await db
    .selectFrom('authorizations')
    .select(AUTH_COLUMNS)
    .where('organization_id', '=', organizationId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toAuthorization);
}

/** User ids holding any role in the organization, with when they first got one. */
export async function listMemberIds(db: Executor, organizationId: string): Promise<{ userId: string; since: string }[]> {
  const rows = await db
    .selectFrom('authorizations')
    .select(['identity_id', (eb) => eb.fn.min<string>('created_at').as('since')])
    .where('organization_id', '=', organizationId)
    .where('identity_type', '=', 'user')
    .groupBy('identity_id')
    .orderBy('since')
    .execute();
  return rows.map((r) => ({ userId: r.identity_id, since: r.since }));
}

/** Organizations in which a user holds any role. */
export async function listOrganizationIdsOfIdentity(db: Executor, identityId: string): Promise<string[]> {
  const rows = await db.selectFrom('authorizations').select('organization_id').distinct().where('identity_id', '=', identityId).execute();
  return rows.map((r) => r.organization_id);
}

/** Removes every role on the given resources (they are being deleted). */
export async function deleteAuthorizationsOnResources(db: Executor, resourceIds: readonly string[]): Promise<void> {
  if (resourceIds.length === 0) return;
  await db.deleteFrom('authorizations').where('resource_id', 'in', resourceIds).execute();
}

/**
 * Removes every role on an organization's locations and their machines (they are being deleted with it),
 * by subquery: an organization may hold more of them than a statement may take parameters.
 */
export async function deleteAuthorizationsOnResourcesOfOrganization(db: Executor, organizationId: string): Promise<void> {
  await db
    .deleteFrom('authorizations')
    .where((eb) =>
      eb.or([
        eb('resource_id', 'in', eb.selectFrom('locations').select('locations.id').where('locations.primary_org_id', '=', organizationId)),
        eb(
          'resource_id',
          'in',
          eb
            .selectFrom('robots')
            .innerJoin('locations', 'locations.id', 'robots.location_id')
            .select('robots.id')
            .where('locations.primary_org_id', '=', organizationId),
        ),
      ]),
    )
    .execute();
}

/** Removes the roles one organization filed on the given resources (a location is no longer shared with it). */
export async function deleteAuthorizationsOfOrganizationOn(
  db: Executor,
  organizationId: string,
  resourceIds: readonly string[],
): Promise<void> {
  for (let i = 0; i < resourceIds.length; i += 500) {
    await db
      .deleteFrom('authorizations')
      .where('organization_id', '=', organizationId)
      .where('resource_id', 'in', resourceIds.slice(i, i + 500))
      .execute();
  }
}

/** Every role held by any of the given identities (for listing keys with their roles in one query). */
export async function listAuthorizationsOfIdentities(db: Executor, identityIds: readonly string[]): Promise<Authorization[]> {
  if (identityIds.length === 0) return [];
  const rows = await db
    .selectFrom('authorizations')
    .select(AUTH_COLUMNS)
    .where('identity_id', 'in', identityIds)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toAuthorization);
}

export async function listAuthorizationsOnResources(
  db: Executor,
  organizationId: string,
  resourceIds: readonly string[],
): Promise<Authorization[]> {
  if (resourceIds.length === 0) return [];
  const rows = await db
    .selectFrom('authorizations')
    .select(AUTH_COLUMNS)
    .where('organization_id', '=', organizationId)
    .where('resource_id', 'in', resourceIds)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toAuthorization);
}

/** The one row that is this role of this identity (the unique key of the table). */
function isRole(a: Authorization) {
  return (eb: ExpressionBuilder<DB, 'authorizations'>) =>
    eb.and([
      eb('organization_id', '=', a.organizationId),
      eb('identity_id', '=', a.identityId),
      eb('role', '=', a.role),
      eb('resource_type', '=', a.resourceType),
      eb('resource_id', '=', a.resourceId),
    ]);
}

/** Removes one role; returns whether it existed. */
export async function deleteAuthorization(db: Executor, a: Authorization): Promise<boolean> {
  const result = await db.deleteFrom('authorizations').where(isRole(a)).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function authorizationExists(db: Executor, a: Authorization): Promise<boolean> {
  const row = await db.selectFrom('authorizations').select('id').where(isRole(a)).executeTakeFirst();
  return row !== undefined;
}

/** How many identities own the organization itself. */
export async function countOrganizationOwners(db: Executor, organizationId: string): Promise<number> {
  const row = await db
    .selectFrom('authorizations')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('organization_id', '=', organizationId)
    .where('resource_type', '=', 'organization')
    .where('resource_id', '=', organizationId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The identities that own the organization itself. */
export async function listOrganizationOwnerIds(db: Executor, organizationId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('authorizations')
    .select('identity_id')
    .where('organization_id', '=', organizationId)
    .where('resource_type', '=', 'organization')
    .where('resource_id', '=', organizationId)
    .where('role', '=', 'owner')
    .execute();
  return rows.map((r) => r.identity_id);
}

export async function deleteAuthorizationsOfIdentity(db: Executor, identityId: string): Promise<void> {
  await db.deleteFrom('authorizations').where('identity_id', '=', identityId).execute();
}

/** Roles held, in any organization, by the API keys of one organization. */
export async function deleteAuthorizationsOfOrganizationKeys(db: Executor, organizationId: string): Promise<void> {
  await db
    .deleteFrom('authorizations')
    .where('identity_type', '=', 'api-key')
    .where('identity_id', 'in', (eb) =>
      eb.selectFrom('api_keys').select('api_keys.id').where('api_keys.organization_id', '=', organizationId),
    )
    .execute();
}
