/**
 * Password hashing runs on libuv's small thread pool (4 threads by default), which file I/O and DNS need
 * too. This queue lets only a few hashes run at once, keeps a bounded number waiting, and serves waiting
 * addresses in turn, so one address flooding sign-ins delays another's by about one hash, not by its
 * whole backlog. One address may hold only an eighth of the waiting places, so it cannot fill the queue
 * for everyone else. Beyond either bound a sign-in is refused at once with RESOURCE_EXHAUSTED.
 */
import { resourceExhausted } from '@hangar/domain';

export interface HashQueueOptions {
  readonly concurrency: number;
  readonly maxQueued: number;
}

interface Waiting {
  start: () => void;
}

export function createHashQueue({ concurrency, maxQueued }: HashQueueOptions) {
  const maxQueuedPerAddress = Math.max(1, Math.ceil(maxQueued / 8));
  let running = 0;
  let queued = 0;
  // Per address, in arrival order; the Map's order is the round-robin order of addresses.
  const byAddress = new Map<string, Waiting[]>();

  function next(): void {
    while (running < concurrency) {
      const first = byAddress.entries().next();
      if (first.done === true) return;
      const [address, list] = first.value;
      const waiting = list.shift();
      byAddress.delete(address);
      // An address with more waiting goes to the back of the line.
      if (list.length > 0) byAddress.set(address, list);
      if (waiting === undefined) continue;
      queued--;
      running++;
      waiting.start();
    }
  }

  return {
    async run<T>(address: string, task: () => Promise<T>): Promise<T> {
      if (running >= concurrency) {
        const list = byAddress.get(address);
        if (queued >= maxQueued || (list?.length ?? 0) >= maxQueuedPerAddress) {
          throw resourceExhausted('the server is busy checking other sign-ins; retry in 1 s', 1);
        }
        queued++;
        await new Promise<void>((start) => {
          if (list === undefined) byAddress.set(address, [{ start }]);
          else list.push({ start });
        });
      } else {
        running++;
      }
      try {
        return await task();
      } finally {
        running--;
        next();
      }
    },
  };
}

export type HashQueue = ReturnType<typeof createHashQueue>;
