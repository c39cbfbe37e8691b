/**
 * A background job of the server (retention, storage cleanup): run every `intervalMs`, the first time after
 * `firstMs`; one run at a time; a failure logged and tried again at the next interval. `stop()` ends the
 * schedule and waits for a run under way, which sees `stopped()` turn true and may end early.
 */
import type { Logger } from './log.js';

export interface PeriodicJob {
  stop(): Promise<void>;
}

export interface PeriodicOptions {
  /** For the log line when a run fails ("log retention", "storage cleanup", …). */
  readonly name: string;
  readonly run: (stopped: () => boolean) => Promise<void>;
  readonly firstMs: number;
  readonly intervalMs: number;
  readonly log: Logger;
}

export function startPeriodic({ name, run, firstMs, intervalMs, log }: PeriodicOptions): PeriodicJob {
  let stopped = false;
  const isStopped = () => stopped;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function schedule(ms: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = run(isStopped)
        .catch((err: unknown) => {
          log.warn({ err }, `${name} failed; it runs again at the next interval`);
        })
        .finally(() => {
          running = undefined;
          schedule(intervalMs);
        });
    }, ms);
    timer.unref();
  }
  schedule(firstMs);

  return {
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** A first delay soon after start, spread a little so replicas started together do not all run at once. */
export const soonAfterStart = (intervalMs: number, spreadFromMs: number): number =>
  Math.min(intervalMs, spreadFromMs + Math.floor(Math.random() * spreadFromMs));

/** What a job that is switched off returns. */
export const NOT_STARTED: PeriodicJob = { stop: () => Promise.resolve() };
