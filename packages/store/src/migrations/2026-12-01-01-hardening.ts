import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // Token signing keys are derived from the server's secret key (kept outside the database) and a salt
  // stored here, so this table alone cannot sign anything. The old clear-text key goes: tokens it signed
  // stop working and their holders sign in again.
  await db.schema
    .createTable('signing_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('salt', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.deleteFrom('settings').where('key', '=', 'token_signing_key').execute();

  // Bumped by "log out everywhere" and password changes: a user's tokens carry the generation they were
  // minted under, as API keys' tokens already do.
  await db.schema
    .alterTable('users')
    .addColumn('token_generation', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  // The user an organization counts against for --max-organizations-per-identity (null: the organization
  // itself, for organizations created by keys before this existed).
  await db.schema.alterTable('organizations').addColumn('quota_owner', 'text').execute();
  await db.schema.createIndex('organizations_quota_owner').on('organizations').column('quota_owner').execute();
  await sql`
    update organizations set quota_owner = (
      select a.identity_id from authorizations a
      where a.organization_id = organizations.id and a.resource_type = 'organization' and a.resource_id = organizations.id
        and a.role = 'owner' and a.identity_type = 'user'
      order by a.created_at limit 1
    )`.execute(db);

  // History is capped by bytes per part; the size is kept so pruning does not read every config.
  await db.schema
    .alterTable('robot_part_history')
    .addColumn('size_bytes', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update robot_part_history set size_bytes = length(old_json)`.execute(db);
}
