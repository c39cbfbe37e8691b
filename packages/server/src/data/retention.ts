/**
 * `--data-retention-days`: in the background, readings and files captured longer ago than that are deleted
 * in batches, with a pause between batches so ingest and queries keep their share of the database. Off (0)
 * by default: Viam keeps data until it is deleted.
 */
import type { Logger } from '../log.js';
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

export function startDataRetention({ data, now, log, retentionDays, intervalSeconds }: DataRetentionOptions) {
  let stopped = false;
  const isStopped = () => stopped;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function sweep(): Promise<void> {
    const beforeUs = (now().getTime() - retentionDays * 86_400_000) * 1000;
    const total = { readings: 0, files: 0 };
    while (!isStopped()) {
      const n = await data.expireBatch(beforeUs, BATCH);
      total.readings += n.readings;
      total.files += n.files;
      if (n.readings < BATCH && n.files < BATCH) break;
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    }
    if (total.readings + total.files > 0) log.info({ ...total, retentionDays }, 'data retention deleted old captured data');
  }

  function schedule(ms: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweep()
        .catch((err: unknown) => {
          log.warn({ err }, 'data retention failed; it runs again at the next interval');
        })
        .finally(() => {
          running = undefined;
          schedule(intervalSeconds * 1000);
        });
    }, ms);
  }
  if (retentionDays > 0) schedule(Math.min(intervalSeconds * 1000, 1_000 + Math.floor(Math.random() * 1_000)));

  return {
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
