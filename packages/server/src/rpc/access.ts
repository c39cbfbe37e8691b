/**
 * Turns a request's target into its place in the hierarchy and asks the policy. The only code that
 * decides between NOT_FOUND and PERMISSION_DENIED.
 */
import {
  can,
  notFound,
  organizationScope,
  permissionDenied,
  READ_ACTION,
  type Action,
  type Actor,
  type ResourceType,
  type Scope,
} from '@hangar/domain';
import { locations, type Executor } from '@hangar/store';

export type Target =
  | { readonly organization: string }
  | { readonly location: string }
  | { readonly robot: string }
  /** A machine part: authorized as the machine it belongs to, reported as a part when missing. */
  | { readonly part: string };

export interface Check {
  readonly action: Action;
  readonly target: Target;
}

function describe(target: Target): { type: ResourceType; noun: string; id: string } {
  if ('organization' in target) return { type: 'organization', noun: 'organization', id: target.organization };
  if ('location' in target) return { type: 'location', noun: 'location', id: target.location };
  if ('robot' in target) return { type: 'robot', noun: 'machine', id: target.robot };
  return { type: 'robot', noun: 'machine part', id: target.part };
}

export function createAccess(db: Executor) {
  /** The scope of an existing target, or undefined if it does not exist. */
  async function scopeOf(target: Target): Promise<Scope | undefined> {
    // An organization needs no lookup: a caller can only see it through a role in it, and roles are
    // deleted with their organization, so "no role" answers NOT_FOUND whether it exists or not.
    if ('organization' in target) return organizationScope(target.organization);
    if ('location' in target) return locations.locationScope(db, target.location);
    if ('robot' in target) return locations.robotScope(db, target.robot);
    return locations.partScope(db, target.part);
  }

  /** Throws NOT_FOUND for what the actor cannot see and PERMISSION_DENIED for what it sees but may not do. */
  async function authorize(actor: Actor, checks: readonly Check[]): Promise<void> {
    for (const check of checks) {
      const { type, noun, id } = describe(check.target);
      const scope = await scopeOf(check.target);
      if (scope === undefined || !can(actor, READ_ACTION[type], scope)) throw notFound(noun, id);
      if (!can(actor, check.action, scope)) {
        throw permissionDenied(`${actor.kind === 'user' ? 'user' : 'API key'} ${actor.id} may not ${ACTION_TEXT[check.action]} ${noun} ${id}`);
      }
    }
  }

  return { scopeOf, authorize };
}

export type Access = ReturnType<typeof createAccess>;

const ACTION_TEXT: Record<Action, string> = {
  'org.read': 'read',
  'org.admin': 'administer',
  'location.read': 'read',
  'location.admin': 'administer',
  'robot.read': 'read machines of',
  'robot.write': 'change machines of',
  'robot.operate': 'operate machines of',
  'logs.read': 'read machine logs of',
};
