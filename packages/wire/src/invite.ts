// hangar.invite.v1: accepting an organization invitation (Viam does it in its web app), callable without
// a token since the invite token is the credential and accepting may create the account; and the accept
// links of pending invitations, for owners.
import { MethodKind, proto3, ScalarType, type Message } from '@bufbuild/protobuf';

export interface AcceptInviteRequest extends Message<AcceptInviteRequest> {
  token: string;
  /** For an invitee without an account: the password of the account accepting creates. */
  newPassword: string;
}
export const AcceptInviteRequest = proto3.makeMessageType<AcceptInviteRequest>('hangar.invite.v1.AcceptInviteRequest', [
  { no: 1, name: 'token', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'new_password', kind: 'scalar', T: ScalarType.STRING },
]);

export interface AcceptInviteResponse extends Message<AcceptInviteResponse> {
  organizationId: string;
  organizationName: string;
  email: string;
  /** Set when accepting created the account: a token for it. */
  accessToken: string;
}
export const AcceptInviteResponse = proto3.makeMessageType<AcceptInviteResponse>('hangar.invite.v1.AcceptInviteResponse', [
  { no: 1, name: 'organization_id', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'organization_name', kind: 'scalar', T: ScalarType.STRING },
  { no: 3, name: 'email', kind: 'scalar', T: ScalarType.STRING },
  { no: 4, name: 'access_token', kind: 'scalar', T: ScalarType.STRING },
]);

export interface ListInviteLinksRequest extends Message<ListInviteLinksRequest> {
  organizationId: string;
}
export const ListInviteLinksRequest = proto3.makeMessageType<ListInviteLinksRequest>('hangar.invite.v1.ListInviteLinksRequest', [
  { no: 1, name: 'organization_id', kind: 'scalar', T: ScalarType.STRING },
]);

export interface InviteLink extends Message<InviteLink> {
  email: string;
  link: string;
  command: string;
  expiresAt: string;
}
export const InviteLink = proto3.makeMessageType<InviteLink>('hangar.invite.v1.InviteLink', [
  { no: 1, name: 'email', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'link', kind: 'scalar', T: ScalarType.STRING },
  { no: 3, name: 'command', kind: 'scalar', T: ScalarType.STRING },
  { no: 4, name: 'expires_at', kind: 'scalar', T: ScalarType.STRING },
]);

export interface ListInviteLinksResponse extends Message<ListInviteLinksResponse> {
  links: InviteLink[];
}
export const ListInviteLinksResponse = proto3.makeMessageType<ListInviteLinksResponse>('hangar.invite.v1.ListInviteLinksResponse', [
  { no: 1, name: 'links', kind: 'message', T: InviteLink, repeated: true },
]);

/** Open to everyone: the invite token is the credential. */
export const InviteService = {
  typeName: 'hangar.invite.v1.InviteService',
  methods: {
    acceptInvite: { name: 'AcceptInvite', I: AcceptInviteRequest, O: AcceptInviteResponse, kind: MethodKind.Unary },
  },
} as const;

/** For an organization's owners. */
export const InviteAdminService = {
  typeName: 'hangar.invite.v1.InviteAdminService',
  methods: {
    listInviteLinks: { name: 'ListInviteLinks', I: ListInviteLinksRequest, O: ListInviteLinksResponse, kind: MethodKind.Unary },
  },
} as const;
