/** What a client sees of an organization, as plain JSON, to compare before and after a refused call. */
import type { AppClient } from '@hangar/sdk';
import type { JsonValue } from '@bufbuild/protobuf';

export interface OrgState {
  readonly organization: JsonValue;
  readonly locations: JsonValue[];
}

export async function orgState(client: AppClient, orgId: string): Promise<OrgState> {
  const organization = await client.getOrganization(orgId);
  const locations = await client.listLocations(orgId);
  return { organization: organization.toJson(), locations: locations.map((l) => l.toJson()) };
}

/** Every organization the client sees, with its locations. */
export async function visibleState(client: AppClient): Promise<OrgState[]> {
  const orgs = await client.listOrganizations();
  const out: OrgState[] = [];
  for (const org of orgs) out.push(await orgState(client, org.id));
  return out;
}
