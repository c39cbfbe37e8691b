import type { ApiKey } from '@hangar/domain';
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

/** A key as a token presents it: exists, and minted under its current secret. */
export async function findApiKeyForToken(db: Executor, id: string): Promise<{ name: string; generation: number } | undefined> {
  const row = await db.selectFrom('api_keys').select(['name', 'generation']).where('id', '=', id).executeTakeFirst();
  return row;
}

export async function findApiKey(db: Executor, id: string): Promise<ApiKeyRecord | undefined> {
  const row = await db.selectFrom('api_keys').select(['id', 'organization_id', 'name', 'created_at']).where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, organizationId: row.organization_id, name: row.name, createdAt: row.created_at };
}
