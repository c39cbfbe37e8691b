/** `locations share|unshare`: the flags, how they resolve, and what they print. */
import type { Command } from 'commander';
import type { AppClient, appApi } from '@hangar/sdk';
import type { Invocation } from './context.js';
import { quote } from './format.js';
import { addResourceOption, requiredResource } from './options.js';
import { resolveLocation, resolveOrganizationToShareWith } from './resolve.js';

export function addShareOptions(cmd: Command, organization: string): Command {
  addResourceOption(cmd, 'location', 'the location');
  return addResourceOption(cmd, 'organization', organization);
}

export interface ShareTargets {
  readonly client: AppClient;
  readonly location: appApi.Location;
  readonly org: { readonly id: string; readonly name: string | undefined };
}

/** Flags are read before the session is loaded, so bad usage fails without signing in. */
export async function shareTargets(inv: Invocation, opts: Record<string, unknown>): Promise<ShareTargets> {
  const locationInput = requiredResource(opts, 'location');
  const orgInput = requiredResource(opts, 'organization');
  const client = await inv.client();
  const [location, org] = await Promise.all([resolveLocation(client, locationInput), resolveOrganizationToShareWith(client, orgInput)]);
  return { client, location, org };
}

export interface SharingJson {
  readonly locationId: string;
  readonly locationName: string;
  readonly organizationId: string;
  /** null when the caller is not in that organization. */
  readonly organizationName: string | null;
  readonly shared: boolean;
}

export function sharingJson({ location, org }: ShareTargets, shared: boolean): SharingJson {
  return { locationId: location.id, locationName: location.name, organizationId: org.id, organizationName: org.name ?? null, shared };
}

/** `location "HQ" (id) with organization "Acme" (id)`. */
export function sharingText(s: SharingJson): string {
  const org = s.organizationName === null ? s.organizationId : `${quote(s.organizationName)} (${s.organizationId})`;
  return `location ${quote(s.locationName)} (${s.locationId}) with organization ${org}`;
}
