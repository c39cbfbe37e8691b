/**
 * Direct database access to an organization's tabular data (PostgreSQL only): one read-only login role per
 * organization, `db-user-<organization id>` as Viam names it, a member of this database's readers role.
 * Row-level security on data_tabular lets such a role see its own organization's rows only, through the
 * view `sensordata.readings`; it holds no other grant, and its sessions are read-only. The server's own
 * role owns the table, so its queries are not confined. Set up on first use, idempotently, so a server
 * whose role may not create roles still runs (and says what to grant when asked for a user).
 */
import { sql, type Kysely } from 'kysely';
import { POSTGRES_READINGS_COLUMNS } from './readings-query.js';
import type { DB } from './schema.js';

export const DB_USER_PREFIX = 'db-user-';

const readersRole = (database: string) => `hangar_readers_${database}`;

/** The group role of this database's data readers (roles are cluster-wide; the name carries the database). */
export async function readersRoleName(db: Kysely<DB>): Promise<string> {
  const row = await sql<{ name: string }>`select current_database() as name`.execute(db);
  return readersRole(row.rows[0]?.name ?? '');
}

/** Whether the server's role may create roles (CREATEROLE or superuser). */
export async function canCreateRoles(db: Kysely<DB>): Promise<boolean> {
  const row = await sql<{ ok: boolean }>`select (rolcreaterole or rolsuper) as ok from pg_roles where rolname = current_user`.execute(db);
  return row.rows[0]?.ok === true;
}

/** The readers role, the view and the policy, created if missing (safe to run again, and concurrently). */
export async function ensureReaderSetup(db: Kysely<DB>): Promise<string> {
  const readers = await readersRoleName(db);
  await db.transaction().execute(async (tx) => {
    // One setup at a time across replicas: DDL below is not safe to race.
    await sql`select pg_advisory_xact_lock(hashtext('hangar-data-readers'))`.execute(tx);
    const exists = await sql<{ n: number }>`select count(*)::int as n from pg_roles where rolname = ${readers}`.execute(tx);
    if ((exists.rows[0]?.n ?? 0) === 0) await sql`create role ${sql.id(readers)} nologin`.execute(tx);
    await sql`create schema if not exists sensordata`.execute(tx);
    await sql`
      create or replace view sensordata.readings with (security_invoker = true) as
      select ${sql.raw(POSTGRES_READINGS_COLUMNS)} from data_tabular`.execute(tx);
    await sql`alter table data_tabular enable row level security`.execute(tx);
    await sql`drop policy if exists hangar_org_readers on data_tabular`.execute(tx);
    await sql`
      create policy hangar_org_readers on data_tabular for select to ${sql.id(readers)}
      using (organization_id = substr(current_user, ${sql.lit(DB_USER_PREFIX.length + 1)}))`.execute(tx);
    const schema = await sql<{ s: string }>`select current_schema() as s`.execute(tx);
    await sql`grant usage on schema ${sql.id(schema.rows[0]?.s ?? 'public')}, sensordata to ${sql.id(readers)}`.execute(tx);
    await sql`grant select on data_tabular, sensordata.readings to ${sql.id(readers)}`.execute(tx);
  });
  return readers;
}

/** Creates the organization's login role, or sets its password; `verifier` is a SCRAM-SHA-256 secret, never the password. */
export async function upsertDatabaseUser(db: Kysely<DB>, organizationId: string, verifier: string, readers: string): Promise<void> {
  const role = `${DB_USER_PREFIX}${organizationId}`;
  const database = (await sql<{ name: string }>`select current_database() as name`.execute(db)).rows[0]?.name ?? '';
  await db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${role}))`.execute(tx);
    const exists = await sql<{ n: number }>`select count(*)::int as n from pg_roles where rolname = ${role}`.execute(tx);
    if ((exists.rows[0]?.n ?? 0) === 0) {
      await sql`create role ${sql.id(role)} login password ${sql.lit(verifier)} in role ${sql.id(readers)} connection limit 10`.execute(tx);
    } else {
      await sql`alter role ${sql.id(role)} password ${sql.lit(verifier)}`.execute(tx);
      await sql`grant ${sql.id(readers)} to ${sql.id(role)}`.execute(tx);
    }
    await sql`alter role ${sql.id(role)} set default_transaction_read_only = on`.execute(tx);
    await sql`alter role ${sql.id(role)} set statement_timeout = '60s'`.execute(tx);
    await sql`alter role ${sql.id(role)} set search_path = sensordata`.execute(tx);
    await sql`grant connect on database ${sql.id(database)} to ${sql.id(role)}`.execute(tx);
  });
}

export async function hasDatabaseUser(db: Kysely<DB>, organizationId: string): Promise<boolean> {
  const readers = await readersRoleName(db);
  const row = await sql<{ n: number }>`
    select count(*)::int as n from pg_roles r
    join pg_auth_members m on m.member = r.oid
    join pg_roles g on g.oid = m.roleid
    where r.rolname = ${DB_USER_PREFIX + organizationId} and g.rolname = ${readers}`.execute(db);
  return (row.rows[0]?.n ?? 0) > 0;
}

/** Whether the server accepts TLS connections (what sslmode a connection URI may ask for). */
export async function sslEnabled(db: Kysely<DB>): Promise<boolean> {
  const row = await sql<{ ssl: string }>`show ssl`.execute(db);
  return row.rows[0]?.ssl === 'on';
}
