import { parseAuthorization } from '@hangar/domain';
import type { AppHandlers } from '../rpc/routes.js';
import { keyWithAuthorizationsToProto } from './keys.convert.js';
import type { KeysService } from './keys.service.js';

export const keysRpc = (keys: KeysService): AppHandlers => ({
  async createKey(req, { actor }) {
    const grants = req.authorizations.map((a, i) => parseAuthorization(a, `authorizations[${i}]`));
    return keys.create(actor, grants, req.name);
  },
  async createKeyFromExistingKeyAuthorizations(req, { actor }) {
    return keys.createFromExisting(actor, req.id);
  },
  async deleteKey(req, { actor }) {
    await keys.delete(actor, req.id);
    return {};
  },
  async listKeys(req) {
    return { apiKeys: (await keys.list(req.orgId)).map(keyWithAuthorizationsToProto) };
  },
  async getRobotAPIKeys(req) {
    return { apiKeys: (await keys.listForRobot(req.robotId)).map(keyWithAuthorizationsToProto) };
  },
  async rotateKey(req) {
    return keys.rotate(req.id);
  },
  async renameKey(req) {
    const key = await keys.rename(req.id, req.name);
    return { id: key.id, name: key.name };
  },
});
