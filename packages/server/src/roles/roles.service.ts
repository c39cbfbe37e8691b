import {
  alreadyExists,
  DomainError,
  authorizationIdOf,
  failedPrecondition,
  invalid,
  notFound,
  parseAuthorization,
  parseEnum,
  parseId,
  PERMISSIONS,
  RESOURCE_TYPES,
  IDENTITY_TYPES,
  type Actor,
  type Authorization,
  type AuthorizationInput,
  type IdentityType,
  type ResourceType,
} from '@hangar/domain';
import { apiKeys, authorizations, locations, organizations, users, type Database, type Executor } from '@hangar/store';
import { targetOfResource, type Access } from '../rpc/access.js';
import { limitFlag, type Limits } from '../settings.js';

export interface RolesDeps {
  readonly db: Database;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly access: Access;
  readonly limits: Limits;
}

/** An Authorization as AddRole/RemoveRole/ChangeRole carry it, with the identity it is for. */
export interface RoleInput extends AuthorizationInput {
  readonly identityId: string;
  /** Clients may leave it empty; the server works out whether the id is a user or an API key. */
  readonly identityType: string;
}

export interface PermissionQuestion {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly permissions: readonly string[];
}

export interface PermissionAnswer {
  readonly resourceType: ResourceType;
  readonly resourceId: string;
  readonly permissions: string[];
}

