/**
 * Turns any failure into two lines on stderr (what failed, what to do next) and an exit code. Expected
 * failures never show a stack; unexpected ones say where to report, with the stack under --debug
 * (balena-cli `src/errors.ts`: ExpectedError vs the rest). Under --json the error is one JSON object.
 */
import { CommanderError, type Command } from 'commander';
import type { HangarError } from '@hangar/sdk';
import type { Ctx } from './context.js';
import { CliError, EXIT, Interrupted, type ExitCode } from './errors.js';
import { loadedSdk } from './sdk.js';
import { identityLabel, loginAgainHint } from './session.js';

export interface ReportOptions {
  readonly json: boolean;
  readonly debug: boolean;
  /** The command being run, as far as it is known, e.g. ["organizations", "list"]. */
  readonly commandPath: readonly string[];
}

/** Prints the error and returns the exit code. */
export function reportError(err: unknown, ctx: Ctx, options: ReportOptions): ExitCode {
  if (err instanceof CommanderError) {
    // Help and --version "fail" with exit code 0; a bare `hangar` / `hangar organizations` printed its help to stderr already.
    if (err.exitCode === 0) return EXIT.ok;
    if (err.code === 'commander.help') return EXIT.usage;
  }
  const error = explain(err, ctx, options);
  if (options.json) {
    ctx.stderr.write(
      JSON.stringify({ error: { code: error.code, message: error.message, ...(error.hint !== undefined && { hint: error.hint }) } }) + '\n',
    );
  } else {
    ctx.stderr.write(`error: ${error.message}\n`);
    if (error.hint !== undefined) ctx.stderr.write(`hint: ${error.hint}\n`);
  }
  if (options.debug && err instanceof Error && !(err instanceof CommanderError) && err.stack !== undefined) {
    ctx.stderr.write(`${err.stack}\n`);
    if (err.cause instanceof Error && err.cause.stack !== undefined) ctx.stderr.write(`caused by: ${err.cause.stack}\n`);
  }
  return error.exitCode;
}

function explain(err: unknown, ctx: Ctx, options: ReportOptions): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof Interrupted) return new CliError('interrupted', { exitCode: EXIT.interrupted, code: 'INTERRUPTED' });
  if (err instanceof CommanderError) {
    const path = ['hangar', ...options.commandPath].join(' ');
    return new CliError(err.message.replace(/^error: /, ''), {
      exitCode: EXIT.usage,
      code: 'USAGE',
      hint: `run "${path} --help" for usage`,
    });
  }
  const sdk = loadedSdk();
  if (sdk !== undefined && err instanceof sdk.HangarError) return explainServerError(err, sdk.Code, ctx, options);
  const message = err instanceof Error ? err.message : String(err);
  return new CliError(`unexpected error: ${message}`, {
    code: 'INTERNAL',
    hint: options.debug
      ? 'this is a bug in hangar: please report it with this output'
      : 'this is a bug in hangar: please rerun with --debug and report the output',
  });
}

function explainServerError(err: HangarError, Code: typeof import('@hangar/sdk').Code, ctx: Ctx, options: ReportOptions): CliError {
  const code = err.codeName;
  const server = ctx.state.server?.url ?? 'the server';
  const listHint = listCommandFor(options.commandPath);
  switch (err.code) {
    case Code.Unauthenticated:
      return new CliError(`${server} rejected your session: ${err.message}`, {
        exitCode: EXIT.auth,
        code,
        hint: loginAgainHint(ctx.state.session),
      });
    case Code.PermissionDenied: {
      const who = ctx.state.session !== undefined ? identityLabel(ctx.state.session) : 'you';
      return new CliError(err.message, {
        code,
        hint: `${who} lacks the role this needs: ask an owner of the organization, or log in with an owner's credentials ("hangar whoami" shows who you are)`,
      });
    }
    case Code.NotFound:
      return new CliError(err.message, { code, hint: `check the name or id; "${listHint}" shows what you can see` });
    case Code.Unavailable:
      return new CliError(`cannot reach the Hangar server at ${server}: ${err.message}`, {
        code,
        hint: 'check that it is running ("hangar server" starts one) and that --server or HANGAR_URL points at it',
      });
    case Code.InvalidArgument:
    case Code.OutOfRange:
      return new CliError(err.message, {
        code,
        hint: CONFIG_FILE_COMMANDS.has(options.commandPath.join(' '))
          ? 'fix the config file where the message says, then run the command again'
          : `run "${['hangar', ...options.commandPath].join(' ')} --help" for what each flag accepts`,
      });
    case Code.AlreadyExists:
      return new CliError(err.message, { code, hint: 'choose another value, or use the existing one' });
    case Code.FailedPrecondition:
      return new CliError(err.message, {
        code,
        hint:
          options.commandPath[0] === 'roles' || options.commandPath.slice(0, 2).join(' ') === 'organizations members'
            ? 'give another user or API key the owner role first ("hangar roles add --organization <org> --user <email> --role owner"), then retry'
            : 'the server refused in the current state: change what the message names, then retry',
      });
    case Code.Unimplemented:
      return new CliError(`${server} does not support this: ${err.message}`, { code, hint: 'upgrade the server to a version that does' });
    case Code.ResourceExhausted:
      return new CliError(err.message, {
        code,
        hint:
          err.retryAfterSeconds !== undefined
            ? `wait ${err.retryAfterSeconds} s, then try again`
            : err.message.includes('the most allowed')
              ? 'delete some first, or ask the operator of the server to raise the limit the message names'
              : 'try again in a moment',
      });
    case Code.DeadlineExceeded:
    case Code.Aborted:
      return new CliError(err.message, { code, hint: 'try again in a moment' });
    default:
      return new CliError(`${server} failed: ${err.message}`, {
        code,
        hint: `this is a server error: its log has the details (look for the ref, if any); report it if it persists`,
      });
  }
}

/** Commands whose INVALID_ARGUMENT is most likely about the config file they sent. */
const CONFIG_FILE_COMMANDS: ReadonlySet<string> = new Set(['robots part config set', 'fragments create', 'fragments update']);

/** Where to look up names and ids for the command that failed. */
function listCommandFor(path: readonly string[]): string {
  switch (path[0]) {
    case 'locations':
      return 'hangar locations list';
    case 'robots':
      return path[1] === 'part' ? 'hangar robots status --robot <robot>' : 'hangar robots list';
    case 'roles':
      return 'hangar roles list --organization <org>';
    case 'fragments':
      return 'hangar fragments list';
    case 'organizations':
      if (path[1] === 'members') return 'hangar organizations members list --organization <org>';
      if (path[1] === 'invites') return 'hangar organizations invites list --organization <org>';
      return path[1] === 'api-key' && path[2] !== 'create' && path[2] !== 'list'
        ? 'hangar organizations api-key list --org-id <org>'
        : 'hangar organizations list';
    default:
      return 'hangar organizations list';
  }
}

/** The command path a failed parse was heading for: the longest run of subcommand names in argv. */
export function commandPathOf(program: Command, args: readonly string[]): string[] {
  const path: string[] = [];
  let current = program;
  for (const arg of args) {
    if (arg === '--') break;
    if (arg.startsWith('-')) continue;
    const next = current.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (next === undefined) continue;
    path.push(next.name());
    current = next;
  }
  return path;
}

/** ["organizations", "api-key", "create"] for the command that ran. */
export function pathOfCommand(cmd: Command): string[] {
  const path: string[] = [];
  let c = cmd;
  while (c.parent !== null) {
    path.unshift(c.name());
    c = c.parent;
  }
  return path;
}
