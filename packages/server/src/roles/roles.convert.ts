import type { PartialMessage } from '@bufbuild/protobuf';
import { authorizationIdOf, invalid, type Authorization } from '@hangar/domain';
import type { appApi } from '@hangar/wire';
import type { RoleInput } from './roles.service.js';

export function authorizationToProto(a: Authorization): PartialMessage<appApi.Authorization> {
  return {
    authorizationType: 'role',
    authorizationId: authorizationIdOf(a),
    resourceType: a.resourceType,
    resourceId: a.resourceId,
    identityId: a.identityId,
    organizationId: a.organizationId,
    identityType: a.identityType,
  };
}

export function parseRoleInput(a: appApi.Authorization | undefined, field: string): RoleInput {
  if (a === undefined) throw invalid(`${field} is required`);
  return a;
}
