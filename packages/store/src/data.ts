/**
 * Captured machine data: binary files (their bytes in the blob store) and tabular readings. Every listing
 * is keyset-paged on (time_requested_us, id) and confined to what the caller may read (`Readable`); the
 * filter conditions are written once, for both tables and both engines.
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Executor } from './rows.js';
import type { DataBinaryBboxesTable, DataBinaryTable, DataDatasetsTable, DataTabularTable } from './schema.js';

export type BboxRow = DataBinaryBboxesTable;
export type DatasetRow = DataDatasetsTable;
export type BinaryRow = DataBinaryTable & {
  readonly tags: readonly string[];
  readonly bboxes: readonly BboxRow[];
  readonly datasetIds: readonly string[];
};
export type TabularRow = DataTabularTable;

/** viam.app.data.v1.Filter, parsed: AND across fields; OR within organizations, locations, MIME types and tags. */
export interface DataFilter {
  readonly componentName?: string;
  readonly componentType?: string;
  readonly method?: string;
  readonly robotName?: string;
  readonly robotId?: string;
  readonly partName?: string;
  readonly partId?: string;
  readonly organizationIds: readonly string[];
  readonly locationIds: readonly string[];
  readonly mimeTypes: readonly string[];
  /** Inclusive start, exclusive end, in microseconds. */
  readonly startUs?: number;
  readonly endUs?: number;
  readonly tags?: { readonly kind: 'any'; readonly tags: readonly string[] } | { readonly kind: 'tagged' } | { readonly kind: 'untagged' };
  /** Files with a bounding box of any of these labels. */
  readonly bboxLabels?: readonly string[];
  /** Files in this dataset. */
  readonly datasetId?: string;
}

/**
 * What a caller may see: data of these organizations, locations or machines (any one suffices). An empty
 * Readable sees nothing.
 */
export interface Readable {
  readonly organizationIds: readonly string[];
  readonly locationIds: readonly string[];
  readonly robotIds: readonly string[];
}

export interface Cursor {
  readonly timeUs: number;
  readonly id: string;
}

export interface PageOptions {
  readonly limit: number;
  readonly after?: Cursor;
  readonly order: 'desc' | 'asc';
}

type Table = 'data_binary' | 'data_tabular';

const col = (table: Table, column: string) => sql.ref(`${table}.${column}`);
const anyOf = (values: readonly string[]) => sql.join(values.map((v) => sql.val(v)));
const FALSE = sql<SqlBool>`1 = 0`;

