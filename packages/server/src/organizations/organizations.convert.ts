import type { PartialMessage } from '@bufbuild/protobuf';
import type { Member, Organization } from '@hangar/domain';
import type { appApi } from '@hangar/wire';
import { optionalTimestamp, timestamp } from '../rpc/convert.js';

export function organizationToProto(org: Organization): PartialMessage<appApi.Organization> {
  return {
    id: org.id,
    name: org.name,
    createdOn: timestamp(org.createdAt),
    publicNamespace: org.publicNamespace ?? '',
    defaultRegion: org.defaultRegion,
    ...(org.cid !== null && { cid: org.cid }),
  };
}

export function orgDetailsToProto(org: Organization): PartialMessage<appApi.OrgDetails> {
  return {
    orgId: org.id,
    orgName: org.name,
    ...(org.cid !== null && { orgCid: org.cid }),
    ...(org.publicNamespace !== null && { publicNamespace: org.publicNamespace }),
  };
}

export function memberToProto(member: Member): PartialMessage<appApi.OrganizationMember> {
  const lastLogin = optionalTimestamp(member.user.lastLogin);
  return {
    userId: member.user.id,
    emails: [member.user.email],
    dateAdded: timestamp(member.joinedAt),
    ...(lastLogin !== undefined && { lastLogin }),
  };
}

/** UpdateOrganization sends only the fields the caller gave (proto3 optional): absent means unchanged. */
export function parseOrganizationUpdate(req: appApi.UpdateOrganizationRequest) {
  return {
    ...(req.name !== undefined && { name: req.name }),
    ...(req.publicNamespace !== undefined && { publicNamespace: req.publicNamespace }),
    ...(req.region !== undefined && { region: req.region }),
    ...(req.cid !== undefined && { cid: req.cid }),
  };
}
