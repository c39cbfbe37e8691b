import type { Kysely } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // Invitations to an organization. The token is a credential: its SHA-256 finds the invite, and a copy
  // sealed with the server's secret key lets owners show the accept link again.
  await db.schema
    .createTable('organization_invites')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('authorizations_json', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_sealed', 'text', (c) => c.notNull())
    .addColumn('send_email', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('organization_invites_email', ['organization_id', 'email'])
    .execute();
  await db.schema.createIndex('organization_invites_by_email').on('organization_invites').column('email').execute();

  // Mail to send, drained by every server with an SMTP URL; bodies are sealed (they carry invite links).
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_until', 'text')
    .addColumn('sent_at', 'text')
    .addColumn('failed_at', 'text')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('outbox_due').on('outbox').columns(['sent_at', 'failed_at', 'next_attempt_at']).execute();

  // Location secrets, sealed with the server's secret key; machines present them to authenticate.
  await db.schema
    .createTable('location_secrets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('location_id', 'text', (c) => c.notNull().references('locations.id').onDelete('cascade'))
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('location_secrets_location').on('location_secrets').column('location_id').execute();

  // Part secrets were stored in clear; the server seals them at start (it holds the key, migrations don't).
  await db.schema
    .alterTable('robot_part_secrets')
    .addColumn('sealed', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('fragments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('config_json', 'text', (c) => c.notNull())
    .addColumn('visibility', 'integer', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('fragments_organization').on('fragments').columns(['organization_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('fragments_visibility').on('fragments').columns(['visibility', 'created_at', 'id']).execute();

  await db.schema
    .createTable('fragment_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('fragment_id', 'text', (c) => c.notNull().references('fragments.id').onDelete('cascade'))
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('old_json', 'text', (c) => c.notNull())
    .addColumn('editor_type', 'text', (c) => c.notNull())
    .addColumn('editor_id', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addUniqueConstraint('fragment_history_revision', ['fragment_id', 'revision'])
    .execute();
  await db.schema.createIndex('fragment_history_fragment').on('fragment_history').columns(['fragment_id', 'at', 'id']).execute();

  // Which parts' configs reference which fragments (directly), kept with every config change: usage
  // counts, refusing to delete a fragment in use, and finding the parts a fragment change affects.
  await db.schema
    .createTable('part_fragments')
    .addColumn('part_id', 'text', (c) => c.notNull().references('robot_parts.id').onDelete('cascade'))
    .addColumn('fragment_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('part_fragments_pk', ['part_id', 'fragment_id'])
    .execute();
  await db.schema.createIndex('part_fragments_fragment').on('part_fragments').column('fragment_id').execute();

  // A JSON object of the owner's own per resource (get/update_*_metadata).
  for (const table of ['organizations', 'locations', 'robots', 'robot_parts']) {
    await db.schema.alterTable(table).addColumn('metadata_json', 'text').execute();
  }
}
