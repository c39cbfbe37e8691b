/**
 * Roles: the flags that name one (an identity, a role, a resource), how they resolve, and names for the
 * ids in role listings. Viam spells a role `<resource type>_<role>` (`location_operator`); the CLI shows
 * and prints the role and the resource type apart.
 */
import { Option, type Command } from 'commander';
import type { AppClient, appApi } from '@hangar/sdk';
import { CliError, usageError } from './errors.js';
import { quote, type IdentityType, type ResourceType, type RoleJson, type RoleName } from './format.js';
import { isId, resolveLocation, resolveOrganization, resolveRobot } from './resolve.js';
import type { Invocation } from './context.js';
import { requiredResource } from './options.js';
import { loadedSdk } from './sdk.js';

export const ROLE_NAMES = ['owner', 'operator'] as const;
export const RESOURCE_TYPES = ['organization', 'location', 'robot'] as const;

/** "machine" for humans: Viam's wire and flags say robot. */
export function resourceNoun(type: ResourceType): string {
  return type === 'robot' ? 'machine' : type;
}

export interface IdentityInput {
  readonly user?: string | undefined;
  readonly keyId?: string | undefined;
}

export interface Identity {
  readonly id: string;
  readonly type: IdentityType;
  /** `user bob@example.com (id)` or `API key <id>`. */
  readonly label: string;
}

/** --user / --key-id (or with a prefix, --new-user / --new-key-id). */
export function addIdentityOptions(cmd: Command, prefix = '', what = 'whose role it is'): Command {
  const same = prefix === '' ? '' : '; default: the same';
  return cmd
    .addOption(new Option(`--${prefix}user <email|id>`, `the user ${what} (email or user id${same})`))
    .addOption(new Option(`--${prefix}key-id <id>`, `the API key ${what}${prefix === '' ? '' : ' (default: the same)'}`));
}

/** Exactly one of the two flags; undefined if neither and `optional`. */
export function identityInput(opts: Record<string, unknown>, prefix = '', optional = false): IdentityInput | undefined {
  const camel = prefix === '' ? '' : prefix.replace(/-$/, '');
  const get = (name: string): string | undefined => {
    const key = camel === '' ? name : `${camel}${name[0]?.toUpperCase() ?? ''}${name.slice(1)}`;
    const v = opts[key];
    return typeof v === 'string' ? v.trim() : undefined;
  };
  const user = get('user');
  const keyId = get('keyId');
  if (user !== undefined && keyId !== undefined) {
    throw usageError(`pass only one of --${prefix}user and --${prefix}key-id`, 'a role belongs to one user or one API key');
  }
  if (user === undefined && keyId === undefined) {
    if (optional) return undefined;
    throw usageError(`pass --${prefix}user <email|id> or --${prefix}key-id <id>`, 'say whose role it is: a user (by email) or an API key');
  }
  if (user === '' || keyId === '') throw usageError(`--${prefix}${user === '' ? 'user' : 'key-id'} must not be empty`);
  if (keyId !== undefined && !isId(keyId)) {
    throw usageError(
      `--${prefix}key-id must be an API key id (a UUID), got ${quote(keyId)}`,
      'run "hangar organizations api-key list --org-id <org>" to find it',
    );
  }
  return { user, keyId };
}

export async function resolveIdentity(client: AppClient, input: IdentityInput): Promise<Identity> {
  if (input.keyId !== undefined) return { id: input.keyId.toLowerCase(), type: 'api-key', label: `API key ${input.keyId.toLowerCase()}` };
  const user = input.user ?? '';
  if (isId(user)) return { id: user.toLowerCase(), type: 'user', label: `user ${user.toLowerCase()}` };
  let id: string;
  try {
    id = await client.getUserIdByEmail(user);
  } catch (err) {
    const sdk = loadedSdk();
    if (sdk !== undefined && err instanceof sdk.HangarError && err.code === sdk.Code.NotFound) throw unknownEmail(user);
    throw err;
  }
  return { id, type: 'user', label: `user ${user} (${id})` };
}

export interface ResourceInput {
  readonly type: ResourceType;
  /** undefined: the organization itself (only for type organization). */
  readonly resource: string | undefined;
  readonly flag: string;
}

