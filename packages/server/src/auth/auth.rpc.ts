import type { ConnectRouter, HandlerContext } from '@connectrpc/connect';
import { AuthService as AuthServiceDescriptor } from '@hangar/wire';
import type { Logger } from '../log.js';
import { toConnectError } from '../rpc/errors.js';
import { PEER_ADDRESS } from '../rpc/routes.js';
import { checkRequest } from '../rpc/sanitize.js';
import type { Limits } from '../settings.js';
import type { AuthService } from './auth.service.js';

/** proto.rpc.v1.AuthService: the only method callable without a token, so its requests stay small. */
export function registerAuthService(router: ConnectRouter, auth: AuthService, log: Logger, limits: Limits): void {
  router.service(
    AuthServiceDescriptor,
    {
      async authenticate(req, ctx: HandlerContext) {
        const started = performance.now();
        let code = 'ok';
        try {
          checkRequest(req, { maxConfigDepth: limits.maxConfigDepth });
          const accessToken = await auth.authenticate(
            req.entity,
            req.credentials?.type ?? '',
            req.credentials?.payload ?? '',
            ctx.values.get(PEER_ADDRESS),
          );
          return { accessToken };
        } catch (err) {
          const failure = toConnectError(err, log, 'Authenticate');
          code = String(failure.code);
          throw failure;
        } finally {
          // The entity (key id or email) identifies who tried; the payload never leaves this function.
          log.debug(
            {
              rpc: 'Authenticate',
              code,
              ms: Math.round((performance.now() - started) * 100) / 100,
              entity: req.entity.slice(0, 256),
              type: req.credentials?.type.slice(0, 64),
            },
            'rpc',
          );
        }
      },
    },
    { readMaxBytes: limits.maxAuthenticateBytes },
  );
}
