import { parseId, type Actor } from '@hangar/domain';
import type { Access } from '../rpc/access.js';
import { NEXT_PAGE_TOKEN_HEADER, pageFromHeaders } from '../rpc/paging.js';
import type { AppHandlers } from '../rpc/routes.js';
import { configJson, historyEntryToProto, parsePartUpdate, partToProto, type PartView } from './parts.convert.js';
import type { PartsService } from './parts.service.js';

export const partsRpc = (parts: PartsService, view: () => Omit<PartView, 'showSecrets'>, access: Access): AppHandlers => {
  /**
   * A part's secrets let their holder act as the machine, so they go only to callers who may change the
   * machine; everyone else who can read the part gets it with its secrets empty.
   */
  const withSecrets = async (actor: Actor, robotId: string): Promise<PartView> => ({
    ...view(),
    showSecrets: (await access.allowed(actor, ['robot.write'], { robot: robotId })).has('robot.write'),
  });
  return {
    async getRobotParts(req, call) {
      const page = await parts.list(req.robotId, pageFromHeaders(call.requestHeader));
      call.responseHeader.set(NEXT_PAGE_TOKEN_HEADER, page.nextPageToken);
      const v = await withSecrets(call.actor, req.robotId);
      return { parts: page.items.map((p) => partToProto(p, v)) };
    },
    async getRobotPart(req, { actor }) {
      const part = await parts.get(req.id);
      return { part: partToProto(part, await withSecrets(actor, part.robotId)), configJson: configJson(part) };
    },
    async getRobotPartByNameAndLocation(req, { actor }) {
      const part = await parts.getByName(req.locationId, req.name);
      return { part: partToProto(part, await withSecrets(actor, part.robotId)) };
    },
    async newRobotPart(req) {
      return { partId: await parts.create(req.robotId, req.partName) };
    },
    async updateRobotPart(req, { actor }) {
      const part = await parts.update(actor, req.id, parsePartUpdate(req));
      return { part: partToProto(part, await withSecrets(actor, part.robotId)) };
    },
    async deleteRobotPart(req) {
      await parts.delete(req.partId);
      return {};
    },
    async markPartAsMain(req) {
      await parts.markAsMain(req.partId);
      return {};
    },
    async markPartForRestart(req) {
      await parts.markForRestart(req.partId);
      return {};
    },
    async getRobotPartHistory(req, call) {
      const page = await parts.history(req.id, pageFromHeaders(call.requestHeader));
      call.responseHeader.set(NEXT_PAGE_TOKEN_HEADER, page.nextPageToken);
      const v = { ...view(), showSecrets: false };
      return { history: page.items.map((e) => historyEntryToProto(e, v)) };
    },
    async createRobotPartSecret(req) {
      // Only callers who may change the machine get here (the method table), so the new secret is theirs.
      return { part: partToProto(await parts.createSecret(req.partId), { ...view(), showSecrets: true }) };
    },
    async deleteRobotPartSecret(req) {
      await parts.deleteSecret(req.partId, parseId('secret_id', req.secretId));
      return {};
    },
  };
};
