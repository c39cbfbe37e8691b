/** API keys: creating one (organization, location and machine keys share this) and the organization it belongs to. */
import type { AppClient } from '@hangar/sdk';
import type { Ctx, Invocation } from './context.js';
import { CliError } from './errors.js';
import { details } from './output.js';
import type { ApiKeyJson } from './format.js';
import { resolveOrganization } from './resolve.js';

export interface NewKey {
  readonly organizationId: string;
  readonly resourceType: 'organization' | 'location' | 'robot';
  readonly resourceId: string;
  readonly name: string | undefined;
  /** For the warning: `organization "Acme"`. */
  readonly scope: string;
}

export async function createApiKey(ctx: Ctx, inv: Invocation, client: AppClient, spec: NewKey): Promise<ApiKeyJson> {
  // Named here rather than by the server, so the name can be printed: login and time, as Viam's CLI does.
  const session = await inv.session();
  const given = spec.name?.trim() ?? '';
  const name = given !== '' ? given : `${session.email ?? session.keyId ?? 'hangar'}-${ctx.now().toISOString()}`;
  const [key, id] = await client.createKey(
    spec.organizationId,
    [{ role: 'owner', resourceType: spec.resourceType, resourceId: spec.resourceId }],
    name,
  );
  const result: ApiKeyJson = {
    id,
    key,
    name,
    organizationId: spec.organizationId,
    role: 'owner',
    resourceType: spec.resourceType,
    resourceId: spec.resourceId,
  };
  inv.out.warn(`keep this key safe: it gives full read and write access to ${spec.scope}, and it is shown only this once`);
  inv.out.result(result, (k) =>
    details([
      ['Key ID', k.id],
      ['Key', k.key],
      ['Name', k.name],
    ]),
  );
  return result;
}

/**
 * The organization a location (or machine) key is attached to: --org-id if given, else the only
 * organization that has the location; several (a shared location) need --org-id.
 */
export async function keyOrganizationId(
  client: AppClient,
  orgInput: string | undefined,
  locationId: string,
  /** `location "HQ"` or `the location of machine "rover"`. */
  subject: string,
): Promise<string> {
  if (orgInput !== undefined) return (await resolveOrganization(client, orgInput, '--org-id')).id;
  const owners = await client.getOrganizationsWithAccessToLocation(locationId);
  const [only, ...others] = owners;
  if (only === undefined || others.length > 0) {
    throw new CliError(
      `${subject} belongs to ${owners.length} organizations${owners.length > 0 ? `: ${owners.map((o) => `${o.id} (${o.name})`).join(', ')}` : ''}`,
      { code: 'INVALID_ARGUMENT', hint: 'pass --org-id <org> to say which one the key belongs to' },
    );
  }
  return only.id;
}
