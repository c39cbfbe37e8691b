import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema.js';

/** Store functions take either the database or a transaction, so callers can compose them atomically. */
export type Executor = Kysely<DB> | Transaction<DB>;

export const flag = (value: boolean): number => (value ? 1 : 0);
export const isSet = (value: number): boolean => value !== 0;

/** The database handle services hold; they open transactions on it and pass them to store functions. */
export type Database = Kysely<DB>;
