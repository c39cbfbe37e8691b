/**
 * Turns a request's target into its place in the hierarchy and asks the policy. The only code that
 * decides between NOT_FOUND and PERMISSION_DENIED.
 */
import {
  ADMIN_ACTION,
  can,
  DomainError,
  invalid,
  notFound,
  organizationScope,
  permissionDenied,
  READ_ACTION,
  type Action,
  type Actor,
  type ResourceType,
  type Scope,
} from '@hangar/domain';
import { apiKeys, authorizations, data, fragments, locations, registry, type Executor } from '@hangar/store';
import { parseRegistryItemId } from '@hangar/domain';

export type Target =
  | { readonly organization: string }
  | { readonly location: string }
  | { readonly robot: string }
  /** A machine part: authorized as the machine it belongs to, reported as a part when missing. */
  | { readonly part: string }
  /** An API key: managing it needs admin rights on every resource it holds a role on. */
  | { readonly apiKey: string }
  /** The organization that owns a location (checked as that organization; NOT_FOUND if the location is missing). */
  | { readonly organizationOfLocation: string }
  /** A fragment: checked as its organization, readable by every caller when public or unlisted. */
  | { readonly fragment: string }
  /**
   * A registry item by its id (`<namespace or organization id>:<name>`, or `/` for packages): checked as
   * its organization, readable by every caller when public or unlisted, and by the organization's machines.
   */
  | { readonly registryItem: string; readonly field: string; readonly noun?: 'package' }
  /** A dataset: checked as its organization; NOT_FOUND when missing or not visible. */
  | { readonly dataset: string };

type ResourceTarget = Exclude<
  Target,
  { apiKey: string } | { organizationOfLocation: string } | { fragment: string } | { registryItem: string } | { dataset: string }
>;

export interface Check {
  readonly action: Action;
  readonly target: Target;
  /** When set, the target must belong to this organization (INVALID_ARGUMENT otherwise). */
  readonly inOrganization?: string;
}

function describe(target: ResourceTarget): { type: ResourceType; noun: string; id: string } {
  if ('organization' in target) return { type: 'organization', noun: 'organization', id: target.organization };
  if ('location' in target) return { type: 'location', noun: 'location', id: target.location };
  if ('robot' in target) return { type: 'robot', noun: 'machine', id: target.robot };
  return { type: 'robot', noun: 'machine part', id: target.part };
}

