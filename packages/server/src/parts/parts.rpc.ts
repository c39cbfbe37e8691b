import { parseId } from '@hangar/domain';
import { NEXT_PAGE_TOKEN_HEADER, pageFromHeaders } from '../rpc/paging.js';
import type { AppHandlers } from '../rpc/routes.js';
import { configJson, historyEntryToProto, parsePartUpdate, partToProto, type PartView } from './parts.convert.js';
import type { PartsService } from './parts.service.js';

export const partsRpc = (parts: PartsService, view: () => PartView): AppHandlers => ({
  async getRobotParts(req) {
    const v = view();
    return { parts: (await parts.list(req.robotId)).map((p) => partToProto(p, v)) };
  },
  async getRobotPart(req) {
    const part = await parts.get(req.id);
    return { part: partToProto(part, view()), configJson: configJson(part) };
  },
  async getRobotPartByNameAndLocation(req) {
    return { part: partToProto(await parts.getByName(req.locationId, req.name), view()) };
  },
  async newRobotPart(req) {
    return { partId: await parts.create(req.robotId, req.partName) };
  },
  async updateRobotPart(req, { actor }) {
    return { part: partToProto(await parts.update(actor, req.id, parsePartUpdate(req)), view()) };
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
    const v = view();
    return { history: page.items.map((e) => historyEntryToProto(e, v)) };
  },
  async createRobotPartSecret(req) {
    return { part: partToProto(await parts.createSecret(req.partId), view()) };
  },
  async deleteRobotPartSecret(req) {
    await parts.deleteSecret(req.partId, parseId('secret_id', req.secretId));
    return {};
  },
});
