/**
 * Machine logs: ingest through the batching writer, pages newest first, live tails. Everything a replica
 * commits reaches its own tails directly; on PostgreSQL other replicas hear of each batch through
 * LISTEN/NOTIFY (part and id range only) and read the rows themselves.
 */
import { encodeLogPageToken, isDomainError, unavailable, type LogCursor, type LogLevelChoice } from '@hangar/domain';
import {
  logs as logQueries,
  type CommittedRange,
  type LogListener,
  type LogSequence,
  type LogStore,
  type NewLogEntry,
  type StoredLogEntry,
} from '@hangar/store';
import type { Logger } from '../log.js';
import type { Presence } from '../machines/presence.js';
import { entryBytes, type LogWriter } from './log-writer.js';
import type { TailFilter, TailHub } from './tail-hub.js';

export interface LogQuery {
  readonly levels: LogLevelChoice;
  readonly contains?: string;
  readonly source?: string;
  readonly startUs?: number;
  readonly endUs?: number;
  readonly limit: number;
  readonly after?: LogCursor | undefined;
}

export interface LogPage {
  readonly entries: readonly StoredLogEntry[];
  /** "" on the last page. */
  readonly nextPageToken: string;
}

export interface LogsServiceDeps<M> {
  readonly store: LogStore;
  readonly writer: LogWriter;
  readonly tails: TailHub<M>;
  /** This server's tag on what its writer announces. */
  readonly origin: string;
  /** A part's `last_access` moves with its logs. */
  readonly presence: Presence;
  readonly log: Logger;
  /** Largest page in bytes (a page is cut short, with a next token, rather than exceed it). */
  readonly maxResponseBytes: number;
}

export function createLogsService<M>({ store, writer, tails, origin, presence, log, maxResponseBytes }: LogsServiceDeps<M>) {
  // Batches other replicas committed, read in the order heard per part, so a tail sees them in commit order.
  const reading = new Map<string, Promise<void>>();
  function heardOf(from: string, ranges: readonly CommittedRange[]): void {
    if (from === origin) return;
    for (const range of ranges) {
      if (!tails.hasTails(range.partId)) continue;
      const previous = reading.get(range.partId) ?? Promise.resolve();
      const next = previous
        .then(() => logQueries.entriesInRange(store, range))
        .then(
          (entries) => {
            tails.publish(entries);
          },
          (err: unknown) => {
            log.warn({ err, partId: range.partId }, 'could not read log entries another server wrote');
          },
        )
        .finally(() => {
          if (reading.get(range.partId) === next) reading.delete(range.partId);
        });
      reading.set(range.partId, next);
    }
  }

  return {
    /** Resolves once the entries are committed (or, for a numbered batch stored before, were committed then). */
    async write(partId: string, entries: readonly NewLogEntry[], batch?: Omit<LogSequence, 'partId'>): Promise<void> {
      try {
        await writer.write(entries, batch === undefined ? undefined : { partId, ...batch });
      } catch (err) {
        if (isDomainError(err)) throw err;
        // The writer logged the cause; the machine keeps its entries and sends them again.
        throw unavailable('the server could not store these log entries just now; send them again in a few seconds', 5);
      }
      presence.touch(partId);
    },

    async page(partId: string, q: LogQuery): Promise<LogPage> {
      if (q.levels.matchesNothing) return { entries: [], nextPageToken: '' };
      const filter = {
        levels: q.levels.levels,
        excludeLevels: q.levels.excludeLevels,
        ...(q.contains !== undefined && { contains: q.contains }),
        ...(q.source !== undefined && { source: q.source }),
        ...(q.startUs !== undefined && { startUs: q.startUs }),
        ...(q.endUs !== undefined && { endUs: q.endUs }),
      };
      const rows = await logQueries.pageOfPartLogs(store, partId, filter, q.limit + 1, q.after);
      const entries: StoredLogEntry[] = [];
      let bytes = 0;
      for (const row of rows.slice(0, q.limit)) {
        bytes += entryBytes(row) / 2;
        if (entries.length > 0 && bytes > maxResponseBytes) break;
        entries.push(row);
      }
      const last = entries.at(-1);
      // Every page with entries carries a token, as Viam's app does: the official CLI stops before printing a
      // page whose token is empty, so the last page's token leads to an empty page instead.
      return { entries, nextPageToken: last !== undefined ? encodeLogPageToken({ timeUs: last.timeUs, id: last.id }) : '' };
    },

    tail(partId: string, filter: TailFilter, signal: AbortSignal): AsyncIterable<M> {
      return tails.subscribe(partId, filter, signal);
    },

    /** PostgreSQL: starts hearing other replicas' batches. */
    async listen(): Promise<LogListener | undefined> {
      if (store.listen === undefined) return undefined;
      return store.listen(heardOf, (err) => {
        log.warn({ err }, 'lost the log notification connection; live tails miss entries other servers write until it is back');
      });
    },
  };
}

export type LogsService<M> = ReturnType<typeof createLogsService<M>>;
