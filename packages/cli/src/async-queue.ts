/**
 * Values pushed by events (keystrokes, output, answers to wait for) and read by one consumer, e.g. a
 * stream. With `flow`, the producer is paused while `highWater` values wait, and resumed at half that.
 */
export interface QueueFlow {
  readonly highWater: number;
  pause(): void;
  resume(): void;
}

export function asyncQueue<T>(flow?: QueueFlow) {
  const pending: T[] = [];
  let ended = false;
  let paused = false;
  let wake: (() => void) | undefined;
  return {
    push(value: T) {
      pending.push(value);
      if (flow !== undefined && !paused && pending.length >= flow.highWater) {
        paused = true;
        flow.pause();
      }
      wake?.();
    },
    end() {
      ended = true;
      wake?.();
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<T> {
      for (;;) {
        const next = pending.shift();
        if (next !== undefined) {
          if (flow !== undefined && paused && pending.length < flow.highWater / 2) {
            paused = false;
            flow.resume();
          }
          yield next;
          continue;
        }
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
  };
}
