import {
  identityOf,
  alreadyExists,
  failedPrecondition,
  invalid,
  memberOrganizationIds,
  notFound,
  parseName,
  parseNamespace,
  truncate,
  type Actor,
  type Organization,
} from '@hangar/domain';
import {
  apiKeys,
  authorizations,
  isUniqueViolation,
  locations,
  organizations,
  registry,
  type Database,
  type Executor,
} from '@hangar/store';
import { refuseOverQuota } from '../quotas.js';
import type { Limits } from '../settings.js';

export interface OrganizationsDeps {
  readonly db: Database;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly limits: Limits;
  /** Deletes those of these blobs nothing points at any more (the organization's files, once it is gone). */
  readonly collectBlobs: (sha256s: readonly string[]) => Promise<void>;
}

export const DEFAULT_REGION = 'local';

export interface OrganizationUpdate {
  readonly name?: string;
  readonly publicNamespace?: string;
  readonly region?: string;
  readonly cid?: string;
}

const REGION = /^[a-z0-9][a-z0-9-]{0,31}$/;

export function createOrganizationsService({ db, now, newId, limits, collectBlobs }: OrganizationsDeps) {
  async function get(id: string): Promise<Organization> {
    const org = await organizations.findOrganization(db, id);
    if (org === undefined) throw notFound('organization', id);
    return org;
  }

  async function isNamespaceFree(tx: Executor, namespace: string, exceptOrganization?: string): Promise<boolean> {
    const holder = await organizations.findOrganizationByNamespace(tx, namespace);
    return holder === undefined || holder.id === exceptOrganization;
  }

  return {
    get,

    /**
     * The caller becomes the owner of the new organization, whether it is a user or an API key (the method
     * table lets only keys that own their own organization do this). It counts against the user
     * accountable for the caller: the user itself, or whoever is accountable for the key's organization,
     * so keys creating organizations whose keys create more cannot escape the quota.
     */
    async create(actor: Actor, rawName: string): Promise<Organization> {
      const name = parseName('name', rawName);
      const at = now().toISOString();
      const org: Organization = { id: newId(), name, publicNamespace: null, defaultRegion: DEFAULT_REGION, cid: null, createdAt: at };
      await db.transaction().execute(async (tx) => {
        const quotaOwner = actor.kind === 'user' ? actor.id : await organizations.quotaOwnerOf(tx, actor.organizationId ?? '');
        await organizations.lockQuotaOwner(tx, quotaOwner);
        const holder =
          quotaOwner === actor.id
            ? `${actor.kind === 'user' ? 'user' : 'API key'} ${actor.id}`
            : `user ${quotaOwner}, accountable for API key ${actor.id},`;
        refuseOverQuota(
          limits,
          'maxOrganizationsPerIdentity',
          await organizations.countOrganizationsOfQuotaOwner(tx, quotaOwner),
          holder,
          'organizations',
        );
        await organizations.insertOrganization(tx, org, quotaOwner);
        await authorizations.insertAuthorizations(tx, [
          {
            id: newId(),
            organizationId: org.id,
            identityType: identityOf(actor).type,
            identityId: actor.id,
            role: 'owner',
            resourceType: 'organization',
            resourceId: org.id,
            createdAt: at,
          },
        ]);
      });
      return org;
    },

    /** Organizations in which the caller holds any role, oldest first. */
    list(actor: Actor): Promise<Organization[]> {
      return organizations.listOrganizations(db, memberOrganizationIds(actor));
    },

    async isNamespaceAvailable(raw: string): Promise<boolean> {
      return isNamespaceFree(db, parseNamespace(raw));
    },

    async update(id: string, changes: OrganizationUpdate): Promise<Organization> {
      const name = changes.name === undefined ? undefined : parseName('name', changes.name);
      const namespace = changes.publicNamespace === undefined ? undefined : parseNamespace(changes.publicNamespace);
      if (changes.region !== undefined && !REGION.test(changes.region)) {
        throw invalid(
          `region must be 1–32 lowercase letters, digits or dashes (e.g. "us-east1"), got ${JSON.stringify(truncate(changes.region))}`,
        );
      }
      if (changes.cid !== undefined && changes.cid.length > 128)
        throw invalid(`cid must be at most 128 characters, got ${changes.cid.length}`);
      try {
        await db.transaction().execute(async (tx) => {
          const current = await organizations.findOrganization(tx, id);
          if (current === undefined) throw notFound('organization', id);
          if (namespace !== undefined && current.publicNamespace !== null && current.publicNamespace !== namespace) {
            throw failedPrecondition(
              `organization ${id} already has the public namespace ${JSON.stringify(current.publicNamespace)}; a namespace cannot be changed once set`,
            );
          }
          if (namespace !== undefined && !(await isNamespaceFree(tx, namespace, id))) throw namespaceTaken(namespace);
          await organizations.updateOrganization(tx, id, {
            ...(name !== undefined && { name }),
            ...(namespace !== undefined && { publicNamespace: namespace }),
            ...(changes.region !== undefined && { defaultRegion: changes.region }),
            ...(changes.cid !== undefined && { cid: changes.cid }),
          });
        });
      } catch (err) {
        // Two organizations claiming the same namespace at once: the unique index decides.
        if (namespace !== undefined && isUniqueViolation(err)) throw namespaceTaken(namespace);
        throw err;
      }
      return get(id);
    },

    /**
     * Deletes the organization with its locations, machines, keys and roles, in one transaction. Its keys
     * go with it; an organization one of them alone owned passes to the caller, so it is never left
     * without an owner.
     */
    async delete(actor: Actor, id: string): Promise<void> {
      const blobs = await db.transaction().execute(async (tx) => {
        await organizations.lockOrganization(tx, id);
        const keyIds = (await apiKeys.listApiKeys(tx, id)).map((k) => k.id);
        await takeOverOrphans(tx, actor, keyIds, id, newId, now);
        // Roles other organizations hold on its locations and machines (through sharing) go with them.
        await authorizations.deleteAuthorizationsOnResourcesOfOrganization(tx, id);
        // The organization's keys go with it (foreign key), and so must the roles they hold elsewhere.
        await authorizations.deleteAuthorizationsOfOrganizationKeys(tx, id);
        await locations.unlinkLocationsOfOrganization(tx, id);
        // Its files' rows go with it (foreign keys); their bytes are collected once it is gone.
        const sha256s = await registry.blobsOfOrganization(tx, id);
        await organizations.deleteOrganization(tx, id);
        return sha256s;
      });
      await collectBlobs(blobs);
    },
  };
}

