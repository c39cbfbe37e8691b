import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { usageError } from '../../errors.js';
import { signIn } from '../../sign-in.js';

interface ApiKeyOptions {
  readonly keyId: string;
  readonly key: string;
}

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('api-key')
    .description('sign in with an organization, location or machine API key (only the session token is stored, never the key)')
    .requiredOption('--key-id <uuid>', 'the API key id')
    .requiredOption('--key <secret>', 'the API key secret')
    .action(async (opts: ApiKeyOptions, cmd: Command) => {
      const inv = ctx.invocation(cmd);
      const keyId = opts.keyId.trim();
      if (keyId === '' || opts.key === '')
        throw usageError('--key-id and --key must not be empty', 'pass the id and secret printed when the key was created');
      await signIn(
        ctx,
        inv,
        { type: 'api-key', keyId, key: opts.key },
        `check the key id and secret, then run "hangar login api-key --key-id ${keyId} --key …" again`,
      );
    });
}
