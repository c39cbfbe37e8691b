import { parseAuthorization } from '@hangar/domain';
import type { AppHandlers } from '../rpc/routes.js';
import type { KeysService } from './keys.service.js';

export const keysRpc = (keys: KeysService): AppHandlers => ({
    async createKey(req, { actor }) {
      const grants = req.authorizations.map((a, i) => parseAuthorization(a, `authorizations[${i}]`));
      return keys.create(actor, grants, req.name);
    },
});
