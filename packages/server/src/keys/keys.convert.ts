import type { PartialMessage } from '@bufbuild/protobuf';
import { authorizationIdOf, type Authorization } from '@hangar/domain';
import type { appApi } from '@hangar/wire';
import { timestamp } from '../rpc/convert.js';
import type { KeyWithAuthorizations } from './keys.service.js';

/** The key's secret is never sent back: `APIKey.key` stays empty outside Create/Rotate responses. */
export function keyWithAuthorizationsToProto({
  key,
  authorizations,
}: KeyWithAuthorizations): PartialMessage<appApi.APIKeyWithAuthorizations> {
  return {
    apiKey: { id: key.id, key: '', name: key.name, createdOn: timestamp(key.createdAt) },
    authorizations: authorizations.map(authorizationDetailsToProto),
  };
}

function authorizationDetailsToProto(a: Authorization): PartialMessage<appApi.AuthorizationDetails> {
  return {
    authorizationType: 'role',
    authorizationId: authorizationIdOf(a),
    resourceType: a.resourceType,
    resourceId: a.resourceId,
    orgId: a.organizationId,
  };
}
