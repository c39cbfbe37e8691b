/** Runs the built `hangar` binary as a child process, as a user's shell would. */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'dist', 'main.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (for --json runs); throws with the output if it is not JSON. */
  // The caller names the shape it expects; parsing cannot check it, hence a return-only type parameter.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  json<T = unknown>(): T;
}

export interface CliOptions {
  /** HANGAR_HOME: where the CLI keeps its credentials. */
  readonly home: string;
  readonly server?: string;
  readonly stdin?: string;
  readonly env?: Record<string, string>;
}

export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HANGAR_HOME: options.home,
        ...(options.server !== undefined && { HANGAR_URL: options.server }),
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
        json<T>() {
          try {
            return JSON.parse(stdout) as T;
          } catch {
            throw new Error(`expected JSON on stdout, got:\n${stdout}\nstderr:\n${stderr}`);
          }
        },
      }),
    );
    child.stdin.end(options.stdin ?? '');
  });
}

export function tempHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'hangar-cli-'));
}
