import {
  can,
  failedPrecondition,
  invalid,
  notFound,
  parseName,
  truncate,
  visibleInTree,
  type Actor,
  type Location,
  type LocationSecret,
  type Organization,
} from '@hangar/domain';
import { authorizations, locations, organizations, robots, type Database, type Executor } from '@hangar/store';
import { generateKeySecret } from '../auth/secrets.js';
import { revealLocationSecrets, SECRET_CONTEXT, type SecretBox } from '../crypto/secret-box.js';
import { DEFAULT_REGION } from '../organizations/organizations.service.js';
import { refuseOverQuota } from '../quotas.js';
import { limitFlag, type Limits } from '../settings.js';

export interface LocationsDeps {
  readonly db: Database;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly limits: Limits;
  readonly box: SecretBox;
}

/** The protos document at most two secrets per location at a time (one to rotate to). */
export const MAX_LOCATION_SECRETS = 2;

export interface LocationUpdate {
  readonly name?: string;
  /** null moves the location to the top level. */
  readonly parentLocationId?: string | null;
  readonly region?: string;
}

export function createLocationsService({ db, now, newId, limits, box }: LocationsDeps) {
  async function insertSecret(tx: Executor, locationId: string): Promise<void> {
    const id = newId();
    await locations.insertLocationSecret(tx, locationId, {
      id,
      sealed: box.seal(generateKeySecret(), SECRET_CONTEXT.locationSecret(id)),
      createdAt: now().toISOString(),
    });
  }

  async function secretsOf(tx: Executor, locationId: string): Promise<LocationSecret[]> {
    return revealLocationSecrets(box, await locations.listLocationSecrets(tx, locationId));
  }

  async function get(id: string): Promise<Location> {
    const location = await locations.findLocation(db, id);
    if (location === undefined) throw notFound('location', id);
    return location;
  }

  /** A location whose deepest level would be `level` cannot be placed there. */
  function refuseTooDeep(level: number, what: string): void {
    const max = limits.maxLocationDepth;
    if (level > max) {
      throw invalid(
        `${what}: locations nest at most ${max} levels (${limitFlag('maxLocationDepth')}), and this would reach level ${level}`,
      );
    }
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
          const parentScope = await locations.locationScope(tx, parentLocationId);
          refuseTooDeep((parentScope?.locationIds.length ?? 0) + 1, `cannot create a location under ${parentLocationId}`);
        }
        refuseOverQuota(
          limits,
          'maxLocationsPerOrganization',
          await locations.countLocationsOfOrganization(tx, organizationId),
          `organization ${organizationId}`,
          'locations',
        );
        await locations.insertLocation(tx, {
          id,
          name,
          parentLocationId: parentLocationId ?? null,
          organizationId,
          region: DEFAULT_REGION,
          createdAt: now().toISOString(),
        });
        // Every location has a secret from the start, as in Viam: its machines can authenticate with it.
        await insertSecret(tx, id);
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
          refuseTooDeep(
            parentScope.locationIds.length + (await locations.subtreeHeight(tx, id)),
            `cannot move location ${id} under ${parentId}`,
          );
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

    /**
     * Shares the location (and what lies below it) with another organization, whose members then see it
     * according to their roles there. Sharing again is a no-op.
     */
    async share(locationId: string, organizationId: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const location = await locations.findLocation(tx, locationId);
        if (location === undefined) throw notFound('location', locationId);
        await organizations.lockOrganization(tx, location.primaryOrganizationId);
        if ((await organizations.findOrganization(tx, organizationId)) === undefined) throw notFound('organization', organizationId);
        await locations.shareLocation(tx, locationId, organizationId, now().toISOString());
      });
    },

    /**
     * Stops sharing: the location is no longer the other organization's, and the roles that organization
     * filed on it, on locations below it or on their machines go too (they would still reach them).
     */
    async unshare(locationId: string, organizationId: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const location = await locations.findLocation(tx, locationId);
        if (location === undefined) throw notFound('location', locationId);
        if (location.primaryOrganizationId === organizationId) {
          throw failedPrecondition(
            `organization ${organizationId} owns location ${locationId} and cannot be unshared from it; delete or move the location instead`,
          );
        }
        await organizations.lockOrganization(tx, location.primaryOrganizationId);
        if (!(await locations.unshareLocation(tx, locationId, organizationId))) {
          throw notFound(`sharing of location ${locationId} with organization`, organizationId);
        }
        const below = await locations.subtreeIds(tx, locationId);
        const machines = (await robots.listRobotsInLocations(tx, below)).map((r) => r.id);
        await authorizations.deleteAuthorizationsOfOrganizationOn(tx, organizationId, [...below, ...machines]);
      });
    },

    /** The location's secrets (LocationAuth), oldest first. */
    async auth(locationId: string): Promise<LocationSecret[]> {
      await get(locationId);
      return secretsOf(db, locationId);
    },

    async createSecret(locationId: string): Promise<LocationSecret[]> {
      return db.transaction().execute(async (tx) => {
        const location = await locations.findLocation(tx, locationId);
        if (location === undefined) throw notFound('location', locationId);
        await organizations.lockOrganization(tx, location.primaryOrganizationId);
        if ((await locations.listLocationSecrets(tx, locationId)).length >= MAX_LOCATION_SECRETS) {
          throw failedPrecondition(
            `location ${locationId} already has ${MAX_LOCATION_SECRETS} secrets; delete the old one before creating another`,
          );
        }
        await insertSecret(tx, locationId);
        return secretsOf(tx, locationId);
      });
    },

    async deleteSecret(locationId: string, secretId: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const location = await locations.findLocation(tx, locationId);
        if (location === undefined) throw notFound('location', locationId);
        await organizations.lockOrganization(tx, location.primaryOrganizationId);
        const secrets = await locations.listLocationSecrets(tx, locationId);
        if (!secrets.some((s) => s.id === secretId)) throw notFound(`secret of location ${locationId}`, secretId);
        if (secrets.length === 1) {
          throw failedPrecondition(`secret ${secretId} is the last secret of location ${locationId}; create a new one first`);
        }
        await locations.deleteLocationSecret(tx, locationId, secretId);
      });
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

/**
 * The locations of an organization's full list that the actor may read, in the list's order, with no
 * queries and one policy check per location (see domain/tree.ts for why one pass is enough).
 */
export function visibleLocations(actor: Actor, all: readonly Location[]): Location[] {
  return visibleInTree(all, (l) =>
    can(actor, 'location.read', { kind: 'location', locationIds: [l.id], organizationIds: l.organizations.map((o) => o.organizationId) }),
  );
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