export interface Resource {
  readonly type: ResourceType;
  readonly id: string;
  /** `location "HQ" (id)`. */
  readonly label: string;
}

/** A resource of a known type, by name or id, within the organization. */
export async function resolveResource(client: AppClient, org: appApi.Organization, input: ResourceInput): Promise<Resource> {
  const { type, resource, flag } = input;
  if (resource === undefined) {
    if (type !== 'organization')
      throw usageError(`${flag} <name|id> is required for a ${type} role`, `pass the ${resourceNoun(type)} the role is on`);
    return { type, id: org.id, label: `organization ${quote(org.name)} (${org.id})` };
  }
  switch (type) {
    case 'organization': {
      const o = resource === org.id || resource === org.name ? org : await resolveOrganization(client, resource, flag);
      return { type, id: o.id, label: `organization ${quote(o.name)} (${o.id})` };
    }
    case 'location': {
      const l = await resolveLocation(client, resource, { organizationId: org.id, flag });
      return { type, id: l.id, label: `location ${quote(l.name)} (${l.id})` };
    }
    case 'robot': {
      const { robot } = await resolveRobot(client, resource, { organization: org }, { flag });
      return { type, id: robot.id, label: `machine ${quote(robot.name)} (${robot.id})` };
    }
  }
}

export function roleOutput(org: appApi.Organization, identity: Identity, role: RoleName, resource: Resource): RoleJson {
  return {
    identityId: identity.id,
    identityType: identity.type,
    role,
    resourceType: resource.type,
    resourceId: resource.id,
    organizationId: org.id,
  };
}

/**
 * Names for the ids in a listing of roles: identities (members' emails, keys' names) and resources
 * (the organization, its locations, machines). For human output only; an id stays an id if its name
 * cannot be found.
 */
export interface Names {
  identity(type: IdentityType, id: string): string;
  resource(type: ResourceType, id: string): string;
}

export async function namesIn(
  client: AppClient,
  org: appApi.Organization,
  refs: readonly { readonly resourceType: ResourceType; readonly resourceId: string }[],
  identities: boolean,
): Promise<Names> {
  const robotIds = [...new Set(refs.filter((r) => r.resourceType === 'robot').map((r) => r.resourceId))];
  const [locations, robots, members, keys] = await Promise.all([
    refs.some((r) => r.resourceType === 'location') ? client.listLocations(org.id).catch(() => []) : Promise.resolve([]),
    Promise.all(robotIds.map((id) => client.getRobot(id).catch(() => undefined))),
    identities
      ? client.listOrganizationMembers(org.id).then(
          ([m]) => m,
          () => [],
        )
      : Promise.resolve([]),
    identities ? client.listKeys(org.id).catch(() => []) : Promise.resolve([]),
  ]);
  const resourceNames = new Map<string, string>([[org.id, org.name], ...locations.map((l) => [l.id, l.name] as const)]);
  for (const r of robots) if (r !== undefined) resourceNames.set(r.id, r.name);
  const identityNames = new Map<string, string>();
  for (const m of members) if (m.emails[0] !== undefined) identityNames.set(m.userId, m.emails[0]);
  for (const k of keys) if (k.apiKey !== undefined) identityNames.set(k.apiKey.id, k.apiKey.name);
  return {
    identity(type, id) {
      const name = identityNames.get(id);
      const noun = type === 'user' ? 'user' : 'API key';
      return name === undefined ? `${noun} ${id}` : `${noun} ${type === 'user' ? name : quote(name)} (${id})`;
    },
    resource(type, id) {
      const name = resourceNames.get(id);
      return name === undefined ? `${resourceNoun(type)} ${id}` : `${resourceNoun(type)} ${quote(name)}`;
    },
  };
}

function unknownEmail(email: string): CliError {
  return new CliError(`no user with the email ${quote(email)} on this server`, {
    code: 'NOT_FOUND',
    hint: 'check the address, or pass the user id with --user',
  });
}

/** What a role flag set names, checked before anything is sent. */
export interface RoleInput {
  readonly identity: IdentityInput;
  readonly role: RoleName;
  readonly resource: ResourceInput;
}