function readableCondition(table: Table, readable: Readable): Expression<SqlBool> {
  const parts: Expression<SqlBool>[] = [];
  if (readable.organizationIds.length > 0)
    parts.push(sql<SqlBool>`${col(table, 'organization_id')} in (${anyOf(readable.organizationIds)})`);
  if (readable.locationIds.length > 0) parts.push(sql<SqlBool>`${col(table, 'location_id')} in (${anyOf(readable.locationIds)})`);
  if (readable.robotIds.length > 0) parts.push(sql<SqlBool>`${col(table, 'robot_id')} in (${anyOf(readable.robotIds)})`);
  return parts.length === 0 ? FALSE : sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

/** LIKE's wildcards taken literally (with `escape '\'`), for matching a tag inside the JSON array text. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function tagsCondition(table: Table, tags: NonNullable<DataFilter['tags']>): Expression<SqlBool> {
  if (table === 'data_binary') {
    const exists = (extra: Expression<SqlBool> | undefined) =>
      sql<SqlBool>`exists (select 1 from data_binary_tags t where t.binary_id = ${col(table, 'id')}${extra === undefined ? sql`` : sql` and ${extra}`})`;
    if (tags.kind === 'tagged') return exists(undefined);
    if (tags.kind === 'untagged') return sql<SqlBool>`not ${exists(undefined)}`;
    if (tags.tags.length === 0) return FALSE;
    return exists(sql<SqlBool>`t.tag in (${anyOf(tags.tags)})`);
  }
  if (tags.kind === 'tagged') return sql<SqlBool>`${col(table, 'tags')} <> '[]'`;
  if (tags.kind === 'untagged') return sql<SqlBool>`${col(table, 'tags')} = '[]'`;
  if (tags.tags.length === 0) return FALSE;
  return sql<SqlBool>`(${sql.join(
    tags.tags.map((t) => sql`${col(table, 'tags')} like ${`%${likeLiteral(JSON.stringify(t))}%`} escape '\\'`),
    sql` or `,
  )})`;
}

/**
 * Whether the filter alone keeps to what the caller may read (it names only organizations the caller
 * reads whole): then the confinement adds nothing, and leaving it out lets the (organization, time, id)
 * index answer the query in order instead of a scan and sort of every readable row.
 */
function filterConfines(filter: DataFilter, readable: Readable): boolean {
  return filter.organizationIds.length > 0 && filter.organizationIds.every((id) => readable.organizationIds.includes(id));
}

function filterCondition(table: Table, filter: DataFilter, readable: Readable): Expression<SqlBool> {
  const parts: Expression<SqlBool>[] = filterConfines(filter, readable) ? [] : [readableCondition(table, readable)];
  const equal = (column: string, value: string | undefined) => {
    if (value !== undefined && value !== '') parts.push(sql<SqlBool>`${col(table, column)} = ${value}`);
  };
  equal('component_name', filter.componentName);
  equal('component_type', filter.componentType);
  equal('method_name', filter.method);
  equal('robot_name', filter.robotName);
  equal('robot_id', filter.robotId);
  equal('part_name', filter.partName);
  equal('part_id', filter.partId);
  const within = (column: string, values: readonly string[]) => {
    if (values.length > 0) parts.push(sql<SqlBool>`${col(table, column)} in (${anyOf(values)})`);
  };
  within('organization_id', filter.organizationIds);
  within('location_id', filter.locationIds);
  within('mime_type', filter.mimeTypes);
  if (filter.startUs !== undefined) parts.push(sql<SqlBool>`${col(table, 'time_requested_us')} >= ${filter.startUs}`);
  if (filter.endUs !== undefined) parts.push(sql<SqlBool>`${col(table, 'time_requested_us')} < ${filter.endUs}`);
  if (filter.tags !== undefined) parts.push(tagsCondition(table, filter.tags));
  const labels = filter.bboxLabels ?? [];
  const dataset = filter.datasetId ?? '';
  // Readings have neither boxes nor datasets: such a filter matches none of them.
  if (table === 'data_tabular' && (labels.length > 0 || dataset !== '')) parts.push(FALSE);
  if (table === 'data_binary' && labels.length > 0)
    parts.push(
      sql<SqlBool>`exists (select 1 from data_binary_bboxes b where b.binary_id = ${col(table, 'id')} and b.label in (${anyOf(labels)}))`,
    );
  if (table === 'data_binary' && dataset !== '')
    parts.push(
      sql<SqlBool>`exists (select 1 from data_dataset_files f where f.binary_id = ${col(table, 'id')} and f.dataset_id = ${dataset})`,
    );
  return sql<SqlBool>`${sql.join(parts, sql` and `)}`;
}

/** Rows past the keyset cursor (`column`, id) in `order`. */
function afterCondition(
  table: Table,
  order: 'desc' | 'asc',
  after: { readonly value: number; readonly id: string },
  column = 'time_requested_us',
): Expression<SqlBool> {
  const t = col(table, column);
  const id = col(table, 'id');
  // A row-value comparison: both engines seek the (…, time, id) index to it, where an OR would scan.
  return order === 'desc'
    ? sql<SqlBool>`(${t}, ${id}) < (${after.value}, ${after.id})`
    : sql<SqlBool>`(${t}, ${id}) > (${after.value}, ${after.id})`;
}

const afterCursor = (table: Table, order: 'desc' | 'asc', cursor: Cursor) =>
  afterCondition(table, order, { value: cursor.timeUs, id: cursor.id });

// ---- binary ----

export async function insertBinary(
  db: Executor,
  row: DataBinaryTable,
  extras: { readonly tags: readonly string[]; readonly bboxes: readonly BboxRow[]; readonly datasetIds: readonly string[] },
): Promise<void> {
  await db.insertInto('data_binary').values(row).execute();
  const unique = [...new Set(extras.tags)];
  if (unique.length > 0)
    await db
      .insertInto('data_binary_tags')
      .values(unique.map((tag) => ({ binary_id: row.id, tag })))
      .execute();
  if (extras.bboxes.length > 0)
    await db
      .insertInto('data_binary_bboxes')
      .values([...extras.bboxes])
      .execute();
  await addToDataset(db, extras.datasetIds, [row.id]);
}

function grouped<T extends { binary_id: string }>(rows: readonly T[]): Map<string, T[]> {
  const byId = new Map<string, T[]>();
  for (const r of rows) {
    const list = byId.get(r.binary_id);
    if (list === undefined) byId.set(r.binary_id, [r]);
    else list.push(r);
  }
  return byId;
}

/** The rows with their tags, bounding boxes and datasets. */
async function withDetails(db: Executor, rows: readonly DataBinaryTable[]): Promise<BinaryRow[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const tags = grouped(
    await db.selectFrom('data_binary_tags').select(['binary_id', 'tag']).where('binary_id', 'in', ids).orderBy('tag').execute(),
  );
  const boxes = grouped(
    await db.selectFrom('data_binary_bboxes').selectAll().where('binary_id', 'in', ids).orderBy('time_created_us').orderBy('id').execute(),
  );
  const sets = grouped(
    await db
      .selectFrom('data_dataset_files')
      .select(['binary_id', 'dataset_id'])
      .where('binary_id', 'in', ids)
      .orderBy('dataset_id')
      .execute(),
  );
  return rows.map((r) => ({
    ...r,
    tags: (tags.get(r.id) ?? []).map((t) => t.tag),
    bboxes: boxes.get(r.id) ?? [],
    datasetIds: (sets.get(r.id) ?? []).map((s) => s.dataset_id),
  }));
}

export async function listBinary(db: Executor, filter: DataFilter, readable: Readable, page: PageOptions): Promise<BinaryRow[]> {
  let query = db
    .selectFrom('data_binary')
    .selectAll()
    .where(filterCondition('data_binary', filter, readable));
  if (page.after !== undefined) query = query.where(afterCursor('data_binary', page.order, page.after));
  const rows = await query.orderBy('time_requested_us', page.order).orderBy('id', page.order).limit(page.limit).execute();
  return withDetails(db, rows);
}

export async function countBinary(
  db: Executor,
  filter: DataFilter,
  readable: Readable,
): Promise<{ count: number; totalSizeBytes: number }> {
  return countOf(db, 'data_binary', sql`size_bytes`, filter, readable);
}

/** How many rows match, and their bytes (`size`: a column or expression of the table). */
async function countOf(
  db: Executor,
  table: Table,
  size: RawBuilder<unknown>,
  filter: DataFilter,
  readable: Readable,
): Promise<{ count: number; totalSizeBytes: number }> {
  // PostgreSQL sums bigints as numeric, which arrives as a string.
  const result = await sql<{ count: number | string; total: number | string | null }>`
    select count(*) as count, coalesce(sum(${size}), 0) as total from ${sql.table(table)}
    where ${filterCondition(table, filter, readable)}`.execute(db);
  const row = result.rows[0];
  return { count: Number(row?.count ?? 0), totalSizeBytes: Number(row?.total ?? 0) };
}

/** The rows of these ids the caller may read, in no particular order. */
export async function findBinaryByIds(db: Executor, ids: readonly string[], readable: Readable): Promise<BinaryRow[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('data_binary')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .where(readableCondition('data_binary', readable))
    .execute();
  return withDetails(db, rows);
}

/** One file by id, whoever asks: for a signed link, whose signature stands in for the caller's grants. */
export async function findBinaryById(db: Executor, id: string): Promise<BinaryRow | undefined> {
  const rows = await db.selectFrom('data_binary').selectAll().where('id', '=', id).execute();
  return (await withDetails(db, rows))[0];
}

/** Deletes these rows (tags go with them) and returns the blobs they pointed at, for the caller to collect. */
export async function deleteBinaryRows(db: Executor, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('data_binary').select('sha256').where('id', 'in', ids).execute();
  await db.deleteFrom('data_binary_tags').where('binary_id', 'in', ids).execute();
  await db.deleteFrom('data_binary').where('id', 'in', ids).execute();
  return [...new Set(rows.map((r) => r.sha256))];
}

/** Up to `limit` ids matching the filter: what one delete batch takes. */
export async function binaryIdsMatching(db: Executor, filter: DataFilter, readable: Readable, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('data_binary')
    .select('id')
    .where(filterCondition('data_binary', filter, readable))
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

// ---- tabular ----

export async function insertTabular(db: Executor, rows: readonly DataTabularTable[]): Promise<void> {
  // Bounded statements: SQLite allows 32,766 bound values, and each row binds 18.
  for (let at = 0; at < rows.length; at += 500) {
    await db
      .insertInto('data_tabular')
      .values(rows.slice(at, at + 500))
      .execute();
  }
}

function tabularPageQuery(db: Executor, filter: DataFilter, readable: Readable, page: PageOptions) {
  let query = db.selectFrom('data_tabular').where(filterCondition('data_tabular', filter, readable));
  if (page.after !== undefined) query = query.where(afterCursor('data_tabular', page.order, page.after));
  return query.orderBy('time_requested_us', page.order).orderBy('id', page.order).limit(page.limit);
}

export async function listTabular(db: Executor, filter: DataFilter, readable: Readable, page: PageOptions): Promise<TabularRow[]> {
  return tabularPageQuery(db, filter, readable, page).selectAll().execute();
}

/** A reading without its capture metadata, which every reading of its upload shares (tabularRowsByIds reads it once per upload). */
export type ReadingRow = Pick<TabularRow, 'id' | 'upload_id' | 'time_requested_us' | 'time_received_us' | 'data'>;

/**
 * listTabular's page with five of the row's eighteen columns: a bulk read that looks the metadata up once
 * per upload (tabularRowsByIds) spends less on reading each row.
 */
export async function listReadings(db: Executor, filter: DataFilter, readable: Readable, page: PageOptions): Promise<ReadingRow[]> {
  return tabularPageQuery(db, filter, readable, page)
    .select(['id', 'upload_id', 'time_requested_us', 'time_received_us', 'data'])
    .execute();
}

/** Whole rows by id (one per upload a bulk read met), for their capture metadata. Readings are never updated. */
export async function tabularRowsByIds(db: Executor, ids: readonly string[]): Promise<TabularRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('data_tabular')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .execute();
}

export async function countTabular(
  db: Executor,
  filter: DataFilter,
  readable: Readable,
): Promise<{ count: number; totalSizeBytes: number }> {
  return countOf(db, 'data_tabular', sql`length(data)`, filter, readable);
}

/** Deletes up to `limit` of an organization's readings captured before `beforeUs`; returns how many went. */
export async function deleteTabularBefore(
  db: Executor,
  organizationId: string,
  beforeUs: number | undefined,
  limit: number,
): Promise<number> {
  let pick = db.selectFrom('data_tabular').select('id').where('organization_id', '=', organizationId);
  if (beforeUs !== undefined) pick = pick.where('time_requested_us', '<', beforeUs);
  const ids = (await pick.limit(limit).execute()).map((r) => r.id);
  if (ids.length === 0) return 0;
  const result = await db.deleteFrom('data_tabular').where('id', 'in', ids).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The newest reading of one resource's method, captured at or after `sinceUs`. */
export async function latestTabular(
  db: Executor,
  key: { partId: string; componentName: string; componentType: string; methodName: string },
  readable: Readable,
  sinceUs: number,
): Promise<TabularRow | undefined> {
  let query = db
    .selectFrom('data_tabular')
    .selectAll()
    .where('part_id', '=', key.partId)
    .where('component_name', '=', key.componentName)
    .where('method_name', '=', key.methodName)
    .where('time_requested_us', '>=', sinceUs)
    .where(readableCondition('data_tabular', readable));
  if (key.componentType !== '') query = query.where('component_type', '=', key.componentType);
  return query.orderBy('time_requested_us', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}

// ---- where data comes from, and who sees it ----

export interface CaptureOrigin {
  readonly partId: string;
  readonly partName: string;
  readonly robotId: string;
  readonly robotName: string;
  readonly locationId: string;
  /** The organization that owns the machine's location: its data is filed there. */
  readonly organizationId: string;
}

export async function captureOrigin(db: Executor, partId: string): Promise<CaptureOrigin | undefined> {
  const row = await db
    .selectFrom('robot_parts as p')
    .innerJoin('robots as r', 'r.id', 'p.robot_id')
    .innerJoin('locations as l', 'l.id', 'r.location_id')
    .select(['p.id', 'p.name as part_name', 'r.id as robot_id', 'r.name as robot_name', 'l.id as location_id', 'l.primary_org_id'])
    .where('p.id', '=', partId)
    .executeTakeFirst();
  return (
    row && {
      partId: row.id,
      partName: row.part_name,
      robotId: row.robot_id,
      robotName: row.robot_name,
      locationId: row.location_id,
      organizationId: row.primary_org_id,
    }
  );
}

/**
 * What grants on these organizations, locations and machines let one see: the organizations' own data,
 * the locations shared with them, and every location below a granted or shared one.
 */
export async function readableFrom(
  db: Executor,
  grants: { readonly organizationIds: readonly string[]; readonly locationIds: readonly string[]; readonly robotIds: readonly string[] },
): Promise<Readable> {
  const shared =
    grants.organizationIds.length === 0
      ? []
      : (
          await db
            .selectFrom('location_organizations')
            .select('location_id')
            .where('organization_id', 'in', [...grants.organizationIds])
            .where('is_primary', '=', 0)
            .execute()
        ).map((r) => r.location_id);
  const roots = [...new Set([...grants.locationIds, ...shared])];
  let locationIds: string[] = [];
  if (roots.length > 0) {
    const result = await sql<{ id: string }>`
      with recursive below(id) as (
        select id from locations where id in (${anyOf(roots)})
        union
        select l.id from locations l join below b on l.parent_location_id = b.id
      )
      select id from below`.execute(db);
    locationIds = result.rows.map((r) => r.id);
  }
  return { organizationIds: [...new Set(grants.organizationIds)], locationIds, robotIds: [...new Set(grants.robotIds)] };
}

// ---- tags ----

/** Adds the tags to each of the files (a tag a file has already stays once). */
export async function addTags(db: Executor, ids: readonly string[], tags: readonly string[]): Promise<void> {
  const unique = [...new Set(tags)];
  if (ids.length === 0 || unique.length === 0) return;
  const rows = ids.flatMap((binary_id) => unique.map((tag) => ({ binary_id, tag })));
  for (let at = 0; at < rows.length; at += 5000) {
    await db
      .insertInto('data_binary_tags')
      .values(rows.slice(at, at + 5000))
      .onConflict((oc) => oc.columns(['binary_id', 'tag']).doNothing())
      .execute();
  }
}

/** Removes the tags from the files; returns how many tags went. */
export async function removeTags(db: Executor, ids: readonly string[], tags: readonly string[]): Promise<number> {
  if (ids.length === 0 || tags.length === 0) return 0;
  const result = await db
    .deleteFrom('data_binary_tags')
    .where('binary_id', 'in', [...ids])
    .where('tag', 'in', [...tags])
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The ids of the files matching the filter, as a subquery. */
const matchingFileIds = (db: Executor, filter: DataFilter, readable: Readable) =>
  db
    .selectFrom('data_binary')
    .select('id')
    .where(filterCondition('data_binary', filter, readable));

/** The distinct tags of the files matching the filter, sorted. */
export async function tagsMatching(db: Executor, filter: DataFilter, readable: Readable): Promise<string[]> {
  const rows = await db
    .selectFrom('data_binary_tags')
    .select('tag')
    .distinct()
    .where('binary_id', 'in', matchingFileIds(db, filter, readable))
    .orderBy('tag')
    .execute();
  return rows.map((r) => r.tag);
}

// ---- retention ----

/** Deletes up to `limit` readings (of any organization) captured before `beforeUs`; returns how many went. */
export async function deleteTabularOlderThan(db: Executor, beforeUs: number, limit: number): Promise<number> {
  const ids = (await db.selectFrom('data_tabular').select('id').where('time_requested_us', '<', beforeUs).limit(limit).execute()).map(
    (r) => r.id,
  );
  if (ids.length === 0) return 0;
  const result = await db.deleteFrom('data_tabular').where('id', 'in', ids).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Up to `limit` files (of any organization) captured before `beforeUs`. */
export async function binaryIdsOlderThan(db: Executor, beforeUs: number, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('data_binary').select('id').where('time_requested_us', '<', beforeUs).limit(limit).execute();
  return rows.map((r) => r.id);
}

// ---- readings for a document query (TabularDataByMQL) ----

/** The columns a query's leading $match stages may be answered by (times in microseconds). */
export type ReadingColumn =
  | 'organization_id'
  | 'location_id'
  | 'robot_id'
  | 'part_id'
  | 'component_type'
  | 'component_name'
  | 'method_name'
  | 'time_requested_us'
  | 'time_received_us';

export type ReadingPredicate =
  | { readonly column: ReadingColumn; readonly op: '=' | '<>' | '<' | '<=' | '>' | '>='; readonly value: string | number }
  | { readonly column: ReadingColumn; readonly op: 'in' | 'not in'; readonly values: readonly (string | number)[] }
  | { readonly op: 'and' | 'or'; readonly of: readonly ReadingPredicate[] };

const TRUE = sql<SqlBool>`1 = 1`;

function predicateCondition(p: ReadingPredicate): Expression<SqlBool> {
  if ('of' in p) {
    if (p.of.length === 0) return p.op === 'and' ? TRUE : FALSE;
    return sql<SqlBool>`(${sql.join(p.of.map(predicateCondition), p.op === 'and' ? sql` and ` : sql` or `)})`;
  }
  const column = col('data_tabular', p.column);
  if ('values' in p) {
    if (p.values.length === 0) return p.op === 'in' ? FALSE : TRUE;
    const values = sql.join(p.values.map((v) => sql.val(v)));
    return p.op === 'in' ? sql<SqlBool>`${column} in (${values})` : sql<SqlBool>`${column} not in (${values})`;
  }
  return sql<SqlBool>`${column} ${sql.raw(p.op)} ${p.value}`;
}

export interface ReadingScan {
  readonly where: readonly ReadingPredicate[];
  readonly order: { readonly column: 'time_requested_us' | 'time_received_us'; readonly direction: 'asc' | 'desc' };
  readonly limit: number;
  readonly offset?: number;
  /** Keyset paging on (order column, id). */
  readonly after?: { readonly value: number; readonly id: string };
}

/** One organization's readings matching every predicate, in the scan's order. */
export async function scanReadings(db: Executor, organizationId: string, scan: ReadingScan): Promise<TabularRow[]> {
  let query = db
    .selectFrom('data_tabular')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where(predicateCondition({ op: 'and', of: scan.where }));
  const { column, direction } = scan.order;
  if (scan.after !== undefined) query = query.where(afterCondition('data_tabular', direction, scan.after, column));
  query = query.orderBy(column, direction).orderBy('id', direction).limit(scan.limit);
  if (scan.offset !== undefined && scan.offset > 0) query = query.offset(scan.offset);
  return query.execute();
}

// ---- bounding boxes ----

export async function insertBbox(db: Executor, box: BboxRow): Promise<void> {
  await db.insertInto('data_binary_bboxes').values(box).execute();
}

/** Removes one box of one file; returns whether it was there. */
export async function deleteBbox(db: Executor, binaryId: string, bboxId: string): Promise<boolean> {
  const result = await db.deleteFrom('data_binary_bboxes').where('binary_id', '=', binaryId).where('id', '=', bboxId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function findBbox(db: Executor, binaryId: string, bboxId: string): Promise<BboxRow | undefined> {
  return db.selectFrom('data_binary_bboxes').selectAll().where('binary_id', '=', binaryId).where('id', '=', bboxId).executeTakeFirst();
}

export async function updateBbox(db: Executor, box: BboxRow): Promise<void> {
  await db
    .updateTable('data_binary_bboxes')
    .set({ label: box.label, x_min: box.x_min, y_min: box.y_min, x_max: box.x_max, y_max: box.y_max, confidence: box.confidence })
    .where('binary_id', '=', box.binary_id)
    .where('id', '=', box.id)
    .execute();
}

/** The distinct labels of the boxes of files matching the filter, sorted. */
export async function bboxLabelsMatching(db: Executor, filter: DataFilter, readable: Readable): Promise<string[]> {
  const rows = await db
    .selectFrom('data_binary_bboxes')
    .select('label')
    .distinct()
    .where('binary_id', 'in', matchingFileIds(db, filter, readable))
    .orderBy('label')
    .execute();
  return rows.map((r) => r.label);
}

// ---- datasets ----

export async function insertDataset(db: Executor, row: DatasetRow): Promise<void> {
  await db.insertInto('data_datasets').values(row).execute();
}

export async function findDataset(db: Executor, id: string): Promise<DatasetRow | undefined> {
  return db.selectFrom('data_datasets').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findDatasetByName(db: Executor, organizationId: string, name: string): Promise<DatasetRow | undefined> {
  return db
    .selectFrom('data_datasets')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('name', '=', name)
    .executeTakeFirst();
}

export async function listDatasets(
  db: Executor,
  by: { organizationIds: readonly string[]; ids?: readonly string[] },
): Promise<DatasetRow[]> {
  if (by.organizationIds.length === 0 || by.ids?.length === 0) return [];
  let query = db
    .selectFrom('data_datasets')
    .selectAll()
    .where('organization_id', 'in', [...by.organizationIds]);
  if (by.ids !== undefined) query = query.where('id', 'in', [...by.ids]);
  return query.orderBy('time_created_us').orderBy('id').execute();
}

export async function renameDataset(db: Executor, id: string, name: string): Promise<void> {
  await db.updateTable('data_datasets').set({ name }).where('id', '=', id).execute();
}

export async function deleteDataset(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('data_dataset_files').where('dataset_id', '=', id).execute();
  await db.deleteFrom('data_datasets').where('id', '=', id).execute();
}

/** Puts each file in each dataset (a file already there stays once). */
export async function addToDataset(db: Executor, datasetIds: readonly string[], binaryIds: readonly string[]): Promise<void> {
  const rows = [...new Set(datasetIds)].flatMap((dataset_id) => [...new Set(binaryIds)].map((binary_id) => ({ dataset_id, binary_id })));
  for (let at = 0; at < rows.length; at += 5000) {
    await db
      .insertInto('data_dataset_files')
      .values(rows.slice(at, at + 5000))
      .onConflict((oc) => oc.columns(['dataset_id', 'binary_id']).doNothing())
      .execute();
  }
}

export async function removeFromDataset(db: Executor, datasetId: string, binaryIds: readonly string[]): Promise<number> {
  if (binaryIds.length === 0) return 0;
  const result = await db
    .deleteFrom('data_dataset_files')
    .where('dataset_id', '=', datasetId)
    .where('binary_id', 'in', [...binaryIds])
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The files of these datasets, each once. */
export async function datasetFiles(db: Executor, datasetIds: readonly string[]): Promise<string[]> {
  if (datasetIds.length === 0) return [];
  const rows = await db
    .selectFrom('data_dataset_files')
    .select('binary_id')
    .distinct()
    .where('dataset_id', 'in', [...datasetIds])
    .execute();
  return rows.map((r) => r.binary_id);
}
