import type { Kysely } from 'kysely';

// Frozen in time: never edit a migration that has shipped; add a new one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // Named sets of files for machine learning, one organization's each, names unique within it.
  await db.schema
    .createTable('data_datasets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('time_created_us', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('data_datasets_org_name').on('data_datasets').columns(['organization_id', 'name']).unique().execute();

  await db.schema
    .createTable('data_dataset_files')
    .addColumn('dataset_id', 'text', (c) => c.notNull().references('data_datasets.id').onDelete('cascade'))
    .addColumn('binary_id', 'text', (c) => c.notNull().references('data_binary.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('data_dataset_files_pk', ['dataset_id', 'binary_id'])
    .execute();
  await db.schema.createIndex('data_dataset_files_binary').on('data_dataset_files').column('binary_id').execute();

  // Bounding boxes, one row each (they are added, changed and removed one at a time, and filtered by label).
  // Coordinates are normalized to the image, 0–1.
  await db.schema
    .createTable('data_binary_bboxes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('binary_id', 'text', (c) => c.notNull().references('data_binary.id').onDelete('cascade'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('x_min', 'real', (c) => c.notNull())
    .addColumn('y_min', 'real', (c) => c.notNull())
    .addColumn('x_max', 'real', (c) => c.notNull())
    .addColumn('y_max', 'real', (c) => c.notNull())
    .addColumn('confidence', 'real')
    .addColumn('time_created_us', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('data_binary_bboxes_label').on('data_binary_bboxes').columns(['label', 'binary_id']).execute();
  await db.schema.createIndex('data_binary_bboxes_binary').on('data_binary_bboxes').column('binary_id').execute();

  // Boxes uploaded with a capture so far sit in the annotations JSON: move them to their table.
  const rows = (await db
    .selectFrom('data_binary')
    .select(['id', 'annotations', 'time_synced_us'])
    .where('annotations', 'like', '%bboxes%')
    .execute()) as { id: string; annotations: string; time_synced_us: number }[];
  for (const row of rows) {
    const annotations = JSON.parse(row.annotations) as { bboxes?: Record<string, unknown>[]; classifications?: unknown[] };
    const boxes = annotations.bboxes ?? [];
    const num = (v: unknown) => (typeof v === 'number' ? v : 0);
    for (const [i, box] of boxes.entries()) {
      await db
        .insertInto('data_binary_bboxes')
        .values({
          id: typeof box.id === 'string' && box.id !== '' ? box.id : `${row.id}-${i}`,
          binary_id: row.id,
          label: typeof box.label === 'string' ? box.label : '',
          x_min: num(box.xMinNormalized),
          y_min: num(box.yMinNormalized),
          x_max: num(box.xMaxNormalized),
          y_max: num(box.yMaxNormalized),
          confidence: typeof box.confidence === 'number' ? box.confidence : null,
          time_created_us: row.time_synced_us,
        })
        .execute();
    }
    const rest = annotations.classifications === undefined ? {} : { classifications: annotations.classifications };
    await db
      .updateTable('data_binary')
      .set({ annotations: JSON.stringify(rest) })
      .where('id', '=', row.id)
      .execute();
  }
}
