import type { ApiKey, Grant, ResourceType, Role } from '@hangar/domain';
import { reusable } from './reusable.js';
import type { Executor } from './rows.js';

export interface ApiKeyRecord extends ApiKey {
  readonly organizationId: string;
}

export async function insertApiKey(
  db: Executor,
  key: { id: string; organizationId: string; name: string; secretHash: string; createdAt: string },
): Promise<void> {
  await db
    .insertInto('api_keys')
    .values({ id: key.id, organization_id: key.organizationId, name: key.name, secret_hash: key.secretHash, created_at: key.createdAt })
    .execute();
}

/** The only query that reads a key's secret hash: used by Authenticate and nothing else. */
export async function findApiKeySecret(db: Executor, id: string): Promise<{ secretHash: string; generation: number } | undefined> {
  const row = await db.selectFrom('api_keys').select(['secret_hash', 'generation']).where('id', '=', id).executeTakeFirst();
  return row && { secretHash: row.secret_hash, generation: row.generation };
}

export async function findApiKey(db: Executor, id: string): Promise<ApiKeyRecord | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'organization_id', 'name', 'created_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row && { id: row.id, organizationId: row.organization_id, name: row.name, createdAt: row.created_at };
}

/** An organization's keys, oldest first. Never selects the secret hash. */
export async function listApiKeys(db: Executor, organizationId: string): Promise<ApiKeyRecord[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select(['id', 'organization_id', 'name', 'created_at'])
    .where('organization_id', '=', organizationId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({ id: row.id, organizationId: row.organization_id, name: row.name, createdAt: row.created_at }));
}

/** Keys of an organization (for --max-keys-per-organization). */
export async function countApiKeys(db: Executor, organizationId: string): Promise<number> {
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Keys holding any role on one of the given resources. */
export async function listApiKeysOnResource(db: Executor, resourceId: string): Promise<ApiKeyRecord[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select(['api_keys.id', 'api_keys.organization_id', 'api_keys.name', 'api_keys.created_at'])
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('authorizations')
          .select('authorizations.id')
          .whereRef('authorizations.identity_id', '=', 'api_keys.id')
          .where('authorizations.resource_id', '=', resourceId),
      ),
    )
    .orderBy('api_keys.created_at')
    .orderBy('api_keys.id')
    .execute();
  return rows.map((row) => ({ id: row.id, organizationId: row.organization_id, name: row.name, createdAt: row.created_at }));
}

/** A new secret under a new generation: tokens minted under the old one stop working. */
export async function rotateApiKey(db: Executor, id: string, secretHash: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set((eb) => ({ secret_hash: secretHash, generation: eb('generation', '+', 1) }))
    .where('id', '=', id)
    .execute();
}

export async function renameApiKey(db: Executor, id: string, name: string): Promise<void> {
  await db.updateTable('api_keys').set({ name }).where('id', '=', id).execute();
}

export async function deleteApiKey(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('api_keys').where('id', '=', id).execute();
}

const selectKeyWithGrants = reusable(
  (db: Executor, id: string) =>
    db
      .selectFrom('api_keys as k')
      .leftJoin('authorizations as a', 'a.identity_id', 'k.id')
      .select([
        'k.name',
        'k.generation',
        'k.organization_id as home_organization_id',
        'a.organization_id',
        'a.role',
        'a.resource_type',
        'a.resource_id',
      ])
      .where('k.id', '=', id),
  1,
);

/**
 * A key as a token presents it, with every role it holds, in one round trip: this runs on every call
 * made with an API key.
 */
export async function findApiKeyWithGrants(
  db: Executor,
  id: string,
): Promise<{ name: string; generation: number; organizationId: string; grants: Grant[] } | undefined> {
  const rows = await selectKeyWithGrants(db, id);
  const first = rows[0];
  if (first === undefined) return undefined;
  const grants: Grant[] = [];
  for (const r of rows) {
    if (r.organization_id === null || r.role === null || r.resource_type === null || r.resource_id === null) continue;
    // Rows are written only from validated domain values.
    grants.push({
      organizationId: r.organization_id,
      role: r.role as Role,
      resourceType: r.resource_type as ResourceType,
      resourceId: r.resource_id,
    });
  }
  return { name: first.name, generation: first.generation, organizationId: first.home_organization_id, grants };
}
