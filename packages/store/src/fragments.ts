import type { Fragment, FragmentHistoryEntry, FragmentVisibility, JsonObject, PageCursor } from '@hangar/domain';
import type { Executor } from './rows.js';

/** FragmentVisibility's numbers on the wire, which are also what is stored. */
export const VISIBILITY_CODE: Record<FragmentVisibility, number> = { private: 1, public: 2, public_unlisted: 3 };
const VISIBILITY_OF: Record<number, FragmentVisibility> = { 1: 'private', 2: 'public', 3: 'public_unlisted' };

interface FragmentRow {
  id: string;
  organization_id: string;
  organization_name: string;
  name: string;
  config_json: string;
  visibility: number;
  revision: number;
  created_at: string;
  updated_at: string;
}

function toFragment(row: FragmentRow): Fragment {
  return {
    id: row.id,
    organizationId: row.organization_id,
    organizationName: row.organization_name,
    name: row.name,
    config: JSON.parse(row.config_json) as JsonObject,
    visibility: VISIBILITY_OF[row.visibility] ?? 'private',
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function selectFragments(db: Executor) {
  return db
    .selectFrom('fragments as f')
    .innerJoin('organizations as o', 'o.id', 'f.organization_id')
    .select([
      'f.id',
      'f.organization_id',
      'o.name as organization_name',
      'f.name',
      'f.config_json',
      'f.visibility',
      'f.revision',
      'f.created_at',
      'f.updated_at',
    ]);
}

export async function insertFragment(db: Executor, fragment: Omit<Fragment, 'organizationName'>): Promise<void> {
  await db
    .insertInto('fragments')
    .values({
      id: fragment.id,
      organization_id: fragment.organizationId,
      name: fragment.name,
      config_json: JSON.stringify(fragment.config),
      visibility: VISIBILITY_CODE[fragment.visibility],
      revision: fragment.revision,
      created_at: fragment.createdAt,
      updated_at: fragment.updatedAt,
    })
    .execute();
}

export async function findFragment(db: Executor, id: string): Promise<Fragment | undefined> {
  const row = await selectFragments(db).where('f.id', '=', id).executeTakeFirst();
  return row && toFragment(row);
}

/** Fragments by id, in one query (for resolving a part's fragments level by level). */
export async function findFragments(db: Executor, ids: readonly string[]): Promise<Fragment[]> {
  if (ids.length === 0) return [];
  const rows = await selectFragments(db).where('f.id', 'in', ids).execute();
  return rows.map(toFragment);
}

/** An organization's fragments of the given visibilities (all when empty), oldest first. */
export async function listFragmentsOfOrganization(
  db: Executor,
  organizationId: string,
  visibilities: readonly FragmentVisibility[],
): Promise<Fragment[]> {
  let query = selectFragments(db).where('f.organization_id', '=', organizationId);
  if (visibilities.length > 0)
    query = query.where(
      'f.visibility',
      'in',
      visibilities.map((v) => VISIBILITY_CODE[v]),
    );
  const rows = await query.orderBy('f.created_at').orderBy('f.id').execute();
  return rows.map(toFragment);
}

/** Public (listed) fragments of every other organization, oldest first. */
export async function listPublicFragments(db: Executor, exceptOrganization: string): Promise<Fragment[]> {
  const rows = await selectFragments(db)
    .where('f.visibility', '=', VISIBILITY_CODE.public)
    .where('f.organization_id', '!=', exceptOrganization)
    .orderBy('f.created_at')
    .orderBy('f.id')
    .execute();
  return rows.map(toFragment);
}

export async function updateFragment(
  db: Executor,
  id: string,
  changes: { name: string; config: JsonObject; visibility: FragmentVisibility; revision: number; updatedAt: string },
): Promise<void> {
  await db
    .updateTable('fragments')
    .set({
      name: changes.name,
      config_json: JSON.stringify(changes.config),
      visibility: VISIBILITY_CODE[changes.visibility],
      revision: changes.revision,
      updated_at: changes.updatedAt,
    })
    .where('id', '=', id)
    .execute();
}

export async function deleteFragment(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('fragments').where('id', '=', id).execute();
}

/** Serializes changes to one fragment (revisions, history) until the transaction ends. */
export async function lockFragment(db: Executor, id: string): Promise<void> {
  await db
    .updateTable('fragments')
    .set((eb) => ({ id: eb.ref('id') }))
    .where('id', '=', id)
    .execute();
}

export async function insertFragmentHistory(db: Executor, entry: FragmentHistoryEntry): Promise<void> {
  const oldJson = JSON.stringify(entry.old);
  await db
    .insertInto('fragment_history')
    .values({
      id: entry.id,
      fragment_id: entry.fragmentId,
      revision: entry.old.revision,
      at: entry.at,
      old_json: oldJson,
      editor_type: entry.editor.type,
      editor_id: entry.editor.id,
      size_bytes: Buffer.byteLength(oldJson),
    })
    .execute();
}

function toHistoryEntry(row: {
  id: string;
  fragment_id: string;
  at: string;
  old_json: string;
  editor_type: string;
  editor_id: string;
}): FragmentHistoryEntry {
  return {
    id: row.id,
    fragmentId: row.fragment_id,
    at: row.at,
    old: JSON.parse(row.old_json) as Fragment,
    editor: { type: row.editor_type === 'api-key' ? 'api-key' : 'user', id: row.editor_id },
  };
}

/** A fragment's history, newest first, one keyset page (cursor key: the instant). */
export async function listFragmentHistory(
  db: Executor,
  fragmentId: string,
  before: PageCursor | undefined,
  limit: number,
): Promise<{ entries: FragmentHistoryEntry[]; more: boolean }> {
  let query = db
    .selectFrom('fragment_history')
    .select(['id', 'fragment_id', 'at', 'old_json', 'editor_type', 'editor_id'])
    .where('fragment_id', '=', fragmentId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc');
  if (before !== undefined) query = query.where((eb) => eb(eb.refTuple('at', 'id'), '<', eb.tuple(before.key, before.id)));
  const rows = await query.limit(limit + 1).execute();
  return { entries: rows.slice(0, limit).map(toHistoryEntry), more: rows.length > limit };
}

/** The fragment as it was at an earlier revision, if that revision is still in its history. */
export async function findFragmentRevision(db: Executor, fragmentId: string, revision: number): Promise<Fragment | undefined> {
  const row = await db
    .selectFrom('fragment_history')
    .select('old_json')
    .where('fragment_id', '=', fragmentId)
    .where('revision', '=', revision)
    .executeTakeFirst();
  return row && (JSON.parse(row.old_json) as Fragment);
}

/** Records which fragments a part's config references directly. */
export async function setPartFragments(db: Executor, partId: string, fragmentIds: readonly string[]): Promise<void> {
  await db.deleteFrom('part_fragments').where('part_id', '=', partId).execute();
  if (fragmentIds.length === 0) return;
  await db
    .insertInto('part_fragments')
    .values([...new Set(fragmentIds)].map((fragmentId) => ({ part_id: partId, fragment_id: fragmentId })))
    .execute();
}

export interface FragmentUsage {
  readonly parts: number;
  readonly organizations: number;
  /** Parts of the fragment's own organization among `parts`. */
  readonly partsInOwner: number;
}

/** How many parts reference each fragment directly, and from how many organizations, in one query. */
export async function fragmentUsage(
  db: Executor,
  fragments: readonly { id: string; organizationId: string }[],
): Promise<Map<string, FragmentUsage>> {
  const usage = new Map<string, FragmentUsage>();
  if (fragments.length === 0) return usage;
  const rows = await db
    .selectFrom('part_fragments as pf')
    .innerJoin('robot_parts as p', 'p.id', 'pf.part_id')
    .innerJoin('locations as l', 'l.id', 'p.location_id')
    .select(['pf.fragment_id', 'l.primary_org_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where(
      'pf.fragment_id',
      'in',
      fragments.map((f) => f.id),
    )
    .groupBy(['pf.fragment_id', 'l.primary_org_id'])
    .execute();
  const ownerOf = new Map(fragments.map((f) => [f.id, f.organizationId]));
  for (const r of rows) {
    const before = usage.get(r.fragment_id) ?? { parts: 0, organizations: 0, partsInOwner: 0 };
    const n = Number(r.n);
    usage.set(r.fragment_id, {
      parts: before.parts + n,
      organizations: before.organizations + 1,
      partsInOwner: before.partsInOwner + (ownerOf.get(r.fragment_id) === r.primary_org_id ? n : 0),
    });
  }
  return usage;
}

/** Fragments whose configs reference the given one directly (so it cannot be deleted while they do). */
export async function listFragmentsReferencing(db: Executor, fragmentId: string): Promise<string[]> {
  // Fragment configs are JSON text; the id is a UUID, so a substring match finds every candidate.
  const rows = await db.selectFrom('fragments').select(['id', 'config_json']).where('config_json', 'like', `%${fragmentId}%`).execute();
  return rows.filter((r) => r.id !== fragmentId).map((r) => r.id);
}

/** The fragments each of the given parts references directly, with their names, in chunks of ids. */
export async function listFragmentsOfParts(
  db: Executor,
  partIds: readonly string[],
): Promise<{ partId: string; fragmentId: string; name: string | null }[]> {
  const out: { partId: string; fragmentId: string; name: string | null }[] = [];
  for (let i = 0; i < partIds.length; i += 1000) {
    const rows = await db
      .selectFrom('part_fragments as pf')
      .leftJoin('fragments as f', 'f.id', 'pf.fragment_id')
      .select(['pf.part_id', 'pf.fragment_id', 'f.name'])
      .where('pf.part_id', 'in', partIds.slice(i, i + 1000))
      .execute();
    for (const r of rows) out.push({ partId: r.part_id, fragmentId: r.fragment_id, name: r.name });
  }
  return out;
}

/** Drops a fragment's oldest history entries beyond `maxEntries`; returns how many went. */
export async function pruneFragmentHistory(db: Executor, fragmentId: string, maxEntries: number): Promise<number> {
  const rows = await db
    .selectFrom('fragment_history')
    .select('id')
    .where('fragment_id', '=', fragmentId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const drop = rows.slice(maxEntries).map((r) => r.id);
  for (let i = 0; i < drop.length; i += 500)
    await db
      .deleteFrom('fragment_history')
      .where('id', 'in', drop.slice(i, i + 500))
      .execute();
  return drop.length;
}

/** Who owns a fragment and who may see it: all authorization needs, from the primary key. */
export async function findFragmentOwner(
  db: Executor,
  id: string,
): Promise<{ organizationId: string; visibility: FragmentVisibility } | undefined> {
  const row = await db.selectFrom('fragments').select(['organization_id', 'visibility']).where('id', '=', id).executeTakeFirst();
  return row && { organizationId: row.organization_id, visibility: VISIBILITY_OF[row.visibility] ?? 'private' };
}
