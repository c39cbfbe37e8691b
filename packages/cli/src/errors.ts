/**
 * What the CLI tells the user when something fails: one line of what failed, one of what to do next,
 * and an exit code from a small fixed set (gh's `internal/ghcmd/cmd.go` keeps 4 for auth as we do).
 */

export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  auth: 4,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface CliErrorOptions {
  /** The line after the message: what to do next. */
  readonly hint?: string | undefined;
  readonly exitCode?: ExitCode;
  /** Stable machine-readable code for `--json` error objects; gRPC names where one fits. */
  readonly code?: string;
  readonly cause?: unknown;
}

/** An expected failure: printed as message + hint, never with a stack unless --debug. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;
  readonly code: string;

  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT.error;
    this.code = options.code ?? (this.exitCode === EXIT.usage ? 'USAGE' : this.exitCode === EXIT.auth ? 'UNAUTHENTICATED' : 'UNKNOWN');
  }
}

export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, { hint, exitCode: EXIT.usage, code: 'USAGE' });
}

export const LOGIN_HINT = 'run "hangar login" or "hangar login api-key --key-id … --key …"';

export function notSignedIn(message: string, hint: string = LOGIN_HINT): CliError {
  return new CliError(message, { hint, exitCode: EXIT.auth, code: 'UNAUTHENTICATED' });
}

/** Ctrl-C at a prompt (raw mode turns it into a character, not a signal). */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  constructor() {
    super('interrupted');
  }
}
