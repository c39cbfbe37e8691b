import {
  dnsLabel,
  type Editor,
  type JsonObject,
  type PageCursor,
  type PartHistoryEntry,
  type PartSecret,
  type RobotPart,
} from '@hangar/domain';
import type { Selectable } from 'kysely';
import { flag, isSet, type Executor } from './rows.js';
import type { RobotPartsTable } from './schema.js';

const PART_COLUMNS = [
  'id',
  'robot_id',
  'location_id',
  'name',
  'dns_name',
  'is_main',
  'config_json',
  'user_supplied_info_json',
  'needs_restart',
  'last_access',
  'created_at',
  'updated_at',
] as const;

type PartRow = Pick<Selectable<RobotPartsTable>, (typeof PART_COLUMNS)[number]>;

function toPart(row: PartRow, secrets: readonly PartSecret[]): RobotPart {
  return {
    id: row.id,
    name: row.name,
    dnsName: row.dns_name,
    robotId: row.robot_id,
    locationId: row.location_id,
    isMain: isSet(row.is_main),
    config: JSON.parse(row.config_json) as JsonObject,
    userSuppliedInfo: row.user_supplied_info_json === null ? null : (JSON.parse(row.user_supplied_info_json) as JsonObject),
    needsRestart: isSet(row.needs_restart),
    lastAccess: row.last_access,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    secrets,
  };
}

/** Parts joined with their secrets: one query, one row per secret (every part has at least one). */
function selectParts(db: Executor) {
  return db
    .selectFrom('robot_parts as p')
    .leftJoin('robot_part_secrets as s', 's.part_id', 'p.id')
    .select(PART_COLUMNS.map((c) => `p.${c}` as const))
    .select(['s.id as secret_id', 's.secret', 's.created_at as secret_created_at']);
}

type JoinedRow = PartRow & { secret_id: string | null; secret: string | null; secret_created_at: string | null };

/** Folds joined rows into parts, keeping the query's order of parts and of each part's secrets. */
function foldParts(rows: readonly JoinedRow[]): RobotPart[] {
  const secrets = new Map<string, PartSecret[]>();
  const heads: JoinedRow[] = [];
  for (const row of rows) {
    let list = secrets.get(row.id);
    if (list === undefined) {
      list = [];
      secrets.set(row.id, list);
      heads.push(row);
    }
    if (row.secret_id !== null && row.secret !== null && row.secret_created_at !== null) {
      list.push({ id: row.secret_id, secret: row.secret, createdAt: row.secret_created_at });
    }
  }
  return heads.map((row) => toPart(row, secrets.get(row.id) ?? []));
}

export async function insertPart(
  db: Executor,
  part: { id: string; robotId: string; locationId: string; name: string; isMain: boolean; config: JsonObject; createdAt: string },
  secret: PartSecret,
): Promise<void> {
  await db
    .insertInto('robot_parts')
    .values({
      id: part.id,
      robot_id: part.robotId,
      location_id: part.locationId,
      name: part.name,
      dns_name: dnsLabel(part.name),
      is_main: flag(part.isMain),
      config_json: JSON.stringify(part.config),
      user_supplied_info_json: null,
      needs_restart: flag(false),
      last_access: null,
      created_at: part.createdAt,
      updated_at: part.createdAt,
    })
    .execute();
  await insertSecret(db, part.id, secret);
}

export async function findPart(db: Executor, id: string): Promise<RobotPart | undefined> {
  const rows = await selectParts(db).where('p.id', '=', id).orderBy('s.created_at').orderBy('s.id').execute();
  return foldParts(rows)[0];
}

export async function findPartByName(db: Executor, locationId: string, name: string): Promise<RobotPart | undefined> {
  const rows = await selectParts(db)
    .where('p.location_id', '=', locationId)
    .where('p.dns_name', '=', dnsLabel(name))
    .where('p.name', '=', name)
    .orderBy('s.created_at')
    .orderBy('s.id')
    .execute();
  return foldParts(rows)[0];
}

