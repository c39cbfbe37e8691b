import { sql } from 'kysely';
import type { Executor } from './rows.js';

export interface RegistryModel {
  readonly api: string;
  readonly model: string;
}

export interface RegistryItemRow {
  readonly id: string;
  readonly organizationId: string;
  /** The organization's public namespace, if it has one: the item's id starts with it. */
  readonly publicNamespace: string | null;
  readonly name: string;
  readonly type: number;
  readonly visibility: number;
  readonly description: string;
  readonly url: string;
  readonly entrypoint: string;
  readonly firstRun: string | null;
  readonly markdownDescription: string | null;
  readonly models: readonly RegistryModel[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface RegistryFileRow {
  readonly id: string;
  readonly itemId: string;
  readonly version: string;
  readonly platform: string;
  readonly sha256: string;
  readonly crc32c: string;
  readonly sizeBytes: number;
  readonly entrypoint: string;
  readonly models: readonly RegistryModel[];
  readonly fileName: string;
  readonly uploaderType: string;
  readonly uploaderId: string;
  readonly createdAt: string;
}

export interface RegistryUploadRow {
  readonly id: string;
  readonly itemId: string;
  readonly version: string;
  readonly platform: string;
  readonly sizeBytes: number;
  readonly receivedBytes: number;
  readonly uploaderType: string;
  readonly uploaderId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

function selectItems(db: Executor) {
  return db
    .selectFrom('registry_items as i')
    .innerJoin('organizations as o', 'o.id', 'i.organization_id')
    .select([
      'i.id',
      'i.organization_id',
      'o.public_namespace',
      'i.name',
      'i.type',
      'i.visibility',
      'i.description',
      'i.url',
      'i.entrypoint',
      'i.first_run',
      'i.markdown_description',
      'i.models_json',
      'i.created_at',
      'i.updated_at',
    ]);
}

type ItemSelect = Awaited<ReturnType<ReturnType<typeof selectItems>['executeTakeFirstOrThrow']>>;

const toItem = (r: ItemSelect): RegistryItemRow => ({
  id: r.id,
  organizationId: r.organization_id,
  publicNamespace: r.public_namespace,
  name: r.name,
  type: r.type,
  visibility: r.visibility,
  description: r.description,
  url: r.url,
  entrypoint: r.entrypoint,
  firstRun: r.first_run,
  markdownDescription: r.markdown_description,
  models: JSON.parse(r.models_json) as RegistryModel[],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function insertItem(db: Executor, item: Omit<RegistryItemRow, 'publicNamespace'>): Promise<void> {
  await db
    .insertInto('registry_items')
    .values({
      id: item.id,
      organization_id: item.organizationId,
      name: item.name,
      type: item.type,
      visibility: item.visibility,
      description: item.description,
      url: item.url,
      entrypoint: item.entrypoint,
      first_run: item.firstRun,
      markdown_description: item.markdownDescription,
      models_json: JSON.stringify(item.models),
      created_at: item.createdAt,
      updated_at: item.updatedAt,
    })
    .execute();
}

export async function itemNameTaken(db: Executor, organizationId: string, name: string): Promise<boolean> {
  const row = await db
    .selectFrom('registry_items')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row !== undefined;
}

/** An item by `<prefix>:<name>`, the prefix being its organization's public namespace or its id. */
export async function findItemByRef(db: Executor, prefix: string, name: string): Promise<RegistryItemRow | undefined> {
  const row = await selectItems(db)
    .where('i.name', '=', name)
    .where((eb) => eb.or([eb('o.public_namespace', '=', prefix), eb('o.id', '=', prefix)]))
    .executeTakeFirst();
  return row && toItem(row);
}

export async function findItem(db: Executor, id: string): Promise<RegistryItemRow | undefined> {
  const row = await selectItems(db).where('i.id', '=', id).executeTakeFirst();
  return row && toItem(row);
}

export interface ItemFilter {
  /** Items of this organization (any visibility)… */
  readonly organizationId?: string | undefined;
  /** …or, without one, the public items of every organization, plus all items of these. */
  readonly memberOf?: readonly string[];
  readonly types: readonly number[];
  readonly visibilities: readonly number[];
  readonly publicNamespaces: readonly string[];
  readonly searchTerm?: string | undefined;
  /** Keyset: items after this (created_at, id). */
  readonly after?: { readonly createdAt: string; readonly id: string } | undefined;
  readonly limit: number;
}

/** Public and unlisted items are visible to every signed-in caller; private ones only to their organization. */
const PUBLIC_VISIBILITIES = [2, 3];

export async function listItems(db: Executor, filter: ItemFilter): Promise<RegistryItemRow[]> {
  let q = selectItems(db);
  if (filter.organizationId !== undefined) q = q.where('i.organization_id', '=', filter.organizationId);
  else {
    const members = filter.memberOf ?? [];
    // Unlisted items are reachable by id, but only their own organization lists them.
    q = q.where((eb) =>
      members.length === 0 ? eb('i.visibility', '=', 2) : eb.or([eb('i.visibility', '=', 2), eb('i.organization_id', 'in', members)]),
    );
  }
  if (filter.types.length > 0) q = q.where('i.type', 'in', filter.types);
  if (filter.visibilities.length > 0) q = q.where('i.visibility', 'in', filter.visibilities);
  if (filter.publicNamespaces.length > 0) q = q.where('o.public_namespace', 'in', filter.publicNamespaces);
  if (filter.searchTerm !== undefined && filter.searchTerm !== '') {
    const like = `%${filter.searchTerm.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) =>
      eb.or([
        eb(sql`lower(i.name)`, 'like', sql`${like} escape '\\'`),
        eb(sql`lower(i.description)`, 'like', sql`${like} escape '\\'`),
        eb(sql`lower(coalesce(o.public_namespace, ''))`, 'like', sql`${like} escape '\\'`),
      ]),
    );
  }
  if (filter.after !== undefined) {
    const { createdAt, id } = filter.after;
    q = q.where((eb) => eb.or([eb('i.created_at', '>', createdAt), eb.and([eb('i.created_at', '=', createdAt), eb('i.id', '>', id)])]));
  }
  const rows = await q.orderBy('i.created_at').orderBy('i.id').limit(filter.limit).execute();
  return rows.map(toItem);
}

export { PUBLIC_VISIBILITIES };

export interface ItemChanges {
  readonly type?: number;
  readonly visibility?: number;
  readonly description?: string;
  readonly url?: string;
  readonly entrypoint?: string;
  readonly firstRun?: string | null;
  readonly markdownDescription?: string | null;
  readonly models?: readonly RegistryModel[];
  readonly updatedAt: string;
}

export async function updateItem(db: Executor, id: string, c: ItemChanges): Promise<void> {
  await db
    .updateTable('registry_items')
    .set({
      ...(c.type !== undefined && { type: c.type }),
      ...(c.visibility !== undefined && { visibility: c.visibility }),
      ...(c.description !== undefined && { description: c.description }),
      ...(c.url !== undefined && { url: c.url }),
      ...(c.entrypoint !== undefined && { entrypoint: c.entrypoint }),
      ...(c.firstRun !== undefined && { first_run: c.firstRun }),
      ...(c.markdownDescription !== undefined && { markdown_description: c.markdownDescription }),
      ...(c.models !== undefined && { models_json: JSON.stringify(c.models) }),
      updated_at: c.updatedAt,
    })
    .where('id', '=', id)
    .execute();
}

/** Deletes the item with its files and uploads; returns the blobs its files pointed at. */
export async function deleteItem(db: Executor, id: string): Promise<string[]> {
  const files = await db.selectFrom('registry_files').select('sha256').where('item_id', '=', id).execute();
  await db.deleteFrom('registry_items').where('id', '=', id).execute();
  return [...new Set(files.map((f) => f.sha256))];
}

const toFile = (r: {
  id: string;
  item_id: string;
  version: string;
  platform: string;
  sha256: string;
  crc32c: string;
  size_bytes: number;
  entrypoint: string;
  models_json: string;
  file_name: string;
  uploader_type: string;
  uploader_id: string;
  created_at: string;
}): RegistryFileRow => ({
  id: r.id,
  itemId: r.item_id,
  version: r.version,
  platform: r.platform,
  sha256: r.sha256,
  crc32c: r.crc32c,
  sizeBytes: r.size_bytes,
  entrypoint: r.entrypoint,
  models: JSON.parse(r.models_json) as RegistryModel[],
  fileName: r.file_name,
  uploaderType: r.uploader_type,
  uploaderId: r.uploader_id,
  createdAt: r.created_at,
});

/** Inserts a completed file; false when that version and platform already exist (nothing written). */
export async function insertFile(db: Executor, file: RegistryFileRow): Promise<boolean> {
  const result = await db
    .insertInto('registry_files')
    .values({
      id: file.id,
      item_id: file.itemId,
      version: file.version,
      platform: file.platform,
      sha256: file.sha256,
      crc32c: file.crc32c,
      size_bytes: file.sizeBytes,
      entrypoint: file.entrypoint,
      models_json: JSON.stringify(file.models),
      file_name: file.fileName,
      uploader_type: file.uploaderType,
      uploader_id: file.uploaderId,
      created_at: file.createdAt,
    })
    .onConflict((oc) => oc.columns(['item_id', 'version', 'platform']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function findFile(db: Executor, itemId: string, version: string, platform: string): Promise<RegistryFileRow | undefined> {
  const row = await db
    .selectFrom('registry_files')
    .selectAll()
    .where('item_id', '=', itemId)
    .where('version', '=', version)
    .where('platform', '=', platform)
    .executeTakeFirst();
  return row && toFile(row);
}

export async function findFileById(db: Executor, id: string): Promise<RegistryFileRow | undefined> {
  const row = await db.selectFrom('registry_files').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toFile(row);
}

/** The files of the items, oldest first. */
export async function listFiles(db: Executor, itemIds: readonly string[]): Promise<RegistryFileRow[]> {
  if (itemIds.length === 0) return [];
  const rows = await db
    .selectFrom('registry_files')
    .selectAll()
    .where('item_id', 'in', itemIds)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toFile);
}

export async function deleteFile(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('registry_files').where('id', '=', id).execute();
}

/**
 * Of these blobs, the ones nothing points at any more (safe to delete from the blob store): no registry
 * file, and no captured binary (the two share the content-addressed store).
 */
/** Every blob an organization's files point at (registry versions and captured data), each once. */
export async function blobsOfOrganization(db: Executor, organizationId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('registry_files as f')
    .innerJoin('registry_items as i', 'i.id', 'f.item_id')
    .select('f.sha256')
    .where('i.organization_id', '=', organizationId)
    .union(db.selectFrom('data_binary').select('sha256').where('organization_id', '=', organizationId))
    .execute();
  return rows.map((r) => r.sha256);
}

export async function unreferencedBlobs(db: Executor, sha256s: readonly string[]): Promise<string[]> {
  if (sha256s.length === 0) return [];
  const used = await db
    .selectFrom('registry_files')
    .select('sha256')
    .where('sha256', 'in', sha256s)
    .union(db.selectFrom('data_binary').select('sha256').where('sha256', 'in', sha256s))
    .execute();
  const inUse = new Set(used.map((r) => r.sha256));
  return sha256s.filter((s) => !inUse.has(s));
}

const toUpload = (r: {
  id: string;
  item_id: string;
  version: string;
  platform: string;
  size_bytes: number;
  received_bytes: number;
  uploader_type: string;
  uploader_id: string;
  created_at: string;
  expires_at: string;
}): RegistryUploadRow => ({
  id: r.id,
  itemId: r.item_id,
  version: r.version,
  platform: r.platform,
  sizeBytes: r.size_bytes,
  receivedBytes: r.received_bytes,
  uploaderType: r.uploader_type,
  uploaderId: r.uploader_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export async function insertUpload(db: Executor, u: RegistryUploadRow): Promise<void> {
  await db
    .insertInto('registry_uploads')
    .values({
      id: u.id,
      item_id: u.itemId,
      version: u.version,
      platform: u.platform,
      size_bytes: u.sizeBytes,
      received_bytes: u.receivedBytes,
      uploader_type: u.uploaderType,
      uploader_id: u.uploaderId,
      created_at: u.createdAt,
      expires_at: u.expiresAt,
    })
    .execute();
}

export async function findUpload(db: Executor, id: string): Promise<RegistryUploadRow | undefined> {
  const row = await db.selectFrom('registry_uploads').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toUpload(row);
}

/** Moves the received count from `from` to `to`; false if another request moved it first. */
export async function advanceUpload(db: Executor, id: string, from: number, to: number, expiresAt: string): Promise<boolean> {
  const result = await db
    .updateTable('registry_uploads')
    .set({ received_bytes: to, expires_at: expiresAt })
    .where('id', '=', id)
    .where('received_bytes', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteUpload(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('registry_uploads').where('id', '=', id).execute();
}

export async function expiredUploads(db: Executor, now: string, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('registry_uploads').select('id').where('expires_at', '<', now).limit(limit).execute();
  return rows.map((r) => r.id);
}
