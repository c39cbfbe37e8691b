import {
  can,
  failedPrecondition,
  invalid,
  notFound,
  parseName,
  truncate,
  type Actor,
  type Location,
  type Organization,
  type Scope,
} from '@hangar/domain';
import { authorizations, locations, organizations, type Database } from '@hangar/store';
import { DEFAULT_REGION } from '../organizations/organizations.service.js';

export interface LocationsDeps {
  readonly db: Database;
  readonly now: () => Date;
  readonly newId: () => string;
}

export interface LocationUpdate {
  readonly name?: string;
  /** null moves the location to the top level. */
  readonly parentLocationId?: string | null;
  readonly region?: string;
}

export function createLocationsService({ db, now, newId }: LocationsDeps) {
  async function get(id: string): Promise<Location> {
    const location = await locations.findLocation(db, id);
    if (location === undefined) throw notFound('location', id);
    return location;
  }

  return {
    get,

    async create(organizationId: string, rawName: string, parentLocationId: string | undefined): Promise<Location> {
      const name = parseName('name', rawName);
      const id = newId();
      await db.transaction().execute(async (tx) => {
        await organizations.lockOrganization(tx, organizationId);
        if (parentLocationId !== undefined) {
          const parent = await locations.findLocation(tx, parentLocationId);
          if (parent === undefined) throw notFound('parent location', parentLocationId);
          if (!parent.organizations.some((o) => o.organizationId === organizationId)) {
            throw invalid(`parent location ${parentLocationId} does not belong to organization ${organizationId}`);
          }
        }
        await locations.insertLocation(tx, {
          id,
          name,
          parentLocationId: parentLocationId ?? null,
          organizationId,
          region: DEFAULT_REGION,
          createdAt: now().toISOString(),
        });
      });
      return get(id);
    },

    async update(id: string, changes: LocationUpdate): Promise<Location> {
      const name = changes.name === undefined ? undefined : parseName('name', changes.name);
      if (changes.region !== undefined && !/^[a-z0-9][a-z0-9-]{0,31}$/.test(changes.region)) {
        throw invalid(`region must be 1–32 lowercase letters, digits or dashes, got ${JSON.stringify(truncate(changes.region))}`);
      }
      await db.transaction().execute(async (tx) => {
        const current = await locations.findLocation(tx, id);
        if (current === undefined) throw notFound('location', id);
        await organizations.lockOrganization(tx, current.primaryOrganizationId);
        const parentId = changes.parentLocationId;
        if (parentId !== undefined && parentId !== null) {
          if (parentId === id) throw invalid('a location cannot be its own parent');
          const parentScope = await locations.locationScope(tx, parentId);
          if (parentScope === undefined) throw notFound('parent location', parentId);
          if (parentScope.locationIds.includes(id)) {
            throw invalid(`cannot move location ${id} under ${parentId}: ${parentId} is inside ${id}, which would make a cycle`);
          }
          if (!parentScope.organizationIds.includes(current.primaryOrganizationId)) {
            throw invalid(`parent location ${parentId} does not belong to organization ${current.primaryOrganizationId}`);
          }
        }
        await locations.updateLocation(tx, id, {
          ...(name !== undefined && { name }),
          ...(parentId !== undefined && { parentLocationId: parentId }),
          ...(changes.region !== undefined && { region: changes.region }),
        });
      });
      return get(id);
    },

    /** Refuses while the location still holds machines or child locations, so nothing is lost by accident. */
    async delete(id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const location = await locations.findLocation(tx, id);
        if (location === undefined) throw notFound('location', id);
        await organizations.lockOrganization(tx, location.primaryOrganizationId);
        const robots = await locations.countRobotsIn(tx, id);
        const children = await locations.countChildLocations(tx, id);
        if (robots > 0 || children > 0) {
          const what = [robots > 0 ? plural(robots, 'machine') : '', children > 0 ? plural(children, 'child location') : '']
            .filter(Boolean)
            .join(' and ');
          throw failedPrecondition(`location ${id} still has ${what}; move or delete them first`);
        }
        await authorizations.deleteAuthorizationsOnResources(tx, [id]);
        await locations.deleteLocation(tx, id);
      });
    },

    /** The organization's locations the caller can see, oldest first. */
    async list(actor: Actor, organizationId: string): Promise<Location[]> {
      return visibleLocations(actor, await locations.listLocationsOfOrganization(db, organizationId));
    },

    /** The organizations that own the location or were shared it, primary first. */
    async organizationsWithAccess(id: string): Promise<Organization[]> {
      const location = await get(id);
      const orgs = await organizations.listOrganizations(
        db,
        location.organizations.map((o) => o.organizationId),
      );
      return orgs.sort((a, b) => Number(b.id === location.primaryOrganizationId) - Number(a.id === location.primaryOrganizationId));
    },
  };
}

export type LocationsService = ReturnType<typeof createLocationsService>;

/** The locations of an organization's full list that the actor may read, in the list's order. */
export function visibleLocations(actor: Actor, all: readonly Location[]): Location[] {
  const byId = new Map(all.map((l) => [l.id, l]));
  return all.filter((l) => can(actor, 'location.read', scopeWithin(l, byId)));
}

/** A location's scope computed from an already loaded set, so filtering a list costs no queries. */
function scopeWithin(location: Location, byId: ReadonlyMap<string, Location>): Scope {
  const locationIds: string[] = [];
  const organizationIds = new Set<string>();
  for (
    let l: Location | undefined = location;
    l !== undefined && !locationIds.includes(l.id);
    l = l.parentLocationId === null ? undefined : byId.get(l.parentLocationId)
  ) {
    locationIds.push(l.id);
    for (const o of l.organizations) organizationIds.add(o.organizationId);
  }
  return { kind: 'location', locationIds, organizationIds: [...organizationIds] };
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
