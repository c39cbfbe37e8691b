import type { Kysely } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // Registry items: modules, ML models, training scripts, archives, board definitions. The item id users
  // see (`<namespace or organization id>:<name>`) is computed on read, so a namespace set later applies.
  await db.schema
    .createTable('registry_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'integer', (c) => c.notNull())
    .addColumn('visibility', 'integer', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('entrypoint', 'text', (c) => c.notNull())
    .addColumn('first_run', 'text')
    .addColumn('markdown_description', 'text')
    .addColumn('models_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('registry_items_name', ['organization_id', 'name'])
    .execute();
  await db.schema.createIndex('registry_items_visibility').on('registry_items').columns(['visibility', 'created_at', 'id']).execute();

  // One uploaded file of an item: a module version for a platform, a package version, a board definition.
  // The row is written only once its blob is complete, so what is listed can always be downloaded.
  await db.schema
    .createTable('registry_files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('item_id', 'text', (c) => c.notNull().references('registry_items.id').onDelete('cascade'))
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('crc32c', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('entrypoint', 'text', (c) => c.notNull())
    .addColumn('models_json', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('uploader_type', 'text', (c) => c.notNull())
    .addColumn('uploader_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('registry_files_version', ['item_id', 'version', 'platform'])
    .execute();
  await db.schema.createIndex('registry_files_sha256').on('registry_files').column('sha256').execute();

  // Resumable HTTP uploads in progress: the bytes received so far sit in the receiving server's data dir.
  await db.schema
    .createTable('registry_uploads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('item_id', 'text', (c) => c.notNull().references('registry_items.id').onDelete('cascade'))
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('received_bytes', 'bigint', (c) => c.notNull())
    .addColumn('uploader_type', 'text', (c) => c.notNull())
    .addColumn('uploader_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}
