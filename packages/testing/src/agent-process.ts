/** `hangar agent` as a child process, the way a machine runs it, for tests that need a real machine. */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI_PATH } from './cli.js';

export interface AgentProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** What the agent logged on the machine so far. */
  stderr(): string;
  /** SIGTERM, and wait for it to stop; SIGKILL and an error naming what it logged if it is still running after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface AgentOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** More of `hangar agent`'s flags. */
  readonly args?: readonly string[];
}

export function startAgent(configPath: string, dataDir: string, { env = {}, args = [] }: AgentOptions = {}): AgentProcess {
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI_PATH, 'agent', '--config', configPath, '--data-dir', dataDir, '--config-poll-seconds', '0.5', ...args],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    exited,
    stderr: () => stderr,
    stop: async (graceMs = 20_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), graceMs)));
      const outcome = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (outcome !== 'late') return outcome;
      child.kill('SIGKILL');
      await exited;
      throw new Error(`the agent was still running ${graceMs} ms after SIGTERM; it logged:\n${stderr}`);
    },
  };
}

/** Polls `probe` every 100 ms until it returns something. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
