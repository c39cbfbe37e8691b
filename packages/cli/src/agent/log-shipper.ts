/**
 * Ships the machine's log entries (the agent's own and its processes') to the server in batches, as
 * viam-server does: at most 100 an call, a call every 100 ms while there is something to send.
 *
 * Entries wait in memory while the server answers. When it does not, everything waiting is written to a
 * spool file, and entries logged while offline are appended to it as they come, so a network outage — or
 * the agent being killed during one — loses nothing within `maxEntries`; beyond it the oldest are dropped,
 * counted, and reported in an entry of their own once the server is back. After each batch the server
 * stored, the spool is rewritten without it.
 *
 * Each batch is numbered (a stream per shipper, 1, 2, 3, …) before its first send and keeps its entries
 * and number however often it is sent, on disk too: a batch the server stored but whose answer never
 * arrived (the link died, the agent was killed) is sent again with its number and stored only once.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { JsonObject, LogBatchNumber } from '@hangar/sdk';
import { backoffMs } from './backoff.js';

export interface ShippedEntry {
  /** Microseconds since the epoch. */
  readonly timeUs: number;
  readonly level: string;
  readonly loggerName: string;
  readonly message: string;
  readonly fields?: JsonObject;
  /** The batch this entry was first sent in, once it was. */
  readonly batch?: LogBatchNumber | undefined;
}

export interface LogShipperOptions {
  /** Sends one batch; resolves once the server stored it (now, or the first time it came with this number). */
  readonly send: (entries: readonly ShippedEntry[], batch: LogBatchNumber) => Promise<void>;
  readonly spoolPath: string;
  readonly maxEntries: number;
  readonly batchEntries?: number;
  readonly intervalMs?: number;
  /** The shipper went offline or came back (once per change). */
  readonly onState?: (online: boolean, error?: unknown) => void;
}

export function createLogShipper({ send, spoolPath, maxEntries, batchEntries = 100, intervalMs = 100, onState }: LogShipperOptions) {
  let pending: ShippedEntry[] = loadSpool(spoolPath);
  let spooled = pending.length > 0;
  let online = true;
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> | undefined;
  let stopped = false;
  let retryAt = 0;
  let failures = 0;
  const stream = randomUUID().replaceAll('-', '');
  let seq = 0;

  /** The batch to send next: the numbered one at the head again, or the next entries, numbered now. */
  function nextBatch(): { entries: ShippedEntry[]; number: LogBatchNumber } {
    const head = pending[0];
    if (head?.batch !== undefined) {
      const number = head.batch;
      const end = pending.findIndex((e) => !inBatch(e, number));
      return { entries: pending.slice(0, end === -1 ? pending.length : end), number };
    }
    const number = { stream, seq: ++seq };
    let n = 0;
    while (n < pending.length && n < batchEntries && pending[n]?.batch === undefined) n++;
    const entries = pending.slice(0, n).map((e) => ({ ...e, batch: number }));
    pending.splice(0, n, ...entries);
    // On disk with its number before it leaves: killed mid-send, the next start sends the same batch.
    if (spooled) writeSpool();
    return { entries, number };
  }

  function trim(): void {
    if (pending.length <= maxEntries) return;
    const over = pending.length - maxEntries;
    pending = pending.slice(over);
    dropped += over;
    if (spooled) writeSpool();
  }

  function writeSpool(): void {
    if (pending.length === 0) {
      rmSync(spoolPath, { force: true });
      spooled = false;
      return;
    }
    const temp = `${spoolPath}.tmp`;
    writeFileSync(temp, pending.map((e) => JSON.stringify(e)).join('\n') + '\n', { mode: 0o600 });
    renameSync(temp, spoolPath);
    spooled = true;
  }

  async function flush(): Promise<void> {
    while (pending.length > 0 && !stopped && Date.now() >= retryAt) {
      if (dropped > 0) {
        const note: ShippedEntry = {
          timeUs: Date.now() * 1000,
          level: 'warn',
          loggerName: 'hangar.agent',
          message: `dropped the ${dropped} oldest log entries while the server was unreachable (the spool holds at most ${maxEntries})`,
        };
        // After the numbered batches: they go first, in the order of their numbers.
        const at = pending.findIndex((e) => e.batch === undefined);
        pending.splice(at === -1 ? pending.length : at, 0, note);
        dropped = 0;
      }
      const { entries: batch, number } = nextBatch();
      try {
        await send(batch, number);
      } catch (err) {
        if (online) onState?.(false, err);
        online = false;
        retryAt = Date.now() + backoffMs(failures++);
        writeSpool();
        return;
      }
      // Not by count: entries dropped from the front meanwhile (the bound) may have taken some of the batch.
      while (pending[0] !== undefined && inBatch(pending[0], number)) pending.shift();
      failures = 0;
      if (!online) onState?.(true);
      online = true;
      if (spooled) writeSpool();
    }
  }

  function schedule(): void {
    if (timer !== undefined || stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      sending ??= flush().finally(() => {
        sending = undefined;
        if (pending.length > 0) schedule();
      });
    }, intervalMs);
    timer.unref();
  }

  if (pending.length > 0) schedule();

  return {
    add(entry: ShippedEntry): void {
      if (stopped) return;
      pending.push(entry);
      if (spooled) appendFileSync(spoolPath, JSON.stringify(entry) + '\n', { mode: 0o600 });
      trim();
      schedule();
    },

    /** Entries waiting to be sent. */
    waiting: (): number => pending.length,

    /** Sends what it can within `graceMs`, then spools the rest for the next start. */
    async stop(graceMs: number): Promise<void> {
      clearTimeout(timer);
      timer = undefined;
      const deadline = Date.now() + graceMs;
      retryAt = 0;
      while (pending.length > 0 && Date.now() < deadline && online) {
        await (sending ?? flush());
      }
      stopped = true;
      await sending;
      if (pending.length > 0 || spooled) writeSpool();
    },
  };
}

const inBatch = (e: ShippedEntry, n: LogBatchNumber): boolean => e.batch?.stream === n.stream && e.batch.seq === n.seq;

const isBatchNumber = (v: unknown): v is LogBatchNumber =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as LogBatchNumber).stream === 'string' &&
  Number.isSafeInteger((v as LogBatchNumber).seq);

function loadSpool(path: string): ShippedEntry[] {
  if (!existsSync(path)) return [];
  const entries: ShippedEntry[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as ShippedEntry;
      if (typeof e.timeUs !== 'number' || typeof e.message !== 'string') continue;
      // A malformed number is dropped: the entries go again under a new one.
      entries.push(e.batch === undefined || isBatchNumber(e.batch) ? e : { ...e, batch: undefined });
    } catch {
      // A line cut short by a crash mid-append: the rest of the spool is still good.
    }
  }
  return entries;
}