export function createRolesService({ db, now, newId, access, limits }: RolesDeps) {
  /**
   * Parses a role and checks its identity may hold it. A role goes only to a user who is already a member
   * of the organization (anyone else is invited, with their consent) or to one of the organization's own
   * keys. Every other identity, existing or not, gets the same NOT_FOUND, so the call reveals nothing
   * about users and keys of other tenants.
   */
  async function resolve(tx: Executor, input: RoleInput, field: string, granting: boolean): Promise<Authorization> {
    const grant = parseAuthorization(input, field);
    const identityId = parseId(`${field}.identity_id`, input.identityId);
    const declared =
      input.identityType === '' ? undefined : parseEnum<IdentityType>(`${field}.identity_type`, input.identityType, IDENTITY_TYPES);
    const noun = declared === undefined ? 'user or API key' : declared === 'user' ? 'user' : 'API key';
    const notHere = () =>
      new DomainError(
        'not_found',
        `no ${noun} ${identityId} in organization ${grant.organizationId}: roles go to its members and its own API keys; invite anyone else (create_organization_invite)`,
      );
    if (declared !== 'api-key' && (await users.findUser(tx, identityId)) !== undefined) {
      const isMember = (await authorizations.listOrganizationIdsOfIdentity(tx, identityId)).includes(grant.organizationId);
      if (granting && !isMember) throw notHere();
      return { ...grant, identityType: 'user', identityId };
    }
    const key = declared === 'user' ? undefined : await apiKeys.findApiKey(tx, identityId);
    // A role left behind by an identity that no longer exists can still be revoked, and so can one a key
    // of another organization holds here (an organization created with a key is owned by that key).
    if (!granting) return { ...grant, identityType: key !== undefined ? 'api-key' : (declared ?? 'api-key'), identityId };
    if (key?.organizationId !== grant.organizationId) throw notHere();
    return { ...grant, identityType: 'api-key', identityId };
  }

  async function refuseLastOwner(tx: Executor, a: Authorization): Promise<void> {
    if (a.resourceType === 'organization' && a.role === 'owner') await refuseRemovingLastOwner(tx, a.organizationId);
  }

  async function insert(tx: Executor, a: Authorization): Promise<void> {
    // The method table saw the resource; a concurrent delete may have removed it since.
    if (!(await resourceExists(tx, a.resourceType, a.resourceId)))
      throw notFound(a.resourceType === 'robot' ? 'machine' : a.resourceType, a.resourceId);
    if (await authorizations.authorizationExists(tx, a)) {
      throw alreadyExists(`${a.identityType} ${a.identityId} already holds ${authorizationIdOf(a)} on ${a.resourceType} ${a.resourceId}`);
    }
    await authorizations.insertAuthorizations(tx, [{ ...a, id: newId(), createdAt: now().toISOString() }]);
  }

  async function remove(tx: Executor, a: Authorization): Promise<void> {
    if (!(await authorizations.authorizationExists(tx, a))) {
      throw notFound(`role ${authorizationIdOf(a)} on ${a.resourceType} ${a.resourceId} of identity`, a.identityId);
    }
    await refuseLastOwner(tx, a);
    await authorizations.deleteAuthorization(tx, a);
  }

  return {
    add(input: RoleInput): Promise<void> {
      return db.transaction().execute(async (tx) => {
        const role = await resolve(tx, input, 'authorization', true);
        await organizations.lockOrganization(tx, role.organizationId);
        await insert(tx, role);
      });
    },

    remove(input: RoleInput): Promise<void> {
      return db.transaction().execute(async (tx) => {
        const role = await resolve(tx, input, 'authorization', false);
        // Two owners removing each other at once must not both pass the last-owner check.
        await organizations.lockOrganization(tx, role.organizationId);
        await remove(tx, role);
      });
    },

    /** Replaces one role with another atomically; the last owner may only be changed into another owner. */
    change(oldInput: RoleInput, newInput: RoleInput): Promise<void> {
      return db.transaction().execute(async (tx) => {
        const before = await resolve(tx, oldInput, 'old_authorization', false);
        const after = await resolve(tx, newInput, 'new_authorization', true);
        if (before.organizationId !== after.organizationId)
          throw invalid('old_authorization and new_authorization must be in the same organization');
        await organizations.lockOrganization(tx, before.organizationId);
        const stillOwner = after.resourceType === 'organization' && after.role === 'owner';
        if (!stillOwner) await remove(tx, before);
        else {
          if (!(await authorizations.authorizationExists(tx, before))) {
            throw notFound(
              `role ${authorizationIdOf(before)} on ${before.resourceType} ${before.resourceId} of identity`,
              before.identityId,
            );
          }
          await authorizations.deleteAuthorization(tx, before);
        }
        await insert(tx, after);
      });
    },

    /** Every role in the organization, or only those on the given resources. */
    async list(organizationId: string, resourceIds: readonly string[]): Promise<Authorization[]> {
      if (resourceIds.length > limits.maxIdsPerRequest) {
        throw invalid(
          `resource_ids may list at most ${limits.maxIdsPerRequest} ids (${limitFlag('maxIdsPerRequest')}), got ${resourceIds.length}`,
        );
      }
      if (resourceIds.length === 0) return authorizations.listAuthorizationsOfOrganization(db, organizationId);
      const ids = resourceIds.map((id, i) => parseId(`resource_ids[${i}]`, id));
      return authorizations.listAuthorizationsOnResources(db, organizationId, ids);
    },

    /** Returns each question with only the permissions the caller holds; unknown names are never held. */
    async check(actor: Actor, questions: readonly PermissionQuestion[]): Promise<PermissionAnswer[]> {
      if (questions.length === 0) throw invalid('permissions must ask about at least one resource');
      if (questions.length > limits.maxPermissionChecks) {
        throw invalid(
          `permissions may ask about at most ${limits.maxPermissionChecks} resources (${limitFlag('maxPermissionChecks')}), got ${questions.length}`,
        );
      }
      const answers: PermissionAnswer[] = [];
      for (const [i, q] of questions.entries()) {
        const resourceType = parseEnum<ResourceType>(`permissions[${i}].resource_type`, q.resourceType, RESOURCE_TYPES);
        const resourceId = parseId(`permissions[${i}].resource_id`, q.resourceId);
        const target = targetOfResource(resourceType, resourceId);
        const asked = q.permissions.flatMap((p) => (PERMISSIONS[p] === undefined ? [] : [PERMISSIONS[p]]));
        const granted = await access.allowed(actor, asked, target);
        const held = q.permissions.filter((p) => {
          const action = PERMISSIONS[p];
          return action !== undefined && granted.has(action);
        });
        answers.push({ resourceType, resourceId, permissions: held });
      }
      return answers;
    },
  };
}

export type RolesService = ReturnType<typeof createRolesService>;

/** Refuses when the organization has at most one owner left; callers hold the organization's lock. */
export async function refuseRemovingLastOwner(tx: Executor, organizationId: string): Promise<void> {
  if ((await authorizations.countOrganizationOwners(tx, organizationId)) <= 1) {
    throw failedPrecondition(`cannot remove the last owner of organization ${organizationId}; make someone else an owner first`);
  }
}

async function resourceExists(tx: Executor, type: ResourceType, id: string): Promise<boolean> {
  switch (type) {
    case 'organization':
      return (await organizations.findOrganization(tx, id)) !== undefined;
    case 'location':
      return (await locations.findLocation(tx, id)) !== undefined;
    case 'robot':
      return (await locations.robotScope(tx, id)) !== undefined;
  }
}
