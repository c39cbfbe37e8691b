import type { User } from '@hangar/domain';
import type { Selectable } from 'kysely';
import type { Executor } from './rows.js';
import type { UsersTable } from './schema.js';

const USER_COLUMNS = ['id', 'email', 'created_at', 'last_login'] as const;

function toUser(row: Pick<Selectable<UsersTable>, (typeof USER_COLUMNS)[number]>): User {
  return { id: row.id, email: row.email, createdAt: row.created_at, lastLogin: row.last_login };
}

export async function insertUser(
  db: Executor,
  user: { id: string; email: string; passwordHash: string; createdAt: string },
): Promise<void> {
  await db
    .insertInto('users')
    .values({ id: user.id, email: user.email, password_hash: user.passwordHash, created_at: user.createdAt, last_login: null })
    .execute();
}

export async function findUser(db: Executor, id: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').select(USER_COLUMNS).where('id', '=', id).executeTakeFirst();
  return row && toUser(row);
}

export async function findUserByEmail(db: Executor, email: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').select(USER_COLUMNS).where('email', '=', email).executeTakeFirst();
  return row && toUser(row);
}

/** The only queries that read a password hash: used by password login and password changes, nothing else. */
export async function findPasswordHash(
  db: Executor,
  email: string,
): Promise<{ id: string; passwordHash: string; tokenGeneration: number } | undefined> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'password_hash', 'token_generation'])
    .where('email', '=', email)
    .executeTakeFirst();
  return row && { id: row.id, passwordHash: row.password_hash, tokenGeneration: row.token_generation };
}

export async function findPasswordHashById(db: Executor, id: string): Promise<{ email: string; passwordHash: string } | undefined> {
  const row = await db.selectFrom('users').select(['email', 'password_hash']).where('id', '=', id).executeTakeFirst();
  return row && { email: row.email, passwordHash: row.password_hash };
}

/** A user as a token presents it: runs on every call made with a user's token. */
export async function findTokenUser(db: Executor, id: string): Promise<{ email: string; tokenGeneration: number } | undefined> {
  const row = await db.selectFrom('users').select(['email', 'token_generation']).where('id', '=', id).executeTakeFirst();
  return row && { email: row.email, tokenGeneration: row.token_generation };
}

/** Revokes every token the user holds; returns the new generation. */
export async function bumpTokenGeneration(db: Executor, id: string): Promise<number> {
  await db
    .updateTable('users')
    .set((eb) => ({ token_generation: eb('token_generation', '+', 1) }))
    .where('id', '=', id)
    .execute();
  const row = await db.selectFrom('users').select('token_generation').where('id', '=', id).executeTakeFirstOrThrow();
  return row.token_generation;
}

export async function setPasswordHash(db: Executor, id: string, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
}

export async function listUsers(db: Executor, ids: readonly string[]): Promise<User[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('users').select(USER_COLUMNS).where('id', 'in', ids).execute();
  return rows.map(toUser);
}

export async function touchLastLogin(db: Executor, id: string, at: string): Promise<void> {
  await db.updateTable('users').set({ last_login: at }).where('id', '=', id).execute();
}

export async function countUsers(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
