import { parseId } from '@hangar/domain';
import { orgDetailsToProto } from '../organizations/organizations.convert.js';
import type { AppHandlers } from '../rpc/routes.js';
import type { UsersService } from './users.service.js';

export const usersRpc = (users: UsersService): AppHandlers => ({
  async getUserIDByEmail(req, { actor }) {
    return { userId: await users.idByEmail(actor, req.email) };
  },
  async listOrganizationsByUser(req, { actor }) {
    return { orgs: (await users.organizationsOf(actor, parseId('user_id', req.userId))).map(orgDetailsToProto) };
  },
});
