import { parseId } from '@hangar/domain';
import type { AppHandlers } from '../rpc/routes.js';
import { memberToProto } from '../organizations/organizations.convert.js';
import { inviteToProto, parseInviteGrants } from './members.convert.js';
import type { MembersService } from './members.service.js';

export const membersRpc = (members: MembersService): AppHandlers => ({
  async listOrganizationMembers(req) {
    const id = req.organizationId;
    const { members: list, invites } = await members.list(id);
    return { organizationId: id, members: list.map(memberToProto), invites: invites.map(inviteToProto) };
  },
  async createOrganizationInvite(req) {
    const grants = parseInviteGrants(req.organizationId, req.authorizations, 'authorizations', true);
    return { invite: inviteToProto(await members.invite(req.organizationId, req.email, grants, req.sendEmailInvite ?? true)) };
  },
  async updateOrganizationInviteAuthorizations(req) {
    const add = parseInviteGrants(req.organizationId, req.addAuthorizations, 'add_authorizations', false);
    const remove = parseInviteGrants(req.organizationId, req.removeAuthorizations, 'remove_authorizations', false);
    return { invite: inviteToProto(await members.updateAuthorizations(req.organizationId, req.email, add, remove)) };
  },
  async deleteOrganizationMember(req) {
    await members.removeMember(req.organizationId, parseId('user_id', req.userId));
    return {};
  },
  async deleteOrganizationInvite(req) {
    await members.deleteInvite(req.organizationId, req.email);
    return {};
  },
  async resendOrganizationInvite(req) {
    return { invite: inviteToProto(await members.resendInvite(req.organizationId, req.email, req.sendEmailInvite ?? true)) };
  },
});
