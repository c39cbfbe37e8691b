import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Engine } from '../dialect.js';

/**
 * The logs' own migrations, recorded in their own tables (`logs_migration`), so the fleet's and the logs'
 * histories never mix even when both live in one PostgreSQL database. Frozen in time, like the fleet's.
 */
export const LOGS_MIGRATION_TABLE = 'logs_migration';
export const LOGS_MIGRATION_LOCK_TABLE = 'logs_migration_lock';

/** PostgreSQL ids come in blocks this large: a batch takes whole blocks, so no other batch's ids fall inside its ranges. */
export const ID_BLOCK = 1024;

function initial(engine: Engine): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      if (engine === 'postgres') {
        await sql`create sequence log_entry_blocks start with 1 increment by ${sql.lit(ID_BLOCK)}`.execute(db);
      }
      await db.schema
        .createTable('log_entries')
        // SQLite: exactly "integer primary key", the rowid itself; PostgreSQL: 64-bit ids from the block sequence.
        .addColumn('id', engine === 'postgres' ? 'bigint' : 'integer', (c) => c.primaryKey())
        .addColumn('part_id', 'text', (c) => c.notNull())
        .addColumn('time_us', 'bigint', (c) => c.notNull())
        .addColumn('time_nanos', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('logger_name', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('stack', 'text', (c) => c.notNull())
        .addColumn('extras', engine === 'postgres' ? 'bytea' : 'blob')
        .execute();
      // Newest first within a part: a page of the newest 100 is an index range, whatever the table holds.
      await sql`create index log_entries_part_time on log_entries (part_id, time_us desc, id desc)`.execute(db);
      await db.schema
        .createTable('log_parts')
        .addColumn('part_id', 'text', (c) => c.primaryKey())
        .addColumn('entries', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * Where each sender's numbered batches got to (see LogSequence in log-store.ts): one row per part and
 * sender run, so a batch sent again after its answer was lost is recognised and stored once.
 */
const streams: Migration = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('log_streams')
      .addColumn('part_id', 'text', (c) => c.notNull())
      .addColumn('stream_id', 'text', (c) => c.notNull())
      .addColumn('last_seq', 'bigint', (c) => c.notNull())
      .addColumn('updated_us', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('log_streams_pk', ['part_id', 'stream_id'])
      .execute();
    await db.schema.createIndex('log_streams_updated').on('log_streams').column('updated_us').execute();
  },
};

export function logsMigrationProvider(engine: Engine): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '2026-12-03-01-logs': initial(engine),
    '2026-12-05-01-log-streams': streams,
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}
