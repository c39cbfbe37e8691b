import type { AccountService } from '@hangar/wire';
import type { AuthService } from '../auth/auth.service.js';
import type { ServiceHandlers } from '../rpc/routes.js';

/** hangar.account.v1.AccountService: a user's own password and sessions. */
export const accountRpc = (auth: AuthService): ServiceHandlers<typeof AccountService> => ({
  async changePassword(req, call) {
    return { accessToken: await auth.changePassword(call.actor, req.currentPassword, req.newPassword, call.peerAddress) };
  },
  async logOutEverywhere(_req, call) {
    await auth.logOutEverywhere(call.actor);
    return {};
  },
});
