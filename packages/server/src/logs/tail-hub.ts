/**
 * Live log tails: who listens to which part with which filter, and fan-out of committed entries. Tails
 * with the same filter on the same part form a group; each batch is matched and encoded once per group
 * and the same message object (whose encoding is cached, see logs.convert.ts) goes to every tail in it,
 * so a thousand tails cost one encoding, not a thousand.
 *
 * A tail is a sink the hub pushes to (tail-http.ts writes each batch's bytes straight to its stream), or an
 * async iterator for Connect's own streaming path. Either way a tail that falls more than `bufferEntries`
 * behind is ended with RESOURCE_EXHAUSTED rather than buffered without bound, and one whose client leaves
 * is dropped at once.
 */
import { isErrorLevel, resourceExhausted, unavailable } from '@hangar/domain';
import type { StoredLogEntry } from '@hangar/store';

export interface TailFilter {
  readonly errorsOnly: boolean;
  /** A case-insensitive substring of the message. */
  readonly contains?: string;
}

export interface TailHubOptions<M> {
  /** Builds the message a group's tails receive for one batch. */
  readonly encode: (entries: readonly StoredLogEntry[]) => M;
  readonly maxTails: number;
  /** Entries a tail may have waiting before it is ended. */
  readonly bufferEntries: number;
}

/** Where a tail's batches go. */
export interface TailSink<M> {
  /** A batch of `entries` entries for this tail, in the order committed. */
  deliver(message: M, entries: number): void;
  /** The hub ends the tail (the server is stopping). */
  end(err: Error): void;
}

interface Group<M> {
  readonly needle: string | undefined;
  readonly errorsOnly: boolean;
  readonly sinks: Set<TailSink<M>>;
}

const byTimeThenId = (a: StoredLogEntry, b: StoredLogEntry) => a.timeUs - b.timeUs || a.timeNanos - b.timeNanos || a.id - b.id;

export const fellBehind = (bufferEntries: number) =>
  resourceExhausted(
    `this tail fell more than ${bufferEntries} entries behind and was ended; reconnect, read faster, or narrow it with errors_only or a filter`,
  );

const shuttingDown = () => unavailable('the server is shutting down; reconnect in a few seconds to keep tailing', 2);

export function createTailHub<M>({ encode, maxTails, bufferEntries }: TailHubOptions<M>) {
  const parts = new Map<string, Map<string, Group<M>>>();
  let active = 0;
  let closed = false;

  function matches(group: Group<M>, e: StoredLogEntry): boolean {
    if (group.errorsOnly && !isErrorLevel(e.level)) return false;
    return group.needle === undefined || e.message.toLowerCase().includes(group.needle);
  }

  /** Adds a tail; the returned function removes it (once, whatever calls it first). */
  function attach(partId: string, filter: TailFilter, sink: TailSink<M>): () => void {
    if (closed) throw shuttingDown();
    if (active >= maxTails) {
      throw resourceExhausted(`this server already serves ${maxTails} live log tails; retry later, or close tails you no longer read`, 5);
    }
    const needle = filter.contains?.toLowerCase();
    const key = `${filter.errorsOnly ? 'E' : 'A'}:${needle ?? ''}`;
    let groups = parts.get(partId);
    if (groups === undefined) parts.set(partId, (groups = new Map<string, Group<M>>()));
    let group = groups.get(key);
    if (group === undefined) {
      group = { needle, errorsOnly: filter.errorsOnly, sinks: new Set() };
      groups.set(key, group);
    }
    group.sinks.add(sink);
    active += 1;
    const joined = group;
    const partGroups = groups;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      joined.sinks.delete(sink);
      active -= 1;
      if (joined.sinks.size === 0 && partGroups.get(key) === joined) partGroups.delete(key);
      if (partGroups.size === 0 && parts.get(partId) === partGroups) parts.delete(partId);
    };
  }

  return {
    attach,

    /**
     * The part's new entries as they commit, in the order they were logged, until `signal` aborts (the
     * iterator then just ends) or the tail falls behind (it throws RESOURCE_EXHAUSTED).
     */
    subscribe(partId: string, filter: TailFilter, signal: AbortSignal): AsyncIterable<M> {
      const queue: { message: M; entries: number }[] = [];
      let waiting = 0;
      let failure: Error | undefined;
      let wake: (() => void) | undefined;
      const detach = attach(partId, filter, {
        deliver(message, entries) {
          if (failure !== undefined) return;
          if (waiting + entries > bufferEntries) {
            failure = fellBehind(bufferEntries);
            // Out of its group at once, even while its stream waits on a reader that does not read.
            detach();
          } else {
            queue.push({ message, entries });
            waiting += entries;
          }
          wake?.();
        },
        end(err) {
          failure ??= err;
          wake?.();
        },
      });
      const onAbort = () => wake?.();
      signal.addEventListener('abort', onAbort);
      return {
        async *[Symbol.asyncIterator]() {
          try {
            for (;;) {
              while (queue.length === 0 && failure === undefined && !signal.aborted) {
                await new Promise<void>((resolve) => {
                  wake = resolve;
                });
                wake = undefined;
              }
              if (signal.aborted) return;
              const next = queue.shift();
              if (next === undefined) throw failure ?? new Error('tail ended');
              waiting -= next.entries;
              yield next.message;
            }
          } finally {
            signal.removeEventListener('abort', onAbort);
            detach();
          }
        },
      };
    },

    /** Hands committed entries (of any parts) to the tails that want them. */
    publish(entries: readonly StoredLogEntry[]): void {
      if (parts.size === 0 || entries.length === 0) return;
      const byPart = new Map<string, StoredLogEntry[]>();
      for (const e of entries) {
        if (!parts.has(e.partId)) continue;
        let list = byPart.get(e.partId);
        if (list === undefined) byPart.set(e.partId, (list = []));
        list.push(e);
      }
      for (const [partId, list] of byPart) {
        list.sort(byTimeThenId);
        for (const group of parts.get(partId)?.values() ?? []) {
          const matched = group.errorsOnly || group.needle !== undefined ? list.filter((e) => matches(group, e)) : list;
          if (matched.length === 0) continue;
          const message = encode(matched);
          for (const sink of group.sinks) sink.deliver(message, matched.length);
        }
      }
    },

    /** Ends every tail (the server is stopping), so none holds the shutdown up. */
    close(): void {
      closed = true;
      const err = shuttingDown();
      for (const groups of parts.values()) for (const group of groups.values()) for (const sink of group.sinks) sink.end(err);
    },

    hasTails(partId: string): boolean {
      return parts.has(partId);
    },

    /** Open tails, for metrics. */
    active(): number {
      return active;
    },
  };
}

export type TailHub<M> = ReturnType<typeof createTailHub<M>>;