export type OrganizationsService = ReturnType<typeof createOrganizationsService>;

/**
 * Before the given API keys are deleted (with `exceptOrganization`, if they go with it): every other
 * organization that one of them alone owns gets the caller as its owner instead, so deleting a key never
 * strands an organization. A caller that is itself among the keys going cannot take anything over.
 */
export async function takeOverOrphans(
  tx: Executor,
  actor: Actor,
  keyIds: readonly string[],
  exceptOrganization: string | undefined,
  newId: () => string,
  now: () => Date,
): Promise<void> {
  const owned = (await authorizations.listAuthorizationsOfIdentities(tx, keyIds)).filter(
    (g) => g.resourceType === 'organization' && g.role === 'owner' && g.organizationId !== exceptOrganization,
  );
  for (const g of owned) {
    await organizations.lockOrganization(tx, g.organizationId);
    const owners = await authorizations.listOrganizationOwnerIds(tx, g.organizationId);
    if (owners.some((o) => !keyIds.includes(o))) continue;
    if (keyIds.includes(actor.id)) {
      throw failedPrecondition(
        `API key ${g.identityId} is the last owner of organization ${g.organizationId} and would be deleted by its own call; make someone else an owner of ${g.organizationId} first, or delete it as another owner`,
      );
    }
    await authorizations.insertAuthorizations(tx, [
      {
        id: newId(),
        organizationId: g.organizationId,
        identityType: identityOf(actor).type,
        identityId: actor.id,
        role: 'owner',
        resourceType: 'organization',
        resourceId: g.organizationId,
        createdAt: now().toISOString(),
      },
    ]);
  }
}

function namespaceTaken(namespace: string) {
  return alreadyExists(`public namespace ${JSON.stringify(namespace)} is taken; choose another`);
}
