/**
 * When each part was last heard from (`last_access`): every call a machine makes with its own credential,
 * and every Log call, notes it; the database is written in the background, at most once every few seconds
 * per part, never once per call.
 */
import { parts, type Database } from '@hangar/store';
import type { Logger } from '../log.js';

/** A part's `last_access` moves at most this often. */
export const LAST_ACCESS_INTERVAL_MS = 5_000;

export function createPresence({ db, now, log }: { db: Database; now: () => Date; log: Logger }) {
  const touchedAt = new Map<string, number>();
  const due = new Set<string>();
  let touching: NodeJS.Timeout | undefined;

  function recordTouches(): Promise<void> {
    const ids = [...due];
    due.clear();
    return parts.touchLastAccess(db, ids, now().toISOString()).catch((err: unknown) => {
      log.warn({ err }, 'could not record when machine parts were last heard from');
    });
  }

  return {
    /** Notes that a part was heard from just now. */
    touch(partId: string): void {
      const at = now().getTime();
      if (at - (touchedAt.get(partId) ?? 0) < LAST_ACCESS_INTERVAL_MS) return;
      touchedAt.set(partId, at);
      due.add(partId);
      touching ??= setTimeout(() => {
        touching = undefined;
        void recordTouches();
        // Forget parts not heard from lately, so the map holds only active ones.
        for (const [id, when] of touchedAt) if (at - when > 10 * LAST_ACCESS_INTERVAL_MS) touchedAt.delete(id);
      }, 100);
    },

    /** Records the last pending times. */
    async stop(): Promise<void> {
      clearTimeout(touching);
      touching = undefined;
      if (due.size > 0) await recordTouches();
    },
  };
}

export type Presence = ReturnType<typeof createPresence>;
