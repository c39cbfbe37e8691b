import { ONLINE_STATE } from '../robots/robots.convert.js';
import { optionalTimestamp } from '../rpc/convert.js';
import type { AppHandlers } from '../rpc/routes.js';
import type { SummariesService } from './summaries.service.js';

export const summariesRpc = (summaries: SummariesService): AppHandlers => ({
  async listMachineSummaries(req, { actor }) {
    const list = await summaries.list(actor, req.organizationId, {
      fragmentIds: req.fragmentIds,
      locationIds: req.locationIds,
      limit: req.limit,
    });
    return {
      locationSummaries: list.map(({ location, machines }) => ({
        locationId: location.id,
        locationName: location.name,
        machineSummaries: machines.map(({ robot, parts }) => ({
          machineId: robot.id,
          machineName: robot.name,
          partSummaries: parts.map((p) => {
            const lastAccess = optionalTimestamp(p.lastAccess);
            return {
              partId: p.id,
              partName: p.name,
              isMainPart: p.isMain,
              onlineState: ONLINE_STATE[p.status],
              secondsSinceOnline: BigInt(p.secondsSinceOnline),
              ...(lastAccess !== undefined && { lastAccess, lastOnline: lastAccess }),
              dnsName: p.dnsName,
              fragments: p.fragments.map((f) => ({ id: f.id, name: f.name })),
            };
          }),
        })),
      })),
    };
  },
});
