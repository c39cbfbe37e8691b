/** Fixtures built through the public API, as a user would build them. */
import type { AppClient, appApi } from '@hangar/sdk';
import type { TestServer } from './server.js';

export interface ApiKeyCredentials {
  readonly id: string;
  readonly key: string;
}

export interface SeededOrg {
  readonly org: appApi.Organization;
  readonly location: appApi.Location;
  /** An organization-owner key and a client using it. */
  readonly ownerKey: ApiKeyCredentials;
  readonly owner: AppClient;
  /** A location-operator key on `location` and a client using it. */
  readonly operatorKey: ApiKeyCredentials;
  readonly operator: AppClient;
}

let counter = 0;

export interface SeedOptions {
  /**
   * Who creates (and so owns) the organization: the administrator's API key (default), or the
   * administrator as a user, who is then a member that roles can be given to.
   */
  readonly creator?: 'admin-key' | 'admin-user';
}

/** A new organization with one location, an owner key and an operator key. */
export async function seedOrg(server: TestServer, name = `Org ${++counter}`, options: SeedOptions = {}): Promise<SeededOrg> {
  const admin =
    options.creator === 'admin-user'
      ? await server.connect({ type: 'password', email: server.admin.email, password: server.admin.password })
      : server.client;
  const org = await admin.createOrganization(name);
  const location = await admin.createLocation(org.id, `${name} HQ`);
  const ownerKey = await newKey(admin, org.id, { role: 'owner', resourceType: 'organization', resourceId: org.id });
  const operatorKey = await newKey(admin, org.id, { role: 'operator', resourceType: 'location', resourceId: location.id });
  return {
    org,
    location,
    ownerKey,
    owner: await server.connect({ type: 'api-key', keyId: ownerKey.id, key: ownerKey.key }),
    operatorKey,
    operator: await server.connect({ type: 'api-key', keyId: operatorKey.id, key: operatorKey.key }),
  };
}

export async function newKey(
  client: AppClient,
  orgId: string,
  authorization: Parameters<AppClient['createKey']>[1][number],
): Promise<ApiKeyCredentials> {
  const [key, id] = await client.createKey(orgId, [authorization], `key-${++counter}`);
  return { id, key };
}

export const MISSING_ID = '00000000-0000-4000-8000-000000000000';
