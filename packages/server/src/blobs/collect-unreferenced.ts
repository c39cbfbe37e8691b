/**
 * Deletes the blobs of `sha256s` that no registry file and no data file points at any more: what every
 * delete of files calls once its rows are gone. A failure is logged and leaves the blob on disk (garbage,
 * never a row pointing at nothing).
 */
import { registry, type Executor } from '@hangar/store';
import type { Logger } from '../log.js';
import type { BlobStore } from './blob-store.js';

export async function collectUnreferenced(db: Executor, blobs: BlobStore, log: Logger, sha256s: readonly string[]): Promise<void> {
  for (const sha of await registry.unreferencedBlobs(db, sha256s)) {
    await blobs.delete(sha).catch((err: unknown) => {
      log.warn({ err, sha256: sha }, 'deleting an unreferenced blob failed; it stays on disk');
    });
  }
}
