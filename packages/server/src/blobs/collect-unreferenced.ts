/**
 * Deletes the blobs of `sha256s` that no registry file and no data file points at any more: what every
 * delete of files calls once its rows are gone, and what the storage cleanup calls for blobs it found
 * unnamed. A failure is logged and leaves the blob on disk (garbage, never a row pointing at nothing), for
 * the storage cleanup to try again.
 */
import { registry, type Executor } from '@hangar/store';
import type { Logger } from '../log.js';
import type { BlobStore } from './blob-store.js';

/** Returns how many blobs went. `keep` spares an unreferenced blob all the same (checked just before its delete). */
export async function collectUnreferenced(
  db: Executor,
  blobs: BlobStore,
  log: Logger,
  sha256s: readonly string[],
  keep?: (sha256: string) => Promise<boolean>,
): Promise<number> {
  let removed = 0;
  for (const sha of await registry.unreferencedBlobs(db, sha256s)) {
    if (keep !== undefined && (await keep(sha))) continue;
    try {
      await blobs.delete(sha);
      removed++;
    } catch (err) {
      log.warn({ err, sha256: sha }, 'deleting an unreferenced blob failed; it stays on disk until the storage cleanup tries again');
    }
  }
  return removed;
}
