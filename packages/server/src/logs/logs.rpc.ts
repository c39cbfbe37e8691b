import { invalid, MAX_LOG_ENTRIES_PER_REQUEST, parseId, parseLogNeedle } from '@hangar/domain';
import type { RobotService } from '@hangar/wire';
import type { AppHandlers, ServiceHandlers } from '../rpc/routes.js';
import { entryFromProto, logsPageToProto, parseLogQuery, tailResponse, type SharedTailResponse } from './logs.convert.js';
import type { LogsService } from './logs.service.js';
import { createTailHub } from './tail-hub.js';

/** The tails' hub, with the encoding every tail of a group shares. */
export const createLogTails = (options: { maxTails: number; bufferEntries: number }) =>
  createTailHub<SharedTailResponse>({ encode: tailResponse, ...options });

export const logsRpc = (logs: LogsService<SharedTailResponse>): AppHandlers => ({
  async getRobotPartLogs(req) {
    const page = await logs.page(parseId('id', req.id), parseLogQuery(req));
    return logsPageToProto(page.entries, page.nextPageToken);
  },
  async *tailRobotPartLogs(req, call) {
    const contains = parseLogNeedle('filter', req.filter);
    yield* logs.tail(parseId('id', req.id), { errorsOnly: req.errorsOnly, ...(contains !== undefined && { contains }) }, call.signal);
  },
});

/** viam.app.v1.RobotService/Log: what machines call to send their logs. */
export const machineLogsRpc = (logs: LogsService<SharedTailResponse>, now: () => Date): ServiceHandlers<typeof RobotService> => ({
  async log(req) {
    const partId = parseId('id', req.id);
    if (req.logs.length > MAX_LOG_ENTRIES_PER_REQUEST) {
      throw invalid(
        `a Log call carries at most ${MAX_LOG_ENTRIES_PER_REQUEST} entries, got ${req.logs.length}; send them in several calls`,
      );
    }
    const receivedUs = now().getTime() * 1000;
    await logs.write(
      partId,
      req.logs.map((e, i) => entryFromProto(partId, e, i, receivedUs)),
    );
    return {};
  },
});
