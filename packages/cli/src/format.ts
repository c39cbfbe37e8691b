/**
 * The JSON shapes commands print: stable camelCase fields, ISO-8601 timestamps, null for "not set".
 * Human output is rendered from these same objects, so the two never disagree.
 */
import type { appApi, JsonObject, ResourceType, RobotPart, RobotPartHistoryEntry, Role } from '@hangar/sdk';

export interface OrganizationJson {
  readonly id: string;
  readonly name: string;
  readonly publicNamespace: string | null;
  readonly defaultRegion: string;
  readonly cid: string | null;
  readonly createdOn: string | null;
}

export function organizationJson(o: appApi.Organization): OrganizationJson {
  return {
    id: o.id,
    name: o.name,
    publicNamespace: o.publicNamespace === '' ? null : o.publicNamespace,
    defaultRegion: o.defaultRegion,
    cid: o.cid === undefined || o.cid === '' ? null : o.cid,
    createdOn: o.createdOn?.toDate().toISOString() ?? null,
  };
}

export interface LocationJson {
  readonly id: string;
  readonly name: string;
  /** null at the top level. */
  readonly parentLocationId: string | null;
  readonly primaryOrganizationId: string | null;
  /** Every organization the location belongs to, the primary first. */
  readonly organizationIds: string[];
  readonly robotCount: number;
  readonly createdOn: string | null;
}

export function primaryOrganizationId(l: appApi.Location): string | null {
  const id = l.primaryOrgIdentity?.id ?? l.organizations.find((o) => o.primary)?.organizationId;
  return id === undefined || id === '' ? null : id;
}

export function locationJson(l: appApi.Location): LocationJson {
  const primary = primaryOrganizationId(l);
  const others = l.organizations.map((o) => o.organizationId).filter((id) => id !== primary);
  return {
    id: l.id,
    name: l.name,
    parentLocationId: l.parentLocationId === '' ? null : l.parentLocationId,
    primaryOrganizationId: primary,
    organizationIds: primary === null ? others : [primary, ...others],
    robotCount: l.robotCount,
    createdOn: l.createdOn?.toDate().toISOString() ?? null,
  };
}

/** A machine's or part's OnlineState, in JSON spelling. */
export type MachineStatus = 'online' | 'offline' | 'awaiting-setup' | 'unknown';

/**
 * viam.app.v1.OnlineState: 1 online, 2 offline, 3 awaiting setup (never checked in). The server derives it
 * from the last time a part talked to it. The enum's values live in generated code the CLI does not load.
 */
export function machineStatus(onlineState: number): MachineStatus {
  switch (onlineState) {
    case 1:
      return 'online';
    case 2:
      return 'offline';
    case 3:
      return 'awaiting-setup';
    default:
      return 'unknown';
  }
}

/** "awaiting setup" for humans. */
export function statusText(status: MachineStatus): string {
  return status.replace('-', ' ');
}

export interface RobotJson {
  readonly id: string;
  readonly name: string;
  readonly locationId: string;
  /** null when the session may see the machine but not its location (a machine API key). */
  readonly locationName: string | null;
  /** The primary organization of the location; null as for locationName. */
  readonly organizationId: string | null;
  readonly status: MachineStatus;
  /** When a part of the machine last talked to the server; null if none ever has. */
  readonly lastAccess: string | null;
  readonly createdOn: string | null;
}

export function robotJson(r: appApi.Robot, location: appApi.Location | undefined): RobotJson {
  return {
    id: r.id,
    name: r.name,
    locationId: r.location,
    locationName: location?.name ?? null,
    organizationId: location === undefined ? null : primaryOrganizationId(location),
    status: machineStatus(r.onlineState),
    lastAccess: r.lastAccess?.toDate().toISOString() ?? null,
    createdOn: r.createdOn?.toDate().toISOString() ?? null,
  };
}

export interface PartJson {
  readonly id: string;
  readonly name: string;
  readonly mainPart: boolean;
  readonly status: MachineStatus;
  readonly lastAccess: string | null;
  readonly fqdn: string;
}