/** --role, --resource-type and --resource; with the prefix `new-`, the new role of `roles change`. */
export function addRoleOptions(cmd: Command, prefix = '', what = 'the role'): Command {
  const isNew = prefix !== '';
  const role = new Option(`--${prefix}role <role>`, isNew ? `${what} (default: the current one)` : what).choices(ROLE_NAMES);
  return cmd
    .addOption(isNew ? role : role.makeOptionMandatory())
    .addOption(
      new Option(`--${prefix}resource-type <type>`, `what ${what} is on (default: ${isNew ? 'the current type' : 'organization'})`).choices(
        RESOURCE_TYPES,
      ),
    )
    .addOption(
      new Option(
        `--${prefix}resource <name|id>`,
        `the organization, location or machine ${what} is on (default: ${isNew ? 'the current one if the type is unchanged, else the organization' : 'the organization'})`,
      ),
    );
}

function stringOpt(opts: Record<string, unknown>, key: string): string | undefined {
  const v = opts[key];
  if (typeof v !== 'string') return undefined;
  if (v.trim() === '') throw usageError(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must not be empty`);
  return v.trim();
}

export function roleInput(opts: Record<string, unknown>): RoleInput {
  const identity = identityInput(opts);
  if (identity === undefined) throw new Error('identityInput returned nothing for a required identity');
  const type = (stringOpt(opts, 'resourceType') ?? 'organization') as ResourceType;
  return {
    identity,
    role: stringOpt(opts, 'role') as RoleName,
    resource: { type, resource: stringOpt(opts, 'resource'), flag: '--resource' },
  };
}

/** The new role of `roles change`: each --new-… flag defaults to the old value. */
export function newRoleInput(opts: Record<string, unknown>, old: RoleInput): RoleInput {
  const identity = identityInput(opts, 'new-', true) ?? old.identity;
  const role = (stringOpt(opts, 'newRole') ?? old.role) as RoleName;
  const type = (stringOpt(opts, 'newResourceType') ?? old.resource.type) as ResourceType;
  const given = stringOpt(opts, 'newResource');
  // Same type: the same resource unless another is named; another type: the organization, or --new-resource.
  const resource = given ?? (type === old.resource.type ? old.resource.resource : undefined);
  const changed = ['newUser', 'newKeyId', 'newRole', 'newResourceType', 'newResource'].some((k) => opts[k] !== undefined);
  if (!changed) {
    throw usageError(
      'nothing to change: pass at least one of --new-role, --new-resource-type, --new-resource, --new-user, --new-key-id',
      'run "hangar roles change --help" for usage',
    );
  }
  return { identity, role, resource: { type, resource, flag: '--new-resource' } };
}

export interface ResolvedRole {
  readonly identity: Identity;
  readonly role: RoleName;
  readonly resource: Resource;
}

export async function resolveRole(client: AppClient, org: appApi.Organization, input: RoleInput): Promise<ResolvedRole> {
  const [identity, resource] = await Promise.all([resolveIdentity(client, input.identity), resolveResource(client, org, input.resource)]);
  return { identity, role: input.role, resource };
}

/** --key-id of the `organizations api-key` commands: an id (key names need not be unique). */
export function keyIdOption(opts: Record<string, unknown>): string {
  const raw = typeof opts.keyId === 'string' ? opts.keyId.trim() : '';
  if (!isId(raw)) {
    throw usageError(
      `--key-id must be an API key id (a UUID), got ${quote(raw)}`,
      'run "hangar organizations api-key list --org-id <org>" to find it',
    );
  }
  return raw.toLowerCase();
}

/**
 * The role named by `roles add|remove` flags, resolved: the organization, who holds the role, and on what.
 * Flags are read before the session is loaded, so bad usage fails without signing in.
 */
export async function roleFromFlags(
  inv: Invocation,
  opts: Record<string, unknown>,
): Promise<{ client: AppClient; org: appApi.Organization; role: ResolvedRole }> {
  const orgInput = requiredResource(opts, 'organization');
  const input = roleInput(opts);
  const client = await inv.client();
  const org = await resolveOrganization(client, orgInput);
  return { client, org, role: await resolveRole(client, org, input) };
}
