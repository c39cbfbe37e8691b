/**
 * Members and invitations: their JSON shapes, and the role flags of `organizations invites create|update`
 * turned into the Authorization messages the invite calls take. Viam spells an invite's role as a role
 * authorization `<resource type>_<role>` on one resource of the organization.
 */
import { Option, type Command } from 'commander';
import type { AppClient, Authorization, appApi } from '@hangar/sdk';
import { usageError } from './errors.js';
import { asResourceType, roleOf, type KeyRoleJson, type ResourceType, type RoleName } from './format.js';
import { RESOURCE_TYPES, ROLE_NAMES, resolveResource, type Names, type Resource, type ResourceInput } from './roles.js';

export interface MemberJson {
  readonly userId: string;
  readonly email: string;
  /** When they joined the organization. */
  readonly dateAdded: string | null;
  /** null if they never signed in. */
  readonly lastLogin: string | null;
}

export function memberJson(m: appApi.OrganizationMember): MemberJson {
  return {
    userId: m.userId,
    email: m.emails[0] ?? '',
    dateAdded: m.dateAdded?.toDate().toISOString() ?? null,
    lastLogin: m.lastLogin?.toDate().toISOString() ?? null,
  };
}

/** A pending invitation: who, since when, and the roles they get by accepting. */
export interface InviteJson {
  readonly email: string;
  readonly createdOn: string | null;
  readonly roles: KeyRoleJson[];
}

export function inviteJson(i: appApi.OrganizationInvite): InviteJson {
  return {
    email: i.email,
    createdOn: i.createdOn?.toDate().toISOString() ?? null,
    roles: i.authorizations.map((a) => ({
      role: roleOf(a.authorizationId),
      resourceType: asResourceType(a.resourceType),
      resourceId: a.resourceId,
      organizationId: a.organizationId,
    })),
  };
}

/** What `invites create|update|resend` print: the invite, with its organization. */
export interface OrgInviteJson extends InviteJson {
  readonly organizationId: string;
}

export function orgInviteJson(org: appApi.Organization, i: appApi.OrganizationInvite): OrgInviteJson {
  return { organizationId: org.id, ...inviteJson(i) };
}

/** `owner on organization "Acme", operator on location "HQ"`. */
export function rolesText(roles: readonly KeyRoleJson[], names: Names): string {
  return roles.length === 0 ? '-' : roles.map((r) => `${r.role} on ${names.resource(r.resourceType, r.resourceId)}`).join(', ');
}

/** --email of the invite commands, trimmed; the server checks the address. */
export function emailOption(opts: Record<string, unknown>): string {
  const email = typeof opts.email === 'string' ? opts.email.trim() : '';
  if (email === '') throw usageError('--email must not be empty', 'pass the email address the invitation is for');
  return email;
}

/** --role, --resource-type and --resource: the role an invitation gives (or adds or removes). */
export function addInviteRoleOptions(cmd: Command, required: boolean, what: string): Command {
  const role = new Option('--role <role>', required ? what : `${what} (default: owner of the organization)`).choices(ROLE_NAMES);
  return cmd
    .addOption(required ? role.makeOptionMandatory() : role)
    .addOption(new Option('--resource-type <type>', 'what the role is on (default: organization)').choices(RESOURCE_TYPES))
    .addOption(new Option('--resource <name|id>', 'the organization, location or machine the role is on (default: the organization)'));
}

export interface InviteRoleInput {
  readonly role: RoleName;
  readonly resource: ResourceInput;
}

function stringOpt(opts: Record<string, unknown>, key: string, flag: string): string | undefined {
  const v = opts[key];
  if (typeof v !== 'string') return undefined;
  if (v.trim() === '') throw usageError(`${flag} must not be empty`);
  return v.trim();
}

/**
 * The role flags, checked before anything is sent. With none given: undefined (the caller's default);
 * --resource-type or --resource without --role is a usage error.
 */
export function inviteRoleInput(opts: Record<string, unknown>): InviteRoleInput | undefined {
  const role = stringOpt(opts, 'role', '--role') as RoleName | undefined;
  const type = stringOpt(opts, 'resourceType', '--resource-type') as ResourceType | undefined;
  const resource = stringOpt(opts, 'resource', '--resource');
  if (role === undefined) {
    if (type !== undefined || resource !== undefined) {
      throw usageError('--resource-type and --resource need --role', 'pass --role owner or --role operator too');
    }
    return undefined;
  }
  const resourceType = type ?? 'organization';
  if (resourceType !== 'organization' && resource === undefined) {
    throw usageError(
      `--resource <name|id> is required for a ${resourceType} role`,
      `pass the ${resourceType === 'robot' ? 'machine' : resourceType} the role is on`,
    );
  }
  return { role, resource: { type: resourceType, resource, flag: '--resource' } };
}

/** The organization-owner role: what an invitation without role flags gives, as the seed documents. */
export function ownerOfOrganization(): InviteRoleInput {
  return { role: 'owner', resource: { type: 'organization', resource: undefined, flag: '--resource' } };
}

export interface InviteRole {
  readonly role: RoleName;
  readonly resource: Resource;
  readonly authorization: Authorization;
}

export async function resolveInviteRole(client: AppClient, org: appApi.Organization, input: InviteRoleInput): Promise<InviteRole> {
  const resource = await resolveResource(client, org, input.resource);
  return { role: input.role, resource, authorization: inviteAuthorization(org.id, input.role, resource) };
}

/** An appApi.Authorization-shaped role for the invite calls; the identity is left empty (it is the invitee). */
export function inviteAuthorization(organizationId: string, role: RoleName, resource: Pick<Resource, 'type' | 'id'>): Authorization {
  return {
    authorizationType: 'role',
    authorizationId: `${resource.type}_${role}`,
    resourceType: resource.type,
    resourceId: resource.id,
    organizationId,
    identityId: '',
    identityType: '',
  };
}
