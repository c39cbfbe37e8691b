import type { AppHandlers } from '../rpc/routes.js';
import { authorizationToProto, parseRoleInput } from './roles.convert.js';
import type { RolesService } from './roles.service.js';

export const rolesRpc = (roles: RolesService): AppHandlers => ({
  async addRole(req) {
    await roles.add(parseRoleInput(req.authorization, 'authorization'));
    return {};
  },
  async removeRole(req) {
    await roles.remove(parseRoleInput(req.authorization, 'authorization'));
    return {};
  },
  async changeRole(req) {
    await roles.change(
      parseRoleInput(req.oldAuthorization, 'old_authorization'),
      parseRoleInput(req.newAuthorization, 'new_authorization'),
    );
    return {};
  },
  async listAuthorizations(req) {
    return { authorizations: (await roles.list(req.organizationId, req.resourceIds)).map(authorizationToProto) };
  },
  async checkPermissions(req, { actor }) {
    return { authorizedPermissions: await roles.check(actor, req.permissions) };
  },
});