export function partJson(p: RobotPart): PartJson {
  return {
    id: p.id,
    name: p.name,
    mainPart: p.mainPart,
    status: machineStatus(p.proto.onlineState),
    lastAccess: p.lastAccess?.toISOString() ?? null,
    fqdn: p.fqdn,
  };
}

/** Main part first, then by name. */
export function byMainThenName(a: PartJson, b: PartJson): number {
  return Number(b.mainPart) - Number(a.mainPart) || a.name.localeCompare(b.name);
}

export type IdentityType = 'user' | 'api-key';

/** Who made a change: a user or an API key, by id. */
export interface EditorJson {
  readonly type: IdentityType | 'unknown';
  readonly id: string;
}

/** null if the server did not say. */
export function editorJson(info: appApi.AuthenticatorInfo | undefined): EditorJson | null {
  if (info === undefined) return null;
  // AuthenticatorInfo.type: 1 AUTHENTICATION_TYPE_WEB_OAUTH (a user), 2 AUTHENTICATION_TYPE_API_KEY.
  const type: number = info.type;
  return { type: type === 1 ? 'user' : type === 2 ? 'api-key' : 'unknown', id: info.value };
}

export interface PartHistoryJson {
  readonly when: string | null;
  /** Who made the change; null if the server did not say. */
  readonly editedBy: EditorJson | null;
  /** The part's name and config as they were before the change. */
  readonly name: string | null;
  readonly config: JsonObject | null;
}

export function partHistoryJson(e: RobotPartHistoryEntry): PartHistoryJson {
  return {
    when: e.when?.toISOString() ?? null,
    editedBy: editorJson(e.editedBy),
    name: e.old?.name ?? null,
    config: e.old?.robotConfig ?? null,
  };
}

/** The SDK's names for roles and resource types, under the names the CLI's code reads best with. */
export type RoleName = Role;
export type { ResourceType };

/** One role of one identity on one resource, as `roles` commands print it. */
export interface RoleJson {
  readonly identityId: string;
  readonly identityType: IdentityType;
  readonly role: RoleName;
  readonly resourceType: ResourceType;
  readonly resourceId: string;
  readonly organizationId: string;
}

/** `location_operator` → operator (Viam spells a role `<resource type>_<role>`). */
export function roleOf(authorizationId: string): RoleName {
  return authorizationId.endsWith('_operator') ? 'operator' : 'owner';
}

export function asResourceType(value: string): ResourceType {
  return value === 'location' || value === 'robot' ? value : 'organization';
}

export function roleJson(a: appApi.Authorization): RoleJson {
  return {
    identityId: a.identityId,
    identityType: a.identityType === 'api-key' ? 'api-key' : 'user',
    role: roleOf(a.authorizationId),
    resourceType: asResourceType(a.resourceType),
    resourceId: a.resourceId,
    organizationId: a.organizationId,
  };
}

export interface KeyRoleJson {
  readonly role: RoleName;
  readonly resourceType: ResourceType;
  readonly resourceId: string;
  readonly organizationId: string;
}

export interface ApiKeyInfoJson {
  readonly id: string;
  readonly name: string;
  readonly createdOn: string | null;
  readonly roles: KeyRoleJson[];
}

export function apiKeyInfoJson(k: appApi.APIKeyWithAuthorizations): ApiKeyInfoJson {
  return {
    id: k.apiKey?.id ?? '',
    name: k.apiKey?.name ?? '',
    createdOn: k.apiKey?.createdOn?.toDate().toISOString() ?? null,
    roles: k.authorizations.map((a) => ({
      role: roleOf(a.authorizationId),
      resourceType: asResourceType(a.resourceType),
      resourceId: a.resourceId,
      organizationId: a.orgId,
    })),
  };
}

export interface ApiKeyJson {
  readonly id: string;
  /** The secret: shown once, never stored by the CLI. */
  readonly key: string;
  readonly name: string;
  readonly organizationId: string;
  readonly role: 'owner' | 'operator';
  readonly resourceType: 'organization' | 'location' | 'robot';
  readonly resourceId: string;
}

export function toDate(iso: string | null): Date | undefined {
  return iso === null ? undefined : new Date(iso);
}

export function quote(name: string): string {
  return JSON.stringify(name);
}
