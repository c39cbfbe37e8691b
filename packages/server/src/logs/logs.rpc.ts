import { invalid, MAX_LOG_ENTRIES_PER_REQUEST, parseId, parseLogNeedle } from '@hangar/domain';
import { LOG_BATCH_HEADER, parseLogBatch, RobotService } from '@hangar/wire';
import type { AppHandlers, ServiceHandlers } from '../rpc/routes.js';
import { ingestLogRequestType, type IngestLogRequest } from './log-wire.js';
import { entriesOfRequest, LogsPage, parseLogQuery, tailBatch, type TailBatch } from './logs.convert.js';
import type { LogsService } from './logs.service.js';
import { createTailHub } from './tail-hub.js';

/** The tails' hub, with the encoding every tail of a group shares. */
export const createLogTails = (options: { maxTails: number; bufferEntries: number }) =>
  createTailHub<TailBatch>({ encode: tailBatch, ...options });

export const logsRpc = (logs: LogsService<TailBatch>): AppHandlers => ({
  async getRobotPartLogs(req) {
    const page = await logs.page(parseId('id', req.id), parseLogQuery(req));
    return new LogsPage(page.entries, page.nextPageToken);
  },
  async *tailRobotPartLogs(req, call) {
    const contains = parseLogNeedle('filter', req.filter);
    yield* logs.tail(parseId('id', req.id), { errorsOnly: req.errorsOnly, ...(contains !== undefined && { contains }) }, call.signal);
  },
});

/**
 * viam.app.v1.RobotService as Hangar serves it: Log reads its request with the wire parser (log-wire.ts),
 * so machines' entries are stored without their Structs ever being decoded.
 */
type Robot = typeof RobotService;
export type MachineServiceDescriptor = Omit<Robot, 'methods'> & {
  readonly methods: Omit<Robot['methods'], 'log'> & {
    readonly log: Omit<Robot['methods']['log'], 'I'> & { readonly I: typeof IngestLogRequest };
  };
};

export function machineService(maxConfigDepth: number): MachineServiceDescriptor {
  // Struct → Value is two message levels per JSON level, plus the request's own few.
  const I = ingestLogRequestType(2 * maxConfigDepth + 16);
  return { ...RobotService, methods: { ...RobotService.methods, log: { ...RobotService.methods.log, I } } };
}

/** viam.app.v1.RobotService/Log: what machines call to send their logs. */
export const machineLogsRpc = (logs: LogsService<TailBatch>, now: () => Date): Pick<ServiceHandlers<MachineServiceDescriptor>, 'log'> => ({
  async log(req, call) {
    const partId = parseId('id', req.id);
    const count = req.wireEntries?.length ?? req.logs.length;
    if (count > MAX_LOG_ENTRIES_PER_REQUEST) {
      throw invalid(`a Log call carries at most ${MAX_LOG_ENTRIES_PER_REQUEST} entries, got ${count}; send them in several calls`);
    }
    const batch = parseLogBatch(call.requestHeader.get(LOG_BATCH_HEADER));
    if (batch instanceof Error) throw invalid(batch.message);
    await logs.write(partId, entriesOfRequest(partId, req, now().getTime() * 1000), batch);
    return {};
  },
});
