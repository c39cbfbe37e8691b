import type { Executor } from './rows.js';

export interface SigningKeyRow {
  readonly id: string;
  readonly salt: string;
  readonly createdAt: string;
}

/** Every signing key, newest first: the first signs new tokens, all of them verify. */
export async function listSigningKeys(db: Executor): Promise<SigningKeyRow[]> {
  const rows = await db
    .selectFrom('signing_keys')
    .select(['id', 'salt', 'created_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => ({ id: r.id, salt: r.salt, createdAt: r.created_at }));
}

export async function insertSigningKey(db: Executor, key: SigningKeyRow): Promise<void> {
  await db.insertInto('signing_keys').values({ id: key.id, salt: key.salt, created_at: key.createdAt }).execute();
}

/** Cuts off every token not signed with `keepId`; returns how many keys went. */
export async function deleteSigningKeysExcept(db: Executor, keepId: string): Promise<number> {
  const result = await db.deleteFrom('signing_keys').where('id', '!=', keepId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
