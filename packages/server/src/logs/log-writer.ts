/**
 * The batching log writer. Log calls put their entries on a bounded queue and wait; one flush at a time
 * writes everything queued (up to a batch's worth) in one transaction and then answers every call in it,
 * so an answered call's entries are committed. Under load the queue fills while a flush runs and the next
 * flush takes it all: batches grow with the load, and an idle server writes each call at once. When the
 * queue is full a call is refused at once, so memory stays bounded whatever the load.
 */
import { resourceExhausted } from '@hangar/domain';
import { DuplicateLogBatchError, type LogSequence, type LogStore, type NewLogEntry, type StoredLogEntry } from '@hangar/store';

export interface LogWriterOptions {
  readonly store: LogStore;
  /** This server's tag on what it announces (so it can ignore its own announcements). */
  readonly origin: string;
  readonly maxQueueEntries: number;
  readonly maxQueueBytes: number;
  readonly maxBatchEntries: number;
  /** Called with each committed batch, in commit order, before the calls in it are answered. */
  readonly onCommitted: (entries: readonly StoredLogEntry[]) => void;
  readonly onBatch?: (entries: number, seconds: number) => void;
  /** Called for each call refused because the queue was full. */
  readonly onRefused?: () => void;
  readonly onError: (err: unknown) => void;
}

interface Pending {
  readonly entries: readonly NewLogEntry[];
  readonly sequence: LogSequence | undefined;
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** Roughly what an entry holds in memory: its strings (UTF-16) and a fixed overhead. */
export function entryBytes(e: NewLogEntry): number {
  return (
    2 * (e.partId.length + e.level.length + e.loggerName.length + e.message.length + e.host.length + e.stack.length) +
    (e.extras?.length ?? 0) +
    128
  );
}

export function createLogWriter(options: LogWriterOptions) {
  const { store, origin, maxQueueEntries, maxQueueBytes, maxBatchEntries } = options;
  const queue: Pending[] = [];
  let queuedEntries = 0;
  let queuedBytes = 0;
  let flushing: Promise<void> | undefined;
  let scheduled = false;
  let closed = false;

  function schedule(): void {
    if (scheduled || flushing !== undefined) return;
    scheduled = true;
    // Calls that arrive in the same turn of the event loop share the first batch.
    setImmediate(() => {
      scheduled = false;
      flushing = drain().finally(() => {
        flushing = undefined;
        if (queue.length > 0) schedule();
      });
    });
  }

  /** Commits the calls' entries in one transaction, hands them to the tails, then answers the calls. */
  async function write(calls: readonly Pending[]): Promise<void> {
    const entries = calls.flatMap((p) => p.entries);
    const sequences = calls.flatMap((p) => (p.sequence === undefined ? [] : [p.sequence]));
    const started = performance.now();
    const stored = await store.insert(entries, origin, sequences);
    options.onBatch?.(entries.length, (performance.now() - started) / 1000);
    try {
      options.onCommitted(stored);
    } catch (err) {
      options.onError(err);
    }
    for (const p of calls) p.resolve();
  }

  /** A call whose batch was stored before succeeds again, as if stored now; any other failure is its own. */
  function settleFailed(p: Pending | undefined, err: unknown, report: boolean): void {
    if (err instanceof DuplicateLogBatchError) {
      p?.resolve();
      return;
    }
    if (report) options.onError(err);
    p?.reject(err);
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch: Pending[] = [];
      let n = 0;
      for (let p = queue[0]; p !== undefined && (batch.length === 0 || n + p.entries.length <= maxBatchEntries); p = queue[0]) {
        queue.shift();
        batch.push(p);
        n += p.entries.length;
      }
      try {
        await write(batch);
      } catch (err) {
        if (batch.length === 1) {
          settleFailed(batch[0], err, true);
        } else {
          if (!(err instanceof DuplicateLogBatchError)) options.onError(err);
          // One call's entries must not sink the others': each call again on its own.
          for (const p of batch) {
            try {
              await write([p]);
            } catch (single) {
              settleFailed(p, single, false);
            }
          }
        }
      } finally {
        for (const p of batch) {
          queuedEntries -= p.entries.length;
          queuedBytes -= p.bytes;
        }
      }
    }
  }

  return {
    /**
     * Resolves once the entries are committed (or, with a `sequence` stored before, were committed then);
     * rejects with RESOURCE_EXHAUSTED when the queue is full.
     */
    write(entries: readonly NewLogEntry[], sequence?: LogSequence): Promise<void> {
      if (entries.length === 0) return Promise.resolve();
      if (closed) return Promise.reject(resourceExhausted('the server is shutting down and takes no more logs; retry in a few seconds', 5));
      const bytes = entries.reduce((sum, e) => sum + entryBytes(e), 0);
      if (queuedEntries + entries.length > maxQueueEntries || queuedBytes + bytes > maxQueueBytes) {
        options.onRefused?.();
        return Promise.reject(
          resourceExhausted(
            `the server's log queue is full (${queuedEntries} entries waiting to be written); retry in 1 s, sending fewer entries at once if this persists`,
            1,
          ),
        );
      }
      queuedEntries += entries.length;
      queuedBytes += bytes;
      return new Promise<void>((resolve, reject) => {
        queue.push({ entries, sequence, bytes, resolve, reject });
        schedule();
      });
    },
    /** Entries waiting (including those being written now). */
    depth(): number {
      return queuedEntries;
    },
    /** Takes no more entries and waits for everything queued to be written. */
    async close(): Promise<void> {
      closed = true;
      while (flushing !== undefined || scheduled || queue.length > 0) {
        if (flushing !== undefined) await flushing;
        else await new Promise((r) => setImmediate(r));
      }
    },
  };
}

export type LogWriter = ReturnType<typeof createLogWriter>;