/** The part of a location whose name has the same DNS label as `name`, if any (names must differ there). */
export async function findPartIdByDnsName(db: Executor, locationId: string, name: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('robot_parts')
    .select('id')
    .where('location_id', '=', locationId)
    .where('dns_name', '=', dnsLabel(name))
    .executeTakeFirst();
  return row?.id;
}

/** A machine's parts, main part first, then oldest first. */
export async function listParts(db: Executor, robotId: string): Promise<RobotPart[]> {
  const rows = await selectParts(db)
    .where('p.robot_id', '=', robotId)
    .orderBy('p.is_main', 'desc')
    .orderBy('p.created_at')
    .orderBy('p.id')
    .orderBy('s.created_at')
    .orderBy('s.id')
    .execute();
  return foldParts(rows);
}

export interface SizedPage {
  /** At most this many items (undefined: no count limit). */
  readonly limit: number | undefined;
  /** The byte budget of the page; the first item is always taken, whatever its size. */
  readonly maxBytes: number;
  /** Bytes each item costs on the wire besides its config. */
  readonly overheadBytes: number;
}

/** The leading items of `sized` (in order) that fit the page's count and byte budget. */
function fitPage<T extends { size: number }>(sized: readonly T[], page: SizedPage): { taken: T[]; more: boolean } {
  const taken: T[] = [];
  let bytes = 0;
  for (const item of sized) {
    const cost = item.size + page.overheadBytes;
    if (taken.length > 0 && (bytes + cost > page.maxBytes || (page.limit !== undefined && taken.length >= page.limit))) break;
    taken.push(item);
    bytes += cost;
  }
  return { taken, more: taken.length < sized.length };
}

/**
 * One page of a machine's parts in listParts' order, cut by count and by the size of their configs, so a
 * machine of many large configs never becomes one huge response. Sizes are read first, configs only for
 * the parts that fit. `afterId` is the last part of the previous page.
 */
export async function listPartsPage(
  db: Executor,
  robotId: string,
  afterId: string | undefined,
  page: SizedPage,
): Promise<{ parts: RobotPart[]; more: boolean } | undefined> {
  const sized = await db
    .selectFrom('robot_parts')
    .select(['id', (eb) => eb.fn<number | string>('length', ['config_json']).as('size')])
    .where('robot_id', '=', robotId)
    .orderBy('is_main', 'desc')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const start = afterId === undefined ? 0 : sized.findIndex((p) => p.id === afterId) + 1;
  if (start === 0 && afterId !== undefined) return undefined;
  const { taken, more } = fitPage(
    sized.slice(start).map((p) => ({ id: p.id, size: Number(p.size) })),
    page,
  );
  if (taken.length === 0) return { parts: [], more: false };
  const rows = await selectParts(db)
    .where(
      'p.id',
      'in',
      taken.map((t) => t.id),
    )
    .orderBy('s.created_at')
    .orderBy('s.id')
    .execute();
  const byId = new Map(foldParts(rows).map((p) => [p.id, p]));
  return { parts: taken.flatMap((t) => byId.get(t.id) ?? []), more };
}

