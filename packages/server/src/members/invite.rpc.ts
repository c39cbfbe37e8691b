import type { ConnectRouter, HandlerContext } from '@connectrpc/connect';
import { InviteAdminService, InviteService } from '@hangar/wire';
import type { AuthService } from '../auth/auth.service.js';
import type { Logger } from '../log.js';
import { toConnectError } from '../rpc/errors.js';
import { INVITE_ADMIN_METHODS } from '../rpc/methods.js';
import { registerService, type RouteDeps } from '../rpc/routes.js';
import { checkRequest } from '../rpc/sanitize.js';
import type { Limits } from '../settings.js';
import type { MembersService } from './members.service.js';

/**
 * hangar.invite.v1.InviteService/AcceptInvite is callable without a token (the invite token is the
 * credential), so like AuthService it has its own small wrapper: the caller is signed in only if it sends
 * a token, and its request is as small as a sign-in.
 */
export function registerInviteServices(
  router: ConnectRouter,
  members: MembersService,
  auth: AuthService,
  log: Logger,
  limits: Limits,
  routeDeps: RouteDeps,
): void {
  router.service(
    InviteService,
    {
      async acceptInvite(req, ctx: HandlerContext) {
        try {
          checkRequest(req, { maxConfigDepth: limits.maxConfigDepth });
          const header = ctx.requestHeader.get('authorization');
          const actor = header === null || header === '' ? undefined : await auth.actorOf(undefined, header);
          const accepted = await members.accept(req.token.trim(), actor, req.newPassword);
          return { ...accepted, accessToken: accepted.accessToken ?? '' };
        } catch (err) {
          throw toConnectError(err, log, 'AcceptInvite');
        }
      },
    },
    { readMaxBytes: limits.maxAuthenticateBytes },
  );
  registerService(
    router,
    InviteAdminService,
    INVITE_ADMIN_METHODS,
    {
      async listInviteLinks(req) {
        return { links: await members.links(req.organizationId) };
      },
    },
    routeDeps,
  );
}
