/**
 * One remote shell on the machine. Interactive callers get the user's shell (`$SHELL -i`, default /bin/sh)
 * in a pseudo-terminal, as viam-server's shell service gives them; a caller that asked for no terminal (a
 * script piping commands in) gets the same shell reading a pipe, with stdout and stderr kept apart and no
 * prompts. Output is handed out in chunks, and the source is paused while the caller lags behind.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants, homedir } from 'node:os';
import { asyncQueue } from '../async-queue.js';

export interface ShellChunk {
  readonly dataOut?: string;
  readonly dataErr?: string;
}

export interface ShellSession {
  /** Output until the shell exits; ends after its last byte. */
  readonly output: AsyncIterable<ShellChunk>;
  /** The exit status: the shell's own, or 128 + the signal that ended it. */
  readonly exited: Promise<number>;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** The caller has no more input: a terminal gets end-of-file (^D), a pipe is closed. */
  endInput(): void;
  kill(): void;
}

export interface ShellOptions {
  readonly tty: boolean;
  readonly cols: number;
  readonly rows: number;
}

interface Pty {
  onData(listener: (data: string) => void): void;
  onExit(listener: (e: { exitCode: number; signal?: number }) => void): void;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  kill(signal?: string): void;
  pause(): void;
  resume(): void;
}
interface PtyModule {
  spawn(file: string, args: string[], options: { name: string; cols: number; rows: number; cwd: string; env: NodeJS.ProcessEnv }): Pty;
}

const HIGH_WATER_CHUNKS = 64;

/** node-pty is an optional native addon: without it (no compiler on the machine) shells get pipes. */
function loadPty(): PtyModule | undefined {
  try {
    return createRequire(import.meta.url)('node-pty') as PtyModule;
  } catch {
    return undefined;
  }
}
let pty: PtyModule | undefined | null = null;
export function ptyAvailable(): boolean {
  if (pty === null) pty = loadPty();
  return pty !== undefined;
}

function statusOf(code: number | null, signal: NodeJS.Signals | number | null | undefined): number {
  if (typeof signal === 'number' && signal > 0) return 128 + signal;
  if (typeof signal === 'string') return 128 + ((constants.signals as Partial<Record<string, number>>)[signal] ?? 0);
  return code ?? 1;
}

export function userShell(): string {
  return process.env.SHELL !== undefined && process.env.SHELL !== '' ? process.env.SHELL : '/bin/sh';
}

export function openShell(options: ShellOptions): ShellSession {
  const env = { ...process.env, TERM: 'xterm-256color' };
  const cwd = homedir();
  if (options.tty && ptyAvailable() && pty) {
    const term = pty.spawn(userShell(), ['-i'], { name: 'xterm-256color', cols: options.cols, rows: options.rows, cwd, env });
    const queue = asyncQueue<ShellChunk>({ highWater: HIGH_WATER_CHUNKS, pause: () => term.pause(), resume: () => term.resume() });
    term.onData((data) => queue.push({ dataOut: data }));
    const exited = new Promise<number>((resolve) =>
      term.onExit(({ exitCode, signal }) => {
        queue.end();
        resolve(statusOf(exitCode, signal));
      }),
    );
    return {
      output: queue,
      exited,
      write: (data) => term.write(data),
      resize: (cols, rows) => term.resize(cols, rows),
      endInput: () => term.write('\x04'),
      kill: () => {
        // node-pty throws for a process that is already gone.
        try {
          term.kill('SIGHUP');
        } catch {
          /* exited already */
        }
      },
    };
  }
  // Its own process group, so that ending the shell ends what it started too (a `sleep` would otherwise
  // outlive it and hold its output open).
  const child = spawn(userShell(), [], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGHUP');
    } catch {
      /* the group is gone */
    }
  };
  const queue = asyncQueue<ShellChunk>({
    highWater: HIGH_WATER_CHUNKS,
    pause: () => {
      child.stdout.pause();
      child.stderr.pause();
    },
    resume: () => {
      child.stdout.resume();
      child.stderr.resume();
    },
  });
  child.stdout.setEncoding('utf8').on('data', (data: string) => queue.push({ dataOut: data }));
  child.stderr.setEncoding('utf8').on('data', (data: string) => queue.push({ dataErr: data }));
  // A shell that exits before reading all its input must not crash the agent with EPIPE.
  child.stdin.on('error', () => undefined);
  const exited = new Promise<number>((resolve) => {
    child.once('error', (err) => {
      queue.push({ dataErr: `cannot start ${userShell()}: ${err.message}\n` });
      queue.end();
      resolve(127);
    });
    child.once('exit', (code, signal) => {
      resolve(statusOf(code, signal));
      // What it left running in the background is ended with it, once its last output is read.
      setTimeout(() => {
        killGroup();
        queue.end();
      }, 200).unref();
    });
    child.once('close', () => queue.end());
  });
  return {
    output: queue,
    exited,
    write: (data) => child.stdin.write(data),
    resize: () => undefined,
    endInput: () => child.stdin.end(),
    kill: killGroup,
  };
}
