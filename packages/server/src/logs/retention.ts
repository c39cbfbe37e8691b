/**
 * Log retention, in the background: entries older than `--log-retention-days` (by the machine's time),
 * entries beyond `--log-max-entries-per-part` (the oldest), and the logs of parts that no longer exist.
 * Deletes go in small batches with a pause between them, so ingest and queries never wait long behind one.
 */
import { logs as logQueries, parts, type Database, type LogPosition, type LogStore } from '@hangar/store';
import type { Logger } from '../log.js';
import { soonAfterStart, startPeriodic, type PeriodicJob } from '../periodic.js';

export type DeletionReason = 'age' | 'count' | 'part_deleted';

export interface RetentionOptions {
  readonly db: Database;
  readonly store: LogStore;
  readonly now: () => Date;
  readonly log: Logger;
  readonly retentionDays: number;
  readonly maxEntriesPerPart: number;
  readonly intervalSeconds: number;
  readonly onDeleted: (reason: DeletionReason, entries: number) => void;
  /** Entries per delete statement. */
  readonly batch?: number;
}

const END_OF_TIME: LogPosition = { timeUs: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER };
const PAUSE_MS = 5;

export function startLogRetention(options: RetentionOptions): PeriodicJob {
  const { db, store, now, log, onDeleted } = options;
  const batch = options.batch ?? 1_000;

  const pause = () => new Promise((resolve) => setTimeout(resolve, PAUSE_MS));

  /** Deletes the part's entries up to `upTo`, a batch at a time; returns how many went. */
  async function deleteAll(partId: string, upTo: LogPosition, reason: DeletionReason, stopped: () => boolean): Promise<number> {
    let total = 0;
    while (!stopped()) {
      const n = await store.deleteUpTo(partId, upTo, batch);
      if (n > 0) onDeleted(reason, n);
      total += n;
      if (n < batch) break;
      await pause();
    }
    return total;
  }

  async function sweep(stopped: () => boolean): Promise<void> {
    const held = await logQueries.listLogParts(store);
    const ids = held.map((p) => p.partId);
    const existing = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      for (const id of await parts.existingPartIds(db, ids.slice(i, i + 500))) existing.add(id);
    }
    const cutoffUs = (now().getTime() - options.retentionDays * 86_400_000) * 1000;
    for (const { partId, entries } of held) {
      if (stopped()) return;
      if (!existing.has(partId)) {
        await deleteAll(partId, END_OF_TIME, 'part_deleted', stopped);
        // Stopping may have cut the deletion short; the part is forgotten on a later sweep then.
        if (!stopped()) await store.forgetPart(partId);
        continue;
      }
      await deleteAll(partId, { timeUs: cutoffUs - 1, id: Number.MAX_SAFE_INTEGER }, 'age', stopped);
      if (entries > options.maxEntriesPerPart) {
        const beyond = await logQueries.positionBeyond(store, partId, options.maxEntriesPerPart);
        if (beyond !== undefined) await deleteAll(partId, beyond, 'count', stopped);
      }
    }
  }

  const intervalMs = options.intervalSeconds * 1000;
  // The first sweep soon after start (with a little spread, so replicas started together do not collide).
  return startPeriodic({ name: 'log retention', run: sweep, firstMs: soonAfterStart(intervalMs, 1_000), intervalMs, log });
}
