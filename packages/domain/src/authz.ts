/**
 * Roles, actions and the one policy function. Pure: the server resolves a request's target to a Scope
 * (with the store) and asks `can`; nothing else decides who may do what.
 */
export const ROLES = ['owner', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export const RESOURCE_TYPES = ['organization', 'location', 'robot'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** Who can hold a role. */
export const IDENTITY_TYPES = ['user', 'api-key'] as const;
export type IdentityType = (typeof IDENTITY_TYPES)[number];

/**
 * Who can call: the identities that hold roles, and machine parts, which authenticate with a part or
 * location secret and may act only as themselves (MACHINE_ACTIONS, on their own part).
 */
export type ActorKind = IdentityType | 'machine';

export type Action =
  | 'org.read'
  | 'org.admin'
  | 'location.read'
  | 'location.admin'
  | 'robot.read'
  | 'robot.write'
  | 'robot.operate'
  | 'logs.read'
  | 'logs.write'
  /** Reading captured data (any role, as Viam's data service allows). */
  | 'data.read'
  /** Uploading captured data for a machine part: its own credential, or an owner. */
  | 'data.write'
  /** Deleting and tagging data, SQL/MQL queries and database users: owners only, as Viam documents. */
  | 'data.admin'
  /** What a machine does for itself: fetch its config, ask whether to restart, get its certificate. */
  | 'machine.self';

/** All a machine part's own credential allows, and only on that part. */
export const MACHINE_ACTIONS: readonly Action[] = ['robot.read', 'logs.write', 'data.write', 'machine.self'];

export const ROLE_ACTIONS = {
  owner: [
    'org.read',
    'org.admin',
    'location.read',
    'location.admin',
    'robot.read',
    'robot.write',
    'robot.operate',
    'logs.read',
    'logs.write',
    'data.read',
    'data.write',
    'data.admin',
  ],
  operator: ['org.read', 'location.read', 'robot.read', 'robot.operate', 'logs.read', 'data.read'],
} as const satisfies Record<Role, readonly Action[]>;

/** The action that makes a resource of a given type visible; without it the resource answers NOT_FOUND. */
export const READ_ACTION = {
  organization: 'org.read',
  location: 'location.read',
  robot: 'robot.read',
} as const satisfies Record<ResourceType, Action>;

/** The action needed to hand out roles (or API keys) on a resource of a given type. */
export const ADMIN_ACTION = {
  organization: 'org.admin',
  location: 'location.admin',
  robot: 'robot.write',
} as const satisfies Record<ResourceType, Action>;

/** One role of one identity on one resource (viam.app.v1.Authorization without the wire spelling). */
export interface Grant {
  readonly organizationId: string;
  readonly role: Role;
  readonly resourceType: ResourceType;
  readonly resourceId: string;
}

export interface Actor {
  readonly kind: ActorKind;
  readonly id: string;
  /** Users have an email; API keys a name. For logs and history, never for decisions. */
  readonly label: string;
  /** API keys: the organization the key belongs to (its home), whose owners manage it. */
  readonly organizationId?: string;
  readonly grants: readonly Grant[];
}

/**
 * Where a resource sits in the hierarchy: every resource whose grant covers it. A location lists itself
 * and its ancestors; a robot its location chain; organizations are those that own (or were shared) the
 * location.
 */
export interface Scope {
  readonly kind: ResourceType;
  readonly organizationIds: readonly string[];
  readonly locationIds: readonly string[];
  readonly robotId?: string;
  /** Set when the target was a machine part. */
  readonly partId?: string;
  /** Locations and machines: the organization that owns the location (the others were shared it). */
  readonly primaryOrganizationId?: string;
}

function covers(grant: Grant, scope: Scope): boolean {
  switch (grant.resourceType) {
    case 'organization':
      return scope.organizationIds.includes(grant.resourceId);
    case 'location':
      return scope.locationIds.includes(grant.resourceId);
    case 'robot':
      return scope.robotId === grant.resourceId;
  }
}

function roleAllows(role: Role, action: Action): boolean {
  return (ROLE_ACTIONS[role] as readonly Action[]).includes(action);
}

/**
 * A machine writes its own logs and uploads its own data with its own credential: an API key with any role
 * on that machine itself may, though an operator role elsewhere may not (operators read, owners write).
 */
function machineWritesOwnLogs(actor: Actor, grant: Grant, action: Action): boolean {
  return (action === 'logs.write' || action === 'data.write') && actor.kind === 'api-key' && grant.resourceType === 'robot';
}

/**
 * Administering a location itself (renaming, moving, deleting, sharing it, its secrets) stays with the
 * organization that owns it: a role filed in an organization the location was shared with reaches its
 * machines as the role says, never the location's administration.
 */
function filedWhereAllowed(grant: Grant, action: Action, scope: Scope): boolean {
  return action !== 'location.admin' || scope.primaryOrganizationId === undefined || grant.organizationId === scope.primaryOrganizationId;
}

export function can(actor: Actor, action: Action, scope: Scope): boolean {
  // A machine's token is its part's identity: the part itself, for the few things a machine does.
  if (actor.kind === 'machine') return scope.partId === actor.id && MACHINE_ACTIONS.includes(action);
  // Anyone with a role anywhere in an organization may see the organization itself (its name, its
  // members), as a Viam user with access to one location sees the organization it belongs to.
  if (action === 'org.read' && scope.kind === 'organization') {
    return actor.grants.some((g) => scope.organizationIds.includes(g.organizationId));
  }
  return actor.grants.some(
    (g) =>
      covers(g, scope) && (roleAllows(g.role, action) || machineWritesOwnLogs(actor, g, action)) && filedWhereAllowed(g, action, scope),
  );
}

/**
 * The actor as a holder of roles and author of changes (users and API keys). Machines never get this far:
 * the policy lets them do nothing that records an author or grants a role.
 */
export function identityOf(actor: Actor): { readonly type: IdentityType; readonly id: string } {
  if (actor.kind === 'machine') throw new Error(`machine part ${actor.id} cannot hold roles or author changes`);
  return { type: actor.kind, id: actor.id };
}

/**
 * The grants through which the actor may do `action`, for calls that confine many rows at once (data
 * queries) instead of checking one target. Machines hold no grants: they read no data.
 */
export function grantsAllowing(actor: Actor, action: Action): Grant[] {
  if (actor.kind === 'machine') return [];
  return actor.grants.filter((g) => roleAllows(g.role, action) || machineWritesOwnLogs(actor, g, action));
}

/** The organizations in which the actor holds any role. */
export function memberOrganizationIds(actor: Actor): string[] {
  return [...new Set(actor.grants.map((g) => g.organizationId))];
}

export const organizationScope = (organizationId: string): Scope => ({
  kind: 'organization',
  organizationIds: [organizationId],
  locationIds: [],
});
