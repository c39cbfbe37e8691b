import type { Kysely } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // One binary capture or uploaded file. Its bytes are a blob (content-addressed, shared with the
  // registry's); the row is written only once the blob is complete. Times are microseconds since the
  // epoch (nanoseconds overflow a JavaScript number); machine and part names are kept as they were at
  // upload, as the exported metadata shows them. The cursor of every listing is (time_requested_us, id).
  await db.schema
    .createTable('data_binary')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('location_id', 'text', (c) => c.notNull())
    .addColumn('robot_id', 'text', (c) => c.notNull())
    .addColumn('robot_name', 'text', (c) => c.notNull())
    .addColumn('part_id', 'text', (c) => c.notNull())
    .addColumn('part_name', 'text', (c) => c.notNull())
    .addColumn('component_type', 'text', (c) => c.notNull())
    .addColumn('component_name', 'text', (c) => c.notNull())
    .addColumn('method_name', 'text', (c) => c.notNull())
    .addColumn('method_parameters', 'text', (c) => c.notNull())
    .addColumn('mime_type', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('file_ext', 'text', (c) => c.notNull())
    .addColumn('annotations', 'text', (c) => c.notNull())
    .addColumn('time_requested_us', 'bigint', (c) => c.notNull())
    .addColumn('time_received_us', 'bigint', (c) => c.notNull())
    .addColumn('time_synced_us', 'bigint', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('data_binary_org_time').on('data_binary').columns(['organization_id', 'time_requested_us', 'id']).execute();
  await db.schema.createIndex('data_binary_location_time').on('data_binary').columns(['location_id', 'time_requested_us', 'id']).execute();
  await db.schema.createIndex('data_binary_part_time').on('data_binary').columns(['part_id', 'time_requested_us', 'id']).execute();
  await db.schema.createIndex('data_binary_sha256').on('data_binary').column('sha256').execute();

  // Tags, one row each: the tags filter (OR within it) and TagsByFilter read this on both engines.
  await db.schema
    .createTable('data_binary_tags')
    .addColumn('binary_id', 'text', (c) => c.notNull().references('data_binary.id').onDelete('cascade'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('data_binary_tags_pk', ['binary_id', 'tag'])
    .execute();
  await db.schema.createIndex('data_binary_tags_tag').on('data_binary_tags').columns(['tag', 'binary_id']).execute();

  // One tabular reading (a SensorData struct); upload_id is the file_id its DataCaptureUpload answered.
  await db.schema
    .createTable('data_tabular')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('upload_id', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('location_id', 'text', (c) => c.notNull())
    .addColumn('robot_id', 'text', (c) => c.notNull())
    .addColumn('robot_name', 'text', (c) => c.notNull())
    .addColumn('part_id', 'text', (c) => c.notNull())
    .addColumn('part_name', 'text', (c) => c.notNull())
    .addColumn('component_type', 'text', (c) => c.notNull())
    .addColumn('component_name', 'text', (c) => c.notNull())
    .addColumn('method_name', 'text', (c) => c.notNull())
    .addColumn('method_parameters', 'text', (c) => c.notNull())
    .addColumn('mime_type', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('time_requested_us', 'bigint', (c) => c.notNull())
    .addColumn('time_received_us', 'bigint', (c) => c.notNull())
    .addColumn('time_synced_us', 'bigint', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('data_tabular_org_time').on('data_tabular').columns(['organization_id', 'time_requested_us', 'id']).execute();
  await db.schema
    .createIndex('data_tabular_resource_time')
    .on('data_tabular')
    .columns(['part_id', 'component_name', 'method_name', 'time_requested_us'])
    .execute();
  await db.schema
    .createIndex('data_tabular_location_time')
    .on('data_tabular')
    .columns(['location_id', 'time_requested_us', 'id'])
    .execute();
}
