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

type PartRow = Selectable<RobotPartsTable>;

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

export async function insertHistory(db: Executor, entry: PartHistoryEntry): Promise<void> {
  await db
    .insertInto('robot_part_history')
    .values({
      id: entry.id,
      part_id: entry.partId,
      robot_id: entry.robotId,
      at: entry.at,
      old_json: JSON.stringify(entry.old),
      editor_type: entry.editor.type,
      editor_id: entry.editor.id,
    })
    .execute();
}

/** A part's history, newest first: all of it, or one keyset page (cursor key: the instant). */
export async function listHistory(
  db: Executor,
  partId: string,
  page?: { limit: number; before: PageCursor | undefined },
): Promise<{ entries: PartHistoryEntry[]; more: boolean }> {
  let query = db
    .selectFrom('robot_part_history')
    .select(['id', 'part_id', 'robot_id', 'at', 'old_json', 'editor_type', 'editor_id'])
    .where('part_id', '=', partId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc');
  if (page?.before !== undefined) {
    const { key, id } = page.before;
    query = query.where((eb) => eb(eb.refTuple('at', 'id'), '<', eb.tuple(key, id)));
  }
  if (page !== undefined) query = query.limit(page.limit + 1);
  const rows = await query.execute();
  const more = page !== undefined && rows.length > page.limit;
  return {
    more,
    entries: (more ? rows.slice(0, page.limit) : rows).map((r) => ({
      id: r.id,
      partId: r.part_id,
      robotId: r.robot_id,
      at: r.at,
      old: JSON.parse(r.old_json) as RobotPart,
      editor: { type: r.editor_type as Editor['type'], id: r.editor_id },
    })),
  };
}

export async function insertSecret(db: Executor, partId: string, secret: PartSecret): Promise<void> {
  await db
    .insertInto('robot_part_secrets')
    .values({ id: secret.id, part_id: partId, secret: secret.secret, created_at: secret.createdAt })
    .execute();
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
