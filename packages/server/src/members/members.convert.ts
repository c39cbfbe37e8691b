import type { PartialMessage } from '@bufbuild/protobuf';
import { parseAuthorization, type Grant, type Invite } from '@hangar/domain';
import type { appApi } from '@hangar/wire';
import { timestamp } from '../rpc/convert.js';
import { authorizationToProto } from '../roles/roles.convert.js';

export function inviteToProto(invite: Invite): PartialMessage<appApi.OrganizationInvite> {
  return {
    organizationId: invite.organizationId,
    email: invite.email,
    createdOn: timestamp(invite.createdAt),
    authorizations: invite.authorizations.map((g) => authorizationToProto({ ...g, identityType: 'user', identityId: '' })),
  };
}

/**
 * An invite's authorizations, each in the invite's organization. None at all means the seed's default:
 * "if not provided, full owner permissions will be granted".
 */
export function parseInviteGrants(
  organizationId: string,
  list: readonly appApi.Authorization[],
  field: string,
  ownerIfEmpty: boolean,
): Grant[] {
  if (list.length === 0 && ownerIfEmpty)
    return [{ organizationId, role: 'owner', resourceType: 'organization', resourceId: organizationId }];
  return list.map((a, i) => parseAuthorization(a, `${field}[${i}]`));
}
