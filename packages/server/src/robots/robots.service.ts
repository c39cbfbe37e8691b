import {
  alreadyExists,
  invalid,
  MACHINE_NAME_MAX,
  mainPartName,
  notFound,
  type Actor,
  parseName,
  type Page,
  type Location,
  type Robot,
  encodePageToken,
} from '@hangar/domain';
import { authorizations, isUniqueViolation, locations, organizations, parts, robots, type Database, type Executor } from '@hangar/store';
import { generateKeySecret } from '../auth/secrets.js';
import { newPartSecret, type SecretBox } from '../crypto/secret-box.js';
import { visibleLocations } from '../locations/locations.service.js';
import { refuseOverQuota } from '../quotas.js';
import type { PageRequest } from '../rpc/paging.js';
import type { Limits } from '../settings.js';

export interface RobotsDeps {
  readonly db: Database;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly limits: Limits;
  readonly box: SecretBox;
}

export function createRobotsService({ db, now, newId, limits, box }: RobotsDeps) {
  async function get(id: string): Promise<Robot> {
    const robot = await robots.findRobot(db, id);
    if (robot === undefined) throw notFound('machine', id);
    return robot;
  }

  const nameTaken = (name: string, locationId: string) =>
    alreadyExists(
      `a machine named ${JSON.stringify(name)} (or a part named ${JSON.stringify(mainPartName(name))}) already exists in location ${locationId}; choose another name`,
    );

  /**
   * Roles on a machine are filed under its organization; moving it into another organization would leave
   * them behind, reaching a machine that organization's owners cannot see or revoke.
   */
  async function refuseMoveAcrossOrganizations(tx: Executor, from: string, to: string): Promise<void> {
    const source = await locations.findLocation(tx, from);
    const target = await locations.findLocation(tx, to);
    if (target === undefined) throw notFound('location', to);
    if (source !== undefined && !target.organizations.some((o) => o.organizationId === source.primaryOrganizationId)) {
      throw invalid(
        `location ${to} is not in organization ${source.primaryOrganizationId}; machines move only between locations of their organization`,
      );
    }
  }

  /**
   * Takes the lock of the organization owning a location (see organizations.lockOrganization), so a
   * machine cannot be created in or moved into a location that a concurrent DeleteLocation has found empty.
   */
  async function lockLocationTree(tx: Executor, locationId: string): Promise<string> {
    const organizationId = await locations.primaryOrganizationOf(tx, locationId);
    if (organizationId === undefined) throw notFound('location', locationId);
    await organizations.lockOrganization(tx, organizationId);
    if ((await locations.primaryOrganizationOf(tx, locationId)) === undefined) throw notFound('location', locationId);
    return organizationId;
  }

  return {
    get,

    /** A location's machines by name; one page when asked for, else all of them. */
    async list(locationId: string, page: PageRequest | undefined): Promise<Page<Robot>> {
      const { robots: items, more } = await robots.listRobots(db, locationId, page && { limit: page.limit, after: page.cursor });
      const last = items.at(-1);
      return { items, nextPageToken: more && last !== undefined ? encodePageToken({ key: last.name, id: last.id }) : '' };
    },

    /**
     * The organization's machines the caller can see: those in locations it can read, and those it holds
     * a role on directly (a machine key sees its own machine).
     */
    async listForOrganization(
      actor: Actor,
      organizationId: string,
      // The organization's locations, when the caller has them already.
      known?: readonly Location[],
    ): Promise<Robot[]> {
      const all = known ?? (await locations.listLocationsOfOrganization(db, organizationId));
      const inLocations = await robots.listRobotsInLocations(
        db,
        visibleLocations(actor, all).map((l) => l.id),
      );
      const seen = new Set(inLocations.map((r) => r.id));
      const orgLocations = new Set(all.map((l) => l.id));
      const granted = actor.grants.filter(
        (g) => g.resourceType === 'robot' && g.organizationId === organizationId && !seen.has(g.resourceId),
      );
      const direct = (
        await robots.listRobotsByIds(
          db,
          granted.map((g) => g.resourceId),
        )
      ).filter((r) => orgLocations.has(r.locationId));
      return [...inLocations, ...direct].sort((a, b) => (a.name === b.name ? (a.id < b.id ? -1 : 1) : a.name < b.name ? -1 : 1));
    },

    /** Every machine in the given locations (each checked by the method table). */
    listInLocations(locationIds: readonly string[]): Promise<Robot[]> {
      return robots.listRobotsInLocations(db, locationIds);
    },

    /** A new machine with its main part, `<name>-main`, holding one secret. */
    async create(locationId: string, rawName: string): Promise<string> {
      const name = parseName('name', rawName, MACHINE_NAME_MAX);
      const id = newId();
      const at = now().toISOString();
      try {
        await db.transaction().execute(async (tx) => {
          const organizationId = await lockLocationTree(tx, locationId);
          refuseOverQuota(
            limits,
            'maxMachinesPerOrganization',
            await robots.countRobotsOfOrganization(tx, organizationId),
            `organization ${organizationId}`,
            'machines',
          );
          if ((await robots.findRobotByName(tx, locationId, name)) !== undefined) throw nameTaken(name, locationId);
          await robots.insertRobot(tx, { id, name, locationId, createdAt: at });
          await parts.insertPart(
            tx,
            { id: newId(), robotId: id, locationId, name: mainPartName(name), isMain: true, config: {}, createdAt: at },
            newPartSecret(box, newId(), at, generateKeySecret()),
          );
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken(name, locationId);
        throw err;
      }
      return id;
    },

    /** Renames a machine and, when given another location, moves it there with its parts. */
    async update(id: string, rawName: string, locationId: string | undefined): Promise<Robot> {
      const name = parseName('name', rawName, MACHINE_NAME_MAX);
      try {
        await db.transaction().execute(async (tx) => {
          const current = await robots.findRobot(tx, id);
          if (current === undefined) throw notFound('machine', id);
          const target = locationId ?? current.locationId;
          await lockLocationTree(tx, target);
          if (target !== current.locationId) await refuseMoveAcrossOrganizations(tx, current.locationId, target);
          if (name !== current.name || target !== current.locationId) {
            const clash = await robots.findRobotByName(tx, target, name);
            if (clash !== undefined && clash.id !== id) throw nameTaken(name, target);
          }
          await robots.updateRobot(tx, id, { name, ...(target !== current.locationId && { locationId: target }) });
        });
      } catch (err) {
        if (isUniqueViolation(err))
          throw alreadyExists(`a part of machine ${id} has the same name as a part already in the target location; rename it first`);
        throw err;
      }
      return get(id);
    },

    /** Deletes the machine, its parts, their secrets and history, and every role on it, atomically. */
    async delete(id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const robot = await robots.findRobot(tx, id);
        if (robot === undefined) throw notFound('machine', id);
        // Serialized with AddRole, so no role can be filed on the machine as it goes.
        await lockLocationTree(tx, robot.locationId);
        await authorizations.deleteAuthorizationsOnResources(tx, [id]);
        await robots.deleteRobot(tx, id);
      });
    },
  };
}

export type RobotsService = ReturnType<typeof createRobotsService>;
