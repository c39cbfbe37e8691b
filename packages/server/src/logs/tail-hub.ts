/**
 * Live log tails: who listens to which part with which filter, and fan-out of committed entries. Tails
 * with the same filter on the same part form a group; each batch is matched and encoded once per group
 * and the same message object (whose encoding is cached, see logs.convert.ts) goes to every tail in it,
 * so a thousand tails cost one encoding, not a thousand. A tail that falls too far behind is ended with
 * RESOURCE_EXHAUSTED instead of being buffered without bound; one whose client leaves is dropped at once.
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

interface Subscriber<M> {
  readonly queue: { message: M; entries: number }[];
  waiting: number;
  failure: Error | undefined;
  wake: (() => void) | undefined;
  /** Takes the tail out of its group (idempotent). */
  leave: () => void;
}

interface Group<M> {
  readonly filter: TailFilter;
  readonly needle: string | undefined;
  readonly subscribers: Set<Subscriber<M>>;
}

const byTimeThenId = (a: StoredLogEntry, b: StoredLogEntry) => a.timeUs - b.timeUs || a.timeNanos - b.timeNanos || a.id - b.id;

export function createTailHub<M>({ encode, maxTails, bufferEntries }: TailHubOptions<M>) {
  const parts = new Map<string, Map<string, Group<M>>>();
  let active = 0;
  let closed = false;

  function matches(group: Group<M>, e: StoredLogEntry): boolean {
    if (group.filter.errorsOnly && !isErrorLevel(e.level)) return false;
    return group.needle === undefined || e.message.toLowerCase().includes(group.needle);
  }

  function deliver(sub: Subscriber<M>, message: M, entries: number): void {
    if (sub.failure !== undefined) return;
    if (sub.waiting + entries > bufferEntries) {
      sub.failure = resourceExhausted(
        `this tail fell more than ${bufferEntries} entries behind and was ended; reconnect, read faster, or narrow it with errors_only or a filter`,
      );
      // Out of its group at once: it takes no more entries even while its stream is blocked on a reader
      // that does not read (the stream ends with the error as soon as the reader reads or goes away).
      sub.leave();
    } else {
      sub.queue.push({ message, entries });
      sub.waiting += entries;
    }
    sub.wake?.();
  }

  function join(partId: string, filter: TailFilter, sub: Subscriber<M>): void {
    const key = `${filter.errorsOnly ? 'E' : 'A'}:${filter.contains?.toLowerCase() ?? ''}`;
    let groups = parts.get(partId);
    if (groups === undefined) parts.set(partId, (groups = new Map<string, Group<M>>()));
    let group = groups.get(key);
    if (group === undefined) {
      group = { filter, needle: filter.contains?.toLowerCase(), subscribers: new Set() };
      groups.set(key, group);
    }
    group.subscribers.add(sub);
    active += 1;
    const joined = group;
    const partGroups = groups;
    let left = false;
    sub.leave = () => {
      if (left) return;
      left = true;
      joined.subscribers.delete(sub);
      active -= 1;
      if (joined.subscribers.size === 0 && partGroups.get(key) === joined) partGroups.delete(key);
      if (partGroups.size === 0 && parts.get(partId) === partGroups) parts.delete(partId);
    };
  }

  return {
    /**
     * The part's new entries as they commit, in the order they were logged, until `signal` aborts (the
     * iterator then just ends) or the tail falls behind (it throws RESOURCE_EXHAUSTED).
     */
    subscribe(partId: string, filter: TailFilter, signal: AbortSignal): AsyncIterable<M> {
      if (closed) throw unavailable('the server is shutting down; reconnect in a few seconds to keep tailing', 2);
      if (active >= maxTails) {
        throw resourceExhausted(`this server already serves ${maxTails} live log tails; retry later, or close tails you no longer read`, 5);
      }
      const sub: Subscriber<M> = { queue: [], waiting: 0, failure: undefined, wake: undefined, leave: () => undefined };
      join(partId, filter, sub);
      const onAbort = () => sub.wake?.();
      signal.addEventListener('abort', onAbort);
      return {
        async *[Symbol.asyncIterator]() {
          try {
            for (;;) {
              while (sub.queue.length === 0 && sub.failure === undefined && !signal.aborted) {
                await new Promise<void>((resolve) => {
                  sub.wake = resolve;
                });
                sub.wake = undefined;
              }
              if (signal.aborted) return;
              const next = sub.queue.shift();
              if (next === undefined) throw sub.failure ?? new Error('tail ended');
              sub.waiting -= next.entries;
              yield next.message;
            }
          } finally {
            signal.removeEventListener('abort', onAbort);
            sub.leave();
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
          const matched = list.filter((e) => matches(group, e));
          if (matched.length === 0) continue;
          const message = encode(matched);
          for (const sub of group.subscribers) deliver(sub, message, matched.length);
        }
      }
    },

    /** Ends every tail (the server is stopping), so none holds the shutdown up. */
    close(): void {
      closed = true;
      for (const groups of parts.values()) {
        for (const group of groups.values()) {
          for (const sub of group.subscribers) {
            sub.failure ??= unavailable('the server is shutting down; reconnect in a few seconds to keep tailing', 2);
            sub.wake?.();
          }
        }
      }
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
