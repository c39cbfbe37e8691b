/**
 * What a stored file leaves behind when something stops half-way, cleared in the background every
 * `--storage-cleanup-interval-seconds`:
 * - resumable registry uploads idle past their expiry, and part files no upload owns (registry-http.ts);
 * - blob-store writes that never finished (a killed server's temp files), once idle for an hour;
 * - blobs no registry file and no data file names, once a day old: what a crash between a delete's commit and
 *   its collection of the bytes, or a lost race with that collection, leaves on disk. The day's grace covers
 *   an upload whose bytes are stored but whose row is not yet written (the filesystem store also renews a
 *   blob's time whenever the same bytes are stored again), and the time is checked again just before a delete.
 * Every replica may run it: each step is safe to repeat.
 */
import type { Executor } from '@hangar/store';
import type { Logger } from '../log.js';
import { soonAfterStart, startPeriodic, type PeriodicJob } from '../periodic.js';
import type { BlobStore } from './blob-store.js';
import { collectUnreferenced } from './collect-unreferenced.js';

export const INCOMPLETE_WRITE_IDLE_MS = 3600 * 1000;
export const UNREFERENCED_BLOB_GRACE_MS = 24 * 3600 * 1000;
/** Blobs checked against the tables at a time. */
const BATCH = 500;

export interface StorageCleanupOptions {
  readonly db: Executor;
  readonly blobs: BlobStore;
  /** The registry's sweep of abandoned uploads; returns how many it removed. */
  readonly sweepUploads: () => Promise<number>;
  readonly log: Logger;
  readonly now: () => Date;
  readonly intervalSeconds: number;
}

/** Deletes the blobs older than the grace that no row names; returns how many went. Ends early once `stopped`. */
export async function collectOrphanBlobs(
  db: Executor,
  blobs: BlobStore,
  now: () => Date,
  log: Logger,
  stopped: () => boolean = () => false,
): Promise<number> {
  const old = (writtenAtMs: number | undefined) => writtenAtMs !== undefined && now().getTime() - writtenAtMs >= UNREFERENCED_BLOB_GRACE_MS;
  // Renewed since it was listed (the same bytes stored again for a row being written): kept.
  const renewed = async (sha256: string) => !old(await blobs.writtenAt(sha256));
  let removed = 0;
  let batch: string[] = [];
  for await (const blob of blobs.list()) {
    if (stopped()) return removed;
    if (!old(blob.writtenAtMs)) continue;
    batch.push(blob.sha256);
    if (batch.length >= BATCH) {
      removed += await collectUnreferenced(db, blobs, log, batch, renewed);
      batch = [];
    }
  }
  if (batch.length > 0 && !stopped()) removed += await collectUnreferenced(db, blobs, log, batch, renewed);
  return removed;
}

export function startStorageCleanup({ db, blobs, sweepUploads, log, now, intervalSeconds }: StorageCleanupOptions): PeriodicJob {
  async function clean(stopped: () => boolean): Promise<void> {
    const uploads = await sweepUploads();
    const incomplete = await blobs.sweep(INCOMPLETE_WRITE_IDLE_MS);
    const unreferenced = await collectOrphanBlobs(db, blobs, now, log, stopped);
    if (uploads + incomplete + unreferenced > 0) log.info({ uploads, incomplete, unreferenced }, 'storage cleanup removed leftovers');
  }
  const intervalMs = intervalSeconds * 1000;
  // Not at once: replicas started together would all list the store together.
  return startPeriodic({ name: 'storage cleanup', run: clean, firstMs: soonAfterStart(intervalMs, 5_000), intervalMs, log });
}
