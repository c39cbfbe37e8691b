/** What the tails' worker thread (tail-worker.ts) and the benchmark say to each other, and their clock. */

/** Milliseconds on the process-wide monotonic clock: the same in every thread, so send and receive compare. */
export const monoMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export type ToWorker =
  | {
      readonly type: 'open';
      readonly side: string;
      readonly url: string;
      readonly token: string;
      readonly partId: string;
      readonly tails: number;
      readonly perConnection: number;
      readonly encoding: 'gzip' | 'identity';
    }
  /** Forget the latencies so far (the start of a window). */
  | { readonly type: 'reset'; readonly side: string }
  /** Answer with the latencies once `expected` deliveries in all have arrived. */
  | { readonly type: 'collect'; readonly side: string; readonly expected: number; readonly timeoutMs: number }
  | { readonly type: 'close' };

export type FromWorker =
  | { readonly type: 'opened'; readonly side: string }
  | {
      readonly type: 'collected';
      readonly side: string;
      readonly delivered: number;
      /** monoMs() of the last delivery. */
      readonly lastAt: number;
      readonly latencies: Float64Array;
    }
  | { readonly type: 'failed'; readonly side: string; readonly message: string }
  | { readonly type: 'closed' };
