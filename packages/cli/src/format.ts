/**
 * The JSON shapes commands print: stable camelCase fields, ISO-8601 timestamps, null for "not set".
 * Human output is rendered from these same objects, so the two never disagree.
 */
import type { appApi } from '@hangar/sdk';

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

export function locationJson(l: appApi.Location): LocationJson {
  const primary = l.primaryOrgIdentity?.id ?? l.organizations.find((o) => o.primary)?.organizationId ?? null;
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
