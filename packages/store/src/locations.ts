import type { Location, LocationOrganization, Scope } from '@hangar/domain';
import { sql, type RawBuilder } from 'kysely';
import { flag, isSet, type Executor } from './rows.js';

const LOCATION_COLUMNS = [
  'locations.id',
  'locations.name',
  'locations.parent_location_id',
  'locations.primary_org_id',
  'locations.region',
  'locations.created_at',
  'organizations.name as primary_org_name',
] as const;

interface LocationRow {
  id: string;
  name: string;
  parent_location_id: string | null;
  primary_org_id: string;
  region: string;
  created_at: string;
  primary_org_name: string;
}

/** Attaches organizations and machine counts to a set of location rows with two queries, whatever their number. */
async function withDetails(db: Executor, rows: readonly LocationRow[]): Promise<Location[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const orgRows = await db
    .selectFrom('location_organizations')
    .select(['location_id', 'organization_id', 'is_primary'])
    .where('location_id', 'in', ids)
    .orderBy('created_at')
    .execute();
  const orgs = new Map<string, LocationOrganization[]>();
  for (const r of orgRows) {
    const list = orgs.get(r.location_id) ?? [];
    list.push({ organizationId: r.organization_id, primary: isSet(r.is_primary) });
    orgs.set(r.location_id, list);
  }
  const counts = await robotCounts(db, ids);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    parentLocationId: r.parent_location_id,
    primaryOrganizationId: r.primary_org_id,
    primaryOrganizationName: r.primary_org_name,
    organizations: orgs.get(r.id) ?? [],
    region: r.region,
    createdAt: r.created_at,
    robotCount: counts.get(r.id) ?? 0,
  }));
}

