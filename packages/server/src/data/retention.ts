/**
 * `--data-retention-days`: in the background, readings and files captured longer ago than that are deleted
 * in batches, with a pause between batches so ingest and queries keep their share of the database. Off (0)
 * by default: Viam keeps data until it is deleted.
 */
import type { Logger } from '../log.js';
import { NOT_STARTED, soonAfterStart, startPeriodic, type PeriodicJob } from '../periodic.js';
import type { DataService } from './data.service.js';

const BATCH = 1000;
const PAUSE_MS = 50;

export interface DataRetentionOptions {
  readonly data: DataService;
  readonly now: () => Date;
  readonly log: Logger;
  readonly retentionDays: number;
  readonly intervalSeconds: number;
}

export function startDataRetention({ data, now, log, retentionDays, intervalSeconds }: DataRetentionOptions): PeriodicJob {
  async function sweep(stopped: () => boolean): Promise<void> {
    const beforeUs = (now().getTime() - retentionDays * 86_400_000) * 1000;
    const total = { readings: 0, files: 0 };
    while (!stopped()) {
      const n = await data.expireBatch(beforeUs, BATCH);
      total.readings += n.readings;
      total.files += n.files;
      if (n.readings < BATCH && n.files < BATCH) break;
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    }
    if (total.readings + total.files > 0) log.info({ ...total, retentionDays }, 'data retention deleted old captured data');
  }
  if (retentionDays <= 0) return NOT_STARTED;
  const intervalMs = intervalSeconds * 1000;
  return startPeriodic({ name: 'data retention', run: sweep, firstMs: soonAfterStart(intervalMs, 1_000), intervalMs, log });
}
