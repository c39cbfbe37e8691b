/**
 * Runs the config's `processes` (viam-server's meaning of each field): started when they appear, restarted
 * with back-off when they exit (unless `one_shot`), stopped when they leave the config, and stopped and
 * started again when their entry changes. With `log: true` each line of stdout and stderr becomes a log
 * entry whose logger name is the process id.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { backoffMs } from './backoff.js';

export interface ProcessSpec {
  readonly id: string;
  readonly name: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly oneShot: boolean;
  readonly log: boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly stopSignal: NodeJS.Signals;
  readonly stopTimeoutMs: number;
}

export interface SupervisorEvents {
  /** A line a process with `log: true` wrote. */
  readonly line: (processId: string, stream: 'stdout' | 'stderr', text: string) => void;
  /** Something worth telling the operator (started, exited, restarting). */
  readonly note: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** A process that ran this long before exiting starts its back-off over. */
const STABLE_MS = 10_000;

interface Managed {
  readonly spec: ProcessSpec;
  readonly key: string;
  child: ChildProcess | undefined;
  attempt: number;
  startedAt: number;
  restartTimer: NodeJS.Timeout | undefined;
  stopping: boolean;
  exited: Promise<void>;
}

export function createSupervisor(events: SupervisorEvents) {
  const running = new Map<string, Managed>();

  function start(m: Managed): void {
    m.startedAt = Date.now();
    let child: ChildProcess;
    try {
      child = spawn(m.spec.name, [...m.spec.args], {
        cwd: m.spec.cwd === '' ? undefined : m.spec.cwd,
        env: { ...process.env, ...m.spec.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      events.note('error', `process ${m.spec.id} (${m.spec.name}) could not start: ${(err as Error).message}`);
      scheduleRestart(m);
      return;
    }
    m.child = child;
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      if (source === null) continue;
      const lines = createInterface({ input: source, crlfDelay: Infinity });
      lines.on('line', (text) => {
        if (m.spec.log) events.line(m.spec.id, stream, text);
      });
    }
    m.exited = new Promise((resolve) => {
      child.once('error', (err) => {
        events.note('error', `process ${m.spec.id} (${m.spec.name}) could not start: ${err.message}`);
      });
      child.once('close', (code, signal) => {
        m.child = undefined;
        resolve();
        if (m.stopping) return;
        const how = signal === null ? `with status ${code ?? '?'}` : `on ${signal}`;
        if (m.spec.oneShot) {
          events.note(code === 0 ? 'info' : 'warn', `one-shot process ${m.spec.id} exited ${how}`);
          return;
        }
        events.note('warn', `process ${m.spec.id} exited ${how}; restarting`);
        scheduleRestart(m);
      });
    });
    events.note('info', `started process ${m.spec.id}: ${[m.spec.name, ...m.spec.args].join(' ')}`);
  }

  function scheduleRestart(m: Managed): void {
    if (Date.now() - m.startedAt >= STABLE_MS) m.attempt = 0;
    const wait = backoffMs(m.attempt++, 500, 30_000);
    m.restartTimer = setTimeout(() => {
      m.restartTimer = undefined;
      if (!m.stopping) start(m);
    }, wait);
  }

  async function stop(m: Managed): Promise<void> {
    m.stopping = true;
    clearTimeout(m.restartTimer);
    const child = m.child;
    if (child?.exitCode !== null) return;
    child.kill(m.spec.stopSignal);
    const killer = setTimeout(() => child.kill('SIGKILL'), m.spec.stopTimeoutMs);
    await m.exited;
    clearTimeout(killer);
  }

  function manage(spec: ProcessSpec, key: string): Managed {
    const m: Managed = {
      spec,
      key,
      child: undefined,
      attempt: 0,
      startedAt: 0,
      restartTimer: undefined,
      stopping: false,
      exited: Promise.resolve(),
    };
    running.set(spec.id, m);
    start(m);
    return m;
  }

  return {
    /** Makes the running set match `specs`: new ones start, removed ones stop, changed ones restart. */
    async apply(specs: readonly ProcessSpec[]): Promise<void> {
      const wanted = new Map(specs.map((s) => [s.id, s]));
      for (const [id, m] of running) {
        const spec = wanted.get(id);
        if (spec === undefined || JSON.stringify(spec) !== m.key) {
          running.delete(id);
          await stop(m);
          if (spec === undefined) events.note('info', `stopped process ${id}: it is no longer in the config`);
        }
      }
      for (const spec of specs) if (!running.has(spec.id)) manage(spec, JSON.stringify(spec));
    },

    /** Stops every process and starts it again (the part was marked for restart). */
    async restartAll(): Promise<void> {
      const all = [...running.values()];
      running.clear();
      await Promise.all(all.map(stop));
      for (const m of all) manage(m.spec, m.key);
    },

    async stopAll(): Promise<void> {
      const all = [...running.values()];
      running.clear();
      await Promise.all(all.map(stop));
    },

    /** Process ids and pids, for status. */
    list: () => [...running.values()].map((m) => ({ id: m.spec.id, pid: m.child?.pid })),
  };
}

export type Supervisor = ReturnType<typeof createSupervisor>;
