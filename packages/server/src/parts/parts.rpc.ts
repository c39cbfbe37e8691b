import { can, parseId } from '@hangar/domain';
import { NEXT_PAGE_TOKEN_HEADER, pageFromHeaders, RESTART_PENDING_HEADER } from '../rpc/paging.js';
import type { AppHandlers, Call } from '../rpc/routes.js';
import { configJson, historyEntryToProto, parsePartUpdate, partToProto, type PartView } from './parts.convert.js';
import type { PartsService } from './parts.service.js';

export const partsRpc = (parts: PartsService, view: () => Omit<PartView, 'showSecrets'>): AppHandlers => {
  /**
   * A part's secrets let their holder act as the machine, so they go only to callers who may change the
   * machine; everyone else who can read the part gets it with its secrets empty. The method table already
   * resolved where the machine (or its location) sits; a machine's scope is its location's plus itself.
   */
  const withSecrets = ({ actor, scopes }: Call, robotId: string): PartView => {
    const [scope] = scopes;
    return {
      ...view(),
      showSecrets: scope !== undefined && can(actor, 'robot.write', { ...scope, kind: 'robot', robotId }),
    };
  };
  return {
    async getRobotParts(req, call) {
      const page = await parts.list(req.robotId, pageFromHeaders(call.requestHeader));
      call.responseHeader.set(NEXT_PAGE_TOKEN_HEADER, page.nextPageToken);
      const v = withSecrets(call, req.robotId);
      return { parts: page.items.map((p) => partToProto(p, v)) };
    },
    async getRobotPart(req, call) {
      const part = await parts.get(req.id);
      // Viam's RobotPart has no field for it; Hangar's clients show it, others ignore the header.
      call.responseHeader.set(RESTART_PENDING_HEADER, String(part.needsRestart));
      return { part: partToProto(part, withSecrets(call, part.robotId)), configJson: configJson(part) };
    },
    async getRobotPartByNameAndLocation(req, call) {
      const part = await parts.getByName(req.locationId, req.name);
      return { part: partToProto(part, withSecrets(call, part.robotId)) };
    },
    async newRobotPart(req) {
      return { partId: await parts.create(req.robotId, req.partName) };
    },
    async updateRobotPart(req, call) {
      const part = await parts.update(call.actor, req.id, parsePartUpdate(req));
      return { part: partToProto(part, withSecrets(call, part.robotId)) };
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
