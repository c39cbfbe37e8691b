import type { Kysely } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// Migrations see the database as it was when they were written, not as schema.ts describes it today.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('robots')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('location_id', 'text', (c) => c.notNull().references('locations.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // Serves list_robots pages (keyset on name, id).
  await db.schema.createIndex('robots_location_name').on('robots').columns(['location_id', 'name', 'id']).execute();
  // Machine names are unique within a location, whatever the timing of concurrent renames.
  await db.schema.createIndex('robots_location_name_unique').on('robots').columns(['location_id', 'name']).unique().execute();

  await db.schema
    .createTable('robot_parts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('robot_id', 'text', (c) => c.notNull().references('robots.id').onDelete('cascade'))
    // The machine's location, kept with the part so a part name is unique where its fqdn is.
    .addColumn('location_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    // The name as a DNS label: the part's fqdn is <dns_name>.<location id>.<domain>, so it is what must be
    // unique within a location ("My Arm" and "my-arm" would share one).
    .addColumn('dns_name', 'text', (c) => c.notNull())
    .addColumn('is_main', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('config_json', 'text', (c) => c.notNull())
    .addColumn('user_supplied_info_json', 'text')
    .addColumn('needs_restart', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_access', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('robot_parts_robot').on('robot_parts').columns(['robot_id', 'created_at']).execute();
  await db.schema.createIndex('robot_parts_location_dns_name').on('robot_parts').columns(['location_id', 'dns_name']).unique().execute();

  await db.schema
    .createTable('robot_part_secrets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('part_id', 'text', (c) => c.notNull().references('robot_parts.id').onDelete('cascade'))
    // Machines present this secret to authenticate and clients read it back (RobotPart.secret), so it
    // cannot be stored hashed.
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('robot_part_secrets_part').on('robot_part_secrets').column('part_id').execute();

  await db.schema
    .createTable('robot_part_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('part_id', 'text', (c) => c.notNull().references('robot_parts.id').onDelete('cascade'))
    .addColumn('robot_id', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('old_json', 'text', (c) => c.notNull())
    .addColumn('editor_type', 'text', (c) => c.notNull())
    .addColumn('editor_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('robot_part_history_part').on('robot_part_history').columns(['part_id', 'at', 'id']).execute();
}
