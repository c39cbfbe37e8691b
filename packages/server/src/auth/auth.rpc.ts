import type { ConnectRouter } from '@connectrpc/connect';
import { AuthService as AuthServiceDescriptor } from '@hangar/wire';
import type { Logger } from '../log.js';
import { toConnectError } from '../rpc/errors.js';
import type { AuthService } from './auth.service.js';

/** proto.rpc.v1.AuthService: the only method callable without a token. */
export function registerAuthService(router: ConnectRouter, auth: AuthService, log: Logger): void {
  router.service(AuthServiceDescriptor, {
    async authenticate(req) {
      const started = performance.now();
      let code = 'ok';
      try {
        return { accessToken: await auth.authenticate(req.entity, req.credentials?.type ?? '', req.credentials?.payload ?? '') };
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
            entity: req.entity,
            type: req.credentials?.type,
          },
          'rpc',
        );
      }
    },
  });
}
