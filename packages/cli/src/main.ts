#!/usr/bin/env node
/** `hangar`: the CLI entry point. Wires the process (streams, env, signals) to the command tree. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from './commands/index.js';
import { createContext, isDebugEnv, type GlobalOptions } from './context.js';
import { EXIT } from './errors.js';
import { commandPathOf, pathOfCommand, reportError } from './report.js';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** What a command asked Ctrl-C to do instead of exiting (ctx.onInterrupt); the second Ctrl-C exits anyway. */
let interruptHandler: (() => void) | undefined;
const onInterrupt = () => {
  const handler = interruptHandler;
  interruptHandler = undefined;
  if (handler !== undefined) {
    handler();
    return;
  }
  process.stderr.write('\ninterrupted\n');
  process.exit(EXIT.interrupted);
};
process.on('SIGINT', onInterrupt);

// `hangar … | head` closes stdout early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const env = process.env;
const ctx = createContext({
  version: readVersion(),
  env,
  home: env.HANGAR_HOME !== undefined && env.HANGAR_HOME !== '' ? env.HANGAR_HOME : join(homedir(), '.hangar'),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  now: () => new Date(),
  releaseInterrupt: () => process.off('SIGINT', onInterrupt),
  onInterrupt: (handler) => {
    interruptHandler = handler;
    return () => {
      if (interruptHandler === handler) interruptHandler = undefined;
    };
  },
});

const args = process.argv.slice(2);
// Any word that is not a flag means a subcommand (or a flag's value before one): `--version` is then its own.
const program = buildProgram(ctx, { versionFlag: !args.some((a) => !a.startsWith('-')) });
try {
  await program.parseAsync(args, { from: 'user' });
} catch (err) {
  const globals = program.opts<GlobalOptions>();
  const json = ctx.state.json ?? (globals.json === true || args.includes('--json'));
  const debug = ctx.state.debug ?? (globals.debug === true || args.includes('--debug') || isDebugEnv(env));
  const commandPath = ctx.state.command !== undefined ? pathOfCommand(ctx.state.command) : commandPathOf(program, args);
  process.exitCode = reportError(err, ctx, { json, debug, commandPath });
}
