/** Creating an API key: shared by `organizations api-key create` and `locations api-key create`. */
import type { AppClient } from '@hangar/sdk';
import type { Ctx, Invocation } from './context.js';
import { details } from './output.js';
import type { ApiKeyJson } from './format.js';

export interface NewKey {
  readonly organizationId: string;
  readonly resourceType: 'organization' | 'location';
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