export function createAccess(db: Executor) {
  /** The scope of an existing target, or undefined if it does not exist. */
  async function scopeOf(target: ResourceTarget): Promise<Scope | undefined> {
    // An organization needs no lookup: a caller can only see it through a role in it, and roles are
    // deleted with their organization, so "no role" answers NOT_FOUND whether it exists or not.
    if ('organization' in target) return organizationScope(target.organization);
    if ('location' in target) return locations.locationScope(db, target.location);
    if ('robot' in target) return locations.robotScope(db, target.robot);
    return locations.partScope(db, target.part);
  }

  /**
   * Throws NOT_FOUND for what the actor cannot see and PERMISSION_DENIED for what it sees but may not do.
   * Returns the scopes it resolved, in the checks' order (key checks leave none), so a handler can ask
   * further questions about the same target without looking it up again.
   */
  async function authorize(actor: Actor, checks: readonly Check[]): Promise<Scope[]> {
    const scopes: Scope[] = [];
    for (const check of checks) {
      if ('apiKey' in check.target) {
        await authorizeKeyManagement(actor, check.target.apiKey);
        continue;
      }
      if ('fragment' in check.target) {
        scopes.push(await authorizeFragment(actor, check.action, check.target.fragment));
        continue;
      }
      if ('dataset' in check.target) {
        scopes.push(await authorizeDataset(actor, check.action, check.target.dataset));
        continue;
      }
      if ('registryItem' in check.target) {
        const { registryItem, field, noun } = check.target;
        scopes.push(await authorizeRegistryItem(actor, check.action, registryItem, field, noun));
        continue;
      }
      const target = await resolveTarget(check.target);
      const { type, noun, id } = describe(target);
      const scope = await scopeOf(target);
      if (scope === undefined || !can(actor, READ_ACTION[type], scope)) throw notFound(noun, id);
      if (check.inOrganization !== undefined && !scope.organizationIds.includes(check.inOrganization)) {
        throw invalid(`${noun} ${id} does not belong to organization ${check.inOrganization}`);
      }
      if (!can(actor, check.action, scope)) {
        throw permissionDenied(`${describeActor(actor)} may not ${ACTION_TEXT[check.action]} ${noun} ${id}`);
      }
      scopes.push(scope);
    }
    return scopes;
  }

  /** NOT_FOUND unless the caller may read the fragment; PERMISSION_DENIED unless its organization lets it act. */
  async function authorizeFragment(actor: Actor, action: Action, id: string): Promise<Scope> {
    const found = await fragments.findFragmentOwner(db, id);
    const scope = found && organizationScope(found.organizationId);
    if (scope === undefined || found === undefined || !(found.visibility !== 'private' || can(actor, 'org.read', scope))) {
      throw notFound('fragment', id);
    }
    if (action !== 'org.read' && !can(actor, action, scope)) {
      throw permissionDenied(
        `${describeActor(actor)} may not ${ACTION_TEXT[action]} fragment ${id}: it belongs to organization ${found.organizationId}`,
      );
    }
    return scope;
  }

  /**
   * NOT_FOUND unless the caller may see the item (public and unlisted ones are for every caller; private
   * ones for the organization's members and machines); PERMISSION_DENIED unless its organization lets it act.
   * The scope carries the item's organization; the handler looks the item up again by the same id.
   */
  async function authorizeRegistryItem(actor: Actor, action: Action, itemId: string, field: string, noun?: 'package'): Promise<Scope> {
    const ref = parseRegistryItemId(field, itemId);
    const found = await registry.findItemByRef(db, ref.prefix, ref.name);
    const scope = found && organizationScope(found.organizationId);
    const visible =
      scope !== undefined &&
      found !== undefined &&
      (found.visibility !== PRIVATE_VISIBILITY || can(actor, 'org.read', scope) || (await machineOf(actor, found.organizationId)));
    if (!visible) {
      throw noun === 'package'
        ? new DomainError('not_found', `package not found: ${JSON.stringify(itemId)}`)
        : notFound('registry item', itemId);
    }
    if (action !== 'org.read' && !can(actor, action, scope)) {
      throw permissionDenied(
        `${describeActor(actor)} may not ${ACTION_TEXT[action]} registry item ${itemId}: it belongs to organization ${found.organizationId}`,
      );
    }
    return scope;
  }

  /** NOT_FOUND unless the caller may read the dataset's organization; PERMISSION_DENIED unless it may act there. */
  async function authorizeDataset(actor: Actor, action: Action, id: string): Promise<Scope> {
    const found = await data.findDataset(db, id);
    const scope = found && organizationScope(found.organization_id);
    if (scope === undefined || found === undefined || !can(actor, 'org.read', scope)) throw notFound('dataset', id);
    if (!can(actor, action, scope)) {
      throw permissionDenied(
        `${describeActor(actor)} may not ${ACTION_TEXT[action]} dataset ${id} of organization ${found.organization_id}`,
      );
    }
    return scope;
  }

  /** Whether the actor is a machine part whose machine belongs to (or was shared with) the organization. */
  async function machineOf(actor: Actor, organizationId: string): Promise<boolean> {
    if (actor.kind !== 'machine') return false;
    const scope = await locations.partScope(db, actor.id);
    return scope?.organizationIds.includes(organizationId) ?? false;
  }

  async function resolveTarget(
    target: Exclude<Target, { apiKey: string } | { fragment: string } | { registryItem: string } | { dataset: string }>,
  ): Promise<ResourceTarget> {
    if (!('organizationOfLocation' in target)) return target;
    const organization = await locations.primaryOrganizationOf(db, target.organizationOfLocation);
    if (organization === undefined) throw notFound('location', target.organizationOfLocation);
    return { organization };
  }

  /**
   * A key is visible to members of its organization. Its organization's owners may always manage it (so a
   * key can never escape them by owning something they do not); anyone else needs admin rights on every
   * resource it holds a role on.
   */
  async function authorizeKeyManagement(actor: Actor, keyId: string): Promise<void> {
    const key = await apiKeys.findApiKey(db, keyId);
    if (key === undefined || !can(actor, 'org.read', organizationScope(key.organizationId))) throw notFound('API key', keyId);
    if (can(actor, 'org.admin', organizationScope(key.organizationId))) return;
    const grants = await authorizations.listGrants(db, keyId);
    const targets: ResourceTarget[] =
      grants.length === 0 ? [{ organization: key.organizationId }] : grants.map((g) => targetOfResource(g.resourceType, g.resourceId));
    for (const target of targets) {
      const { type, noun, id } = describe(target);
      const scope = await scopeOf(target);
      // A role on a resource that no longer exists grants nothing and needs no rights to revoke.
      if (scope === undefined) continue;
      if (!can(actor, ADMIN_ACTION[type], scope)) {
        throw permissionDenied(`API key ${keyId} holds a role on ${noun} ${id}, which ${describeActor(actor)} may not administer`);
      }
    }
  }

  /** Which of `actions` the actor may do on the target; none (never NOT_FOUND) for what it cannot see. */
  async function allowed(actor: Actor, actions: readonly Action[], target: ResourceTarget): Promise<Set<Action>> {
    const { type } = describe(target);
    const scope = await scopeOf(target);
    if (scope === undefined || !can(actor, READ_ACTION[type], scope)) return new Set();
    return new Set(actions.filter((action) => can(actor, action, scope)));
  }

  /**
   * Creating an organization: any user, and an API key only if it administers its own organization, so a
   * machine's or a location's key cannot mint organizations (and owners) of its own.
   */
  function authorizeHomeOrganizationAdmin(actor: Actor): void {
    if (actor.kind === 'user') return;
    const home = actor.organizationId;
    if (home === undefined || !can(actor, 'org.admin', organizationScope(home))) {
      throw permissionDenied(
        `${describeActor(actor)} may not create organizations: only users and API keys that own their own organization may`,
      );
    }
  }

  return { scopeOf, authorize, allowed, authorizeHomeOrganizationAdmin, machineOf };
}

export type Access = ReturnType<typeof createAccess>;

/** viam.app.v1.Visibility's PRIVATE, as registry items store it. */
const PRIVATE_VISIBILITY = 1;

const ACTION_TEXT: Record<Action, string> = {
  'org.read': 'read',
  'org.admin': 'administer',
  'location.read': 'read',
  'location.admin': 'administer',
  'robot.read': 'read machines of',
  'robot.write': 'change machines of',
  'robot.operate': 'operate machines of',
  'logs.read': 'read machine logs of',
  'logs.write': 'write machine logs of',
  'data.read': 'read the data of',
  'data.write': 'upload data for',
  'data.admin': 'manage the data of',
  'machine.self': 'act as the machine of',
};

const ACTOR_NOUN = { user: 'user', 'api-key': 'API key', machine: 'machine part' } as const;

/** "user …", "API key …" or "machine part …", for messages. */
export const describeActor = (actor: Actor): string => `${ACTOR_NOUN[actor.kind]} ${actor.id}`;

export function targetOfResource(type: ResourceType, id: string): ResourceTarget {
  switch (type) {
    case 'organization':
      return { organization: id };
    case 'location':
      return { location: id };
    case 'robot':
      return { robot: id };
  }
}
