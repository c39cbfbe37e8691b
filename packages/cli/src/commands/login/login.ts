import { Option, type Command } from 'commander';
import type { Ctx, Invocation } from '../../context.js';
import { usageError } from '../../errors.js';
import { ask, askHidden, canPrompt, readAllStdin } from '../../prompt.js';
import { signIn } from '../../sign-in.js';

interface LoginOptions {
  readonly email?: string;
  readonly passwordStdin?: boolean;
}

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('login')
    .description('sign in with your email and password (asked for on a terminal); sessions last 24 hours')
    .option('--email <email>', 'your email address')
    .option('--password-stdin', 'read the password from stdin, for scripts (requires --email)')
    .addOption(
      new Option('--disable-browser-open', 'accepted for compatibility with the Viam CLI; Hangar never opens a browser').hideHelp(),
    )
    .addHelpText(
      'after',
      `
Examples:
  hangar login --server https://hangar.example.com
  printf '%s' "$PASSWORD" | hangar login --email admin@example.com --password-stdin
  hangar login api-key --key-id <key-id> --key <key>`,
    )
    .action(async (opts: LoginOptions, cmd: Command) => {
      const inv = ctx.invocation(cmd);
      const { email, password } = await passwordCredentials(opts, inv);
      await signIn(ctx, inv, { type: 'password', email, password }, 'check the email and password, then run "hangar login" again');
    });
}

async function passwordCredentials(opts: LoginOptions, inv: Invocation): Promise<{ email: string; password: string }> {
  const given = opts.email?.trim();
  if (opts.passwordStdin === true) {
    if (given === undefined || given === '')
      throw usageError(
        '--password-stdin needs --email <email>',
        'run "hangar login --email <email> --password-stdin" with the password on stdin',
      );
    inv.log('reading the password from stdin');
    const password = await readAllStdin(inv.term.stdin);
    if (password === '')
      throw usageError('no password on stdin', `pipe it in: printf '%s' "$PASSWORD" | hangar login --email ${given} --password-stdin`);
    return { email: given, password };
  }
  if (!canPrompt(inv.term)) {
    throw usageError(
      'hangar login needs a terminal to ask for the password',
      'in scripts, run "hangar login --email <email> --password-stdin" with the password on stdin, or "hangar login api-key --key-id … --key …"',
    );
  }
  const email = given !== undefined && given !== '' ? given : await ask(inv.term, 'Email: ');
  if (email === '') throw usageError('an email address is required', 'run "hangar login" again and enter your email');
  const password = await askHidden(inv.term, 'Password: ');
  if (password === '') throw usageError('a password is required', 'run "hangar login" again and enter your password');
  return { email, password };
}