export async function countParts(db: Executor, robotId: string): Promise<number> {
  const row = await db
    .selectFrom('robot_parts')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('robot_id', '=', robotId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updatePart(
  db: Executor,
  id: string,
  changes: { name?: string; config?: JsonObject; updatedAt: string },
): Promise<void> {
  await db
    .updateTable('robot_parts')
    .set({
      ...(changes.name !== undefined && { name: changes.name, dns_name: dnsLabel(changes.name) }),
      ...(changes.config !== undefined && { config_json: JSON.stringify(changes.config) }),
      updated_at: changes.updatedAt,
    })
    .where('id', '=', id)
    .execute();
}

export async function deletePart(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('robot_parts').where('id', '=', id).execute();
}

/** Makes one part the main part and every other part of its machine not, in one statement. */
export async function setMainPart(db: Executor, robotId: string, partId: string): Promise<void> {
  await db
    .updateTable('robot_parts')
    .set((eb) => ({ is_main: eb.case().when('id', '=', partId).then(1).else(0).end() }))
    .where('robot_id', '=', robotId)
    .execute();
}

export async function setNeedsRestart(db: Executor, id: string, needsRestart: boolean): Promise<void> {
  await db
    .updateTable('robot_parts')
    .set({ needs_restart: flag(needsRestart) })
    .where('id', '=', id)
    .execute();
}

/**
 * Takes the part's restart mark if it has one: true exactly once per mark, however many replicas ask at
 * the same moment (the update is the test).
 */
export async function takeRestartMark(db: Executor, id: string): Promise<boolean> {
  const result = await db
    .updateTable('robot_parts')
    .set({ needs_restart: 0 })
    .where('id', '=', id)
    .where('needs_restart', '=', 1)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** What the part's agent says about itself (host, os, ips, version, platform), shown as user_supplied_info. */
export async function setAgentInfo(db: Executor, id: string, info: JsonObject): Promise<void> {
  await db
    .updateTable('robot_parts')
    .set({ user_supplied_info_json: JSON.stringify(info) })
    .where('id', '=', id)
    .execute();
}

export async function insertHistory(db: Executor, entry: PartHistoryEntry): Promise<void> {
  const oldJson = JSON.stringify(entry.old);
  await db
    .insertInto('robot_part_history')
    .values({
      id: entry.id,
      part_id: entry.partId,
      robot_id: entry.robotId,
      at: entry.at,
      old_json: oldJson,
      editor_type: entry.editor.type,
      editor_id: entry.editor.id,
      size_bytes: Buffer.byteLength(oldJson),
    })
    .execute();
}

/**
 * Drops a part's oldest history entries beyond `maxEntries` or `maxBytes` in all (the newest entry is
 * always kept); returns how many went.
 */
export async function pruneHistory(db: Executor, partId: string, maxEntries: number, maxBytes: number): Promise<number> {
  const rows = await db
    .selectFrom('robot_part_history')
    .select(['id', 'size_bytes'])
    .where('part_id', '=', partId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const { taken } = fitPage(
    rows.map((r) => ({ id: r.id, size: r.size_bytes })),
    { limit: maxEntries, maxBytes, overheadBytes: 0 },
  );
  const drop = rows.slice(taken.length).map((r) => r.id);
  // In slices, so a long history left by an older server cannot exceed a statement's parameter limit.
  for (let i = 0; i < drop.length; i += 500) {
    await db
      .deleteFrom('robot_part_history')
      .where('id', 'in', drop.slice(i, i + 500))
      .execute();
  }
  return drop.length;
}

/**
 * A part's history, newest first, one keyset page (cursor key: the instant) cut by count and by bytes:
 * sizes are read first and the entries themselves only for what fits.
 */
export async function listHistory(
  db: Executor,
  partId: string,
  before: PageCursor | undefined,
  page: SizedPage,
): Promise<{ entries: PartHistoryEntry[]; more: boolean }> {
  let query = db
    .selectFrom('robot_part_history')
    .select(['id', 'at', 'size_bytes'])
    .where('part_id', '=', partId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc');
  if (before !== undefined) {
    const { key, id } = before;
    query = query.where((eb) => eb(eb.refTuple('at', 'id'), '<', eb.tuple(key, id)));
  }
  if (page.limit !== undefined) query = query.limit(page.limit + 1);
  const sized = (await query.execute()).map((r) => ({ id: r.id, size: r.size_bytes }));
  const { taken, more } = fitPage(sized, page);
  if (taken.length === 0) return { entries: [], more: false };
  const rows = await db
    .selectFrom('robot_part_history')
    .select(['id', 'part_id', 'robot_id', 'at', 'old_json', 'editor_type', 'editor_id'])
    .where(
      'id',
      'in',
      taken.map((t) => t.id),
    )
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return {
    more,
    entries: rows.map((r) => ({
      id: r.id,
      partId: r.part_id,
      robotId: r.robot_id,
      at: r.at,
      old: JSON.parse(r.old_json) as RobotPart,
      editor: { type: r.editor_type as Editor['type'], id: r.editor_id },
    })),
  };
}

/** `secret.secret` must already be sealed (see the server's secret box): only sealed secrets are stored. */
export async function insertSecret(db: Executor, partId: string, secret: PartSecret): Promise<void> {
  await db
    .insertInto('robot_part_secrets')
    .values({ id: secret.id, part_id: partId, secret: secret.secret, created_at: secret.createdAt, sealed: 1 })
    .execute();
}

/** Secrets stored in clear by an older version, to be sealed at start. */
export async function listUnsealedSecrets(db: Executor): Promise<{ id: string; secret: string }[]> {
  return db.selectFrom('robot_part_secrets').select(['id', 'secret']).where('sealed', '=', 0).execute();
}

/** Replaces a clear secret with its sealed form, unless another replica already did. */
export async function sealSecret(db: Executor, id: string, sealed: string): Promise<void> {
  await db.updateTable('robot_part_secrets').set({ secret: sealed, sealed: 1 }).where('id', '=', id).where('sealed', '=', 0).execute();
}

export async function deleteSecret(db: Executor, partId: string, secretId: string): Promise<void> {
  await db.deleteFrom('robot_part_secrets').where('part_id', '=', partId).where('id', '=', secretId).execute();
}

/** Serializes changes to one part (config history, secrets, main part) until the transaction ends. */
export async function lockPart(db: Executor, id: string): Promise<void> {
  await db
    .updateTable('robot_parts')
    .set((eb) => ({ id: eb.ref('id') }))
    .where('id', '=', id)
    .execute();
}

export interface PartSummaryRow {
  readonly id: string;
  readonly robotId: string;
  readonly robotName: string;
  readonly locationId: string;
  readonly robotCreatedAt: string;
  readonly name: string;
  readonly dnsName: string;
  readonly isMain: boolean;
  readonly lastAccess: string | null;
}

/**
 * Every part of the machines in the given locations, or of the given machines, with its machine's name,
 * without configs or secrets: one query per 1,000 ids, for fleet summaries. Ordered by machine name,
 * then main part first, then oldest.
 */
export async function listPartSummaries(
  db: Executor,
  where: { readonly locationIds: readonly string[] } | { readonly robotIds: readonly string[] },
): Promise<PartSummaryRow[]> {
  const ids = 'locationIds' in where ? where.locationIds : where.robotIds;
  const column = 'locationIds' in where ? 'r.location_id' : 'r.id';
  const out: PartSummaryRow[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await db
      .selectFrom('robots as r')
      .innerJoin('robot_parts as p', 'p.robot_id', 'r.id')
      .select([
        'p.id',
        'r.id as robot_id',
        'r.name as robot_name',
        'r.location_id',
        'r.created_at as robot_created_at',
        'p.name',
        'p.dns_name',
        'p.is_main',
        'p.last_access',
        'p.created_at',
      ])
      .where(column, 'in', ids.slice(i, i + 1000))
      .orderBy('r.name')
      .orderBy('r.id')
      .orderBy('p.is_main', 'desc')
      .orderBy('p.created_at')
      .orderBy('p.id')
      .execute();
    for (const r of rows) {
      out.push({
        id: r.id,
        robotId: r.robot_id,
        robotName: r.robot_name,
        locationId: r.location_id,
        robotCreatedAt: r.robot_created_at,
        name: r.name,
        dnsName: r.dns_name,
        isMain: isSet(r.is_main),
        lastAccess: r.last_access,
      });
    }
  }
  return out;
}

/** Marks parts as heard from (log ingestion calls this at most every few seconds per part). */
export async function touchLastAccess(db: Executor, ids: readonly string[], at: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('robot_parts')
    .set({ last_access: at })
    .where('id', 'in', [...ids])
    .execute();
}

/** Which of these parts still exist. */
export async function existingPartIds(db: Executor, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('robot_parts')
    .select('id')
    .where('id', 'in', [...ids])
    .execute();
  return new Set(rows.map((r) => r.id));
}