/** Machines per location, from one grouped query. */
async function robotCounts(db: Executor, ids: readonly string[]): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('robots')
    .select(['location_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('location_id', 'in', ids)
    .groupBy('location_id')
    .execute();
  return new Map(rows.map((r) => [r.location_id, Number(r.n)]));
}

export async function insertLocation(
  db: Executor,
  location: { id: string; name: string; parentLocationId: string | null; organizationId: string; region: string; createdAt: string },
): Promise<void> {
  await db
    .insertInto('locations')
    .values({
      id: location.id,
      name: location.name,
      parent_location_id: location.parentLocationId,
      primary_org_id: location.organizationId,
      region: location.region,
      created_at: location.createdAt,
    })
    .execute();
  await db
    .insertInto('location_organizations')
    .values({ location_id: location.id, organization_id: location.organizationId, is_primary: flag(true), created_at: location.createdAt })
    .execute();
}

/** The organization that owns a location (one indexed lookup, for locks and checks), if it exists. */
export async function primaryOrganizationOf(db: Executor, id: string): Promise<string | undefined> {
  const row = await db.selectFrom('locations').select('primary_org_id').where('id', '=', id).executeTakeFirst();
  return row?.primary_org_id;
}

export async function findLocation(db: Executor, id: string): Promise<Location | undefined> {
  const row = await db
    .selectFrom('locations')
    .innerJoin('organizations', 'organizations.id', 'locations.primary_org_id')
    .select(LOCATION_COLUMNS)
    .where('locations.id', '=', id)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const [location] = await withDetails(db, [row]);
  return location;
}

/**
 * Every location an organization owns or was shared, with every location below a shared one (sharing a
 * location shares what is inside it), oldest first.
 */
export async function listLocationsOfOrganization(db: Executor, organizationId: string): Promise<Location[]> {
  const result = await sql<LocationRow>`
    with recursive reach(id, depth) as (
      select location_id, 1 from location_organizations where organization_id = ${organizationId}
      union all
      select l.id, r.depth + 1 from locations l join reach r on l.parent_location_id = r.id where r.depth < ${MAX_LOCATION_DEPTH + 1}
    )
    select l.id, l.name, l.parent_location_id, l.primary_org_id, l.region, l.created_at, o.name as primary_org_name
    from locations l join organizations o on o.id = l.primary_org_id
    where l.id in (select id from reach)
    order by l.created_at, l.id`.execute(db);
  return withDetails(db, result.rows);
}

export async function updateLocation(
  db: Executor,
  id: string,
  changes: { name?: string; parentLocationId?: string | null; region?: string },
): Promise<void> {
  const set = {
    ...(changes.name !== undefined && { name: changes.name }),
    ...(changes.parentLocationId !== undefined && { parent_location_id: changes.parentLocationId }),
    ...(changes.region !== undefined && { region: changes.region }),
  };
  if (Object.keys(set).length === 0) return;
  await db.updateTable('locations').set(set).where('id', '=', id).execute();
}

export async function deleteLocation(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('locations').where('id', '=', id).execute();
}

/** Machines directly in a location. */
export async function countRobotsIn(db: Executor, id: string): Promise<number> {
  const row = await db
    .selectFrom('robots')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('location_id', '=', id)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Locations an organization owns (for --max-locations-per-organization). */
export async function countLocationsOfOrganization(db: Executor, organizationId: string): Promise<number> {
  const row = await db
    .selectFrom('locations')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('primary_org_id', '=', organizationId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** How many levels a location's subtree spans, itself included (1 for a location without children). */
export async function subtreeHeight(db: Executor, id: string): Promise<number> {
  const result = await sql<{ height: number | string | null }>`
    with recursive below(id, depth) as (
      select id, 1 from locations where id = ${id}
      union all
      select l.id, b.depth + 1 from locations l join below b on l.parent_location_id = b.id where b.depth < ${MAX_LOCATION_DEPTH + 1}
    )
    select max(depth) as height from below`.execute(db);
  return Number(result.rows[0]?.height ?? 0);
}

/**
 * Detaches an organization's locations from one another, so deleting them is one flat delete: a cascade
 * down a long parent chain would run a trigger per level (SQLite gives up at 1,000).
 */
export async function unlinkLocationsOfOrganization(db: Executor, organizationId: string): Promise<void> {
  await db.updateTable('locations').set({ parent_location_id: null }).where('primary_org_id', '=', organizationId).execute();
}

export async function countChildLocations(db: Executor, id: string): Promise<number> {
  const row = await db
    .selectFrom('locations')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('parent_location_id', '=', id)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Writes keep the tree acyclic and no deeper than --max-location-depth (at most this); this bound also
 * keeps a damaged tree from looping a query forever.
 */
export const MAX_LOCATION_DEPTH = 64;

/**
 * A location's place in the hierarchy: the location, its ancestors (nearest first), and every organization
 * that owns or was shared any of them. One recursive query; undefined if the location does not exist.
 */
export async function locationScope(db: Executor, locationId: string): Promise<Scope | undefined> {
  return scopeFromChain(db, sql`select id, parent_location_id, 0 from locations where id = ${locationId}`, 'location');
}

/** A machine's place in the hierarchy: the machine, its location chain and their organizations. */
export async function robotScope(db: Executor, robotId: string): Promise<Scope | undefined> {
  const scope = await scopeFromChain(
    db,
    sql`select l.id, l.parent_location_id, 0 from robots r join locations l on l.id = r.location_id where r.id = ${robotId}`,
    'robot',
  );
  return scope && { ...scope, robotId };
}

/** The scope of the machine a part belongs to. */
export async function partScope(db: Executor, partId: string): Promise<(Scope & { robotId: string; partId: string }) | undefined> {
  const part = await db.selectFrom('robot_parts').select('robot_id').where('id', '=', partId).executeTakeFirst();
  if (part === undefined) return undefined;
  const scope = await robotScope(db, part.robot_id);
  return scope && { ...scope, robotId: part.robot_id, partId };
}

async function scopeFromChain(db: Executor, anchor: RawBuilder<unknown>, kind: Scope['kind']): Promise<Scope | undefined> {
  const result = await sql<{ id: string; depth: number; organization_id: string | null; primary_org_id: string }>`
    with recursive chain(id, parent_location_id, depth) as (
      ${anchor}
      union all
      select l.id, l.parent_location_id, c.depth + 1 from locations l join chain c on l.id = c.parent_location_id
      where c.depth < ${MAX_LOCATION_DEPTH}
    )
    select c.id, c.depth, lo.organization_id, l.primary_org_id
    from chain c join locations l on l.id = c.id left join location_organizations lo on lo.location_id = c.id
    order by c.depth`.execute(db);
  const first = result.rows[0];
  if (first === undefined) return undefined;
  const locationIds = [...new Set(result.rows.map((r) => r.id))];
  const organizationIds = [...new Set(result.rows.flatMap((r) => (r.organization_id === null ? [] : [r.organization_id])))];
  return { kind, locationIds, organizationIds, primaryOrganizationId: first.primary_org_id };
}

/** A location's secrets (sealed), oldest first. */
export async function listLocationSecrets(db: Executor, locationId: string): Promise<{ id: string; sealed: string; createdAt: string }[]> {
  const rows = await db
    .selectFrom('location_secrets')
    .select(['id', 'secret_sealed', 'created_at'])
    .where('location_id', '=', locationId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, sealed: r.secret_sealed, createdAt: r.created_at }));
}

export async function insertLocationSecret(
  db: Executor,
  locationId: string,
  secret: { id: string; sealed: string; createdAt: string },
): Promise<void> {
  await db
    .insertInto('location_secrets')
    .values({ id: secret.id, location_id: locationId, secret_sealed: secret.sealed, created_at: secret.createdAt })
    .execute();
}

export async function deleteLocationSecret(db: Executor, locationId: string, secretId: string): Promise<void> {
  await db.deleteFrom('location_secrets').where('location_id', '=', locationId).where('id', '=', secretId).execute();
}

/** Locations that have no secret yet (created before secrets existed). */
export async function listLocationIdsWithoutSecrets(db: Executor): Promise<string[]> {
  const rows = await db
    .selectFrom('locations')
    .select('id')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb.selectFrom('location_secrets').select('location_secrets.id').whereRef('location_secrets.location_id', '=', 'locations.id'),
        ),
      ),
    )
    .execute();
  return rows.map((r) => r.id);
}

/** Shares a location with another organization (idempotent). */
export async function shareLocation(db: Executor, locationId: string, organizationId: string, at: string): Promise<void> {
  await db
    .insertInto('location_organizations')
    .values({ location_id: locationId, organization_id: organizationId, is_primary: 0, created_at: at })
    .onConflict((oc) => oc.columns(['location_id', 'organization_id']).doNothing())
    .execute();
}

/** Stops sharing; returns whether it was shared. Never removes the owning organization. */
export async function unshareLocation(db: Executor, locationId: string, organizationId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('location_organizations')
    .where('location_id', '=', locationId)
    .where('organization_id', '=', organizationId)
    .where('is_primary', '=', 0)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** A location and every location below it (bounded by the depth limit), for sharing's reach. */
export async function subtreeIds(db: Executor, id: string): Promise<string[]> {
  const result = await sql<{ id: string }>`
    with recursive below(id, depth) as (
      select id, 1 from locations where id = ${id}
      union all
      select l.id, b.depth + 1 from locations l join below b on l.parent_location_id = b.id where b.depth < ${MAX_LOCATION_DEPTH + 1}
    )
    select id from below`.execute(db);
  return result.rows.map((r) => r.id);
}
