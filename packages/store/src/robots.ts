import type { PageCursor, Robot } from '@hangar/domain';
import type { Executor } from './rows.js';

const ROBOT_COLUMNS = ['robots.id', 'robots.name', 'robots.location_id', 'robots.created_at'] as const;

interface RobotRow {
  id: string;
  name: string;
  location_id: string;
  created_at: string;
  last_access: string | null;
}

function toRobot(row: RobotRow): Robot {
  return { id: row.id, name: row.name, locationId: row.location_id, createdAt: row.created_at, lastAccess: row.last_access };
}

/** Machines with their latest part access, one correlated subquery served by robot_parts_robot. */
function selectRobots(db: Executor) {
  return db
    .selectFrom('robots')
    .select(ROBOT_COLUMNS)
    .select((eb) =>
      eb
        .selectFrom('robot_parts')
        .select((e) => e.fn.max('robot_parts.last_access').as('m'))
        .whereRef('robot_parts.robot_id', '=', 'robots.id')
        .as('last_access'),
    );
}

export async function insertRobot(db: Executor, robot: { id: string; name: string; locationId: string; createdAt: string }): Promise<void> {
  await db
    .insertInto('robots')
    .values({ id: robot.id, name: robot.name, location_id: robot.locationId, created_at: robot.createdAt })
    .execute();
}

export async function findRobot(db: Executor, id: string): Promise<Robot | undefined> {
  const row = await selectRobots(db).where('robots.id', '=', id).executeTakeFirst();
  return row && toRobot(row);
}

export async function findRobotByName(db: Executor, locationId: string, name: string): Promise<Robot | undefined> {
  const row = await selectRobots(db).where('robots.location_id', '=', locationId).where('robots.name', '=', name).executeTakeFirst();
  return row && toRobot(row);
}

/**
 * A location's machines by name, then id. With a limit, one keyset page (fetching one extra row to know
 * whether another page follows); the cursor key is the name.
 */
export async function listRobots(
  db: Executor,
  locationId: string,
  page?: { limit: number; after: PageCursor | undefined },
): Promise<{ robots: Robot[]; more: boolean }> {
  let query = selectRobots(db).where('robots.location_id', '=', locationId).orderBy('robots.name').orderBy('robots.id');
  if (page?.after !== undefined) {
    const { key, id } = page.after;
    // A row-value comparison, not `name > k or (name = k and id > i)`: PostgreSQL walks the index for the
    // former and scans for the latter (100 ms on the last page of 100,000 machines).
    query = query.where((eb) => eb(eb.refTuple('robots.name', 'robots.id'), '>', eb.tuple(key, id)));
  }
  if (page !== undefined) query = query.limit(page.limit + 1);
  const rows = (await query.execute()) as RobotRow[];
  const more = page !== undefined && rows.length > page.limit;
  return { robots: (more ? rows.slice(0, page.limit) : rows).map(toRobot), more };
}

export async function updateRobot(db: Executor, id: string, changes: { name?: string; locationId?: string }): Promise<void> {
  const set = {
    ...(changes.name !== undefined && { name: changes.name }),
    ...(changes.locationId !== undefined && { location_id: changes.locationId }),
  };
  if (Object.keys(set).length === 0) return;
  await db.updateTable('robots').set(set).where('id', '=', id).execute();
  // Parts carry their machine's location so part names stay unique where their fqdn lives.
  if (changes.locationId !== undefined)
    await db.updateTable('robot_parts').set({ location_id: changes.locationId }).where('robot_id', '=', id).execute();
}

/** Deletes the machine; foreign keys cascade to its parts, their secrets and history. */
export async function deleteRobot(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('robots').where('id', '=', id).execute();
}

/** Every machine in the given locations, by name then id. */
export async function listRobotsInLocations(db: Executor, locationIds: readonly string[]): Promise<Robot[]> {
  if (locationIds.length === 0) return [];
  const rows = (await selectRobots(db)
    .where('robots.location_id', 'in', locationIds)
    .orderBy('robots.name')
    .orderBy('robots.id')
    .execute()) as RobotRow[];
  return rows.map(toRobot);
}

/** The given machines, by name then id. */
export async function listRobotsByIds(db: Executor, ids: readonly string[]): Promise<Robot[]> {
  if (ids.length === 0) return [];
  const rows = (await selectRobots(db).where('robots.id', 'in', ids).orderBy('robots.name').orderBy('robots.id').execute()) as RobotRow[];
  return rows.map(toRobot);
}

/** Machines in an organization's locations (for --max-machines-per-organization). */
export async function countRobotsOfOrganization(db: Executor, organizationId: string): Promise<number> {
  const row = await db
    .selectFrom('robots')
    .innerJoin('locations', 'locations.id', 'robots.location_id')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('locations.primary_org_id', '=', organizationId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Serializes changes to one machine's set of parts until the transaction ends. */
export async function lockRobot(db: Executor, id: string): Promise<void> {
  await db
    .updateTable('robots')
    .set((eb) => ({ id: eb.ref('id') }))
    .where('id', '=', id)
    .execute();
}
