import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { details } from '../../../output.js';
import { keyIdOption } from '../../../roles.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('rotate')
    .description('give an API key a new secret: the old one, and every session signed in with it, stop working at once')
    .requiredOption('--key-id <id>', 'the API key (see "hangar organizations api-key list")')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const keyId = keyIdOption(opts);
      const client = await inv.client();
      const session = await inv.session();
      const [key, id] = await client.rotateKey(keyId);
      inv.out.warn('keep the new secret safe: it is shown only this once, and the old secret no longer works');
      if (session.keyId === id)
        inv.out.warn(`this session used that key: run "hangar login api-key --key-id ${id} --key …" with the new secret`);
      inv.out.result({ id, key }, (k) =>
        details([
          ['Key ID', k.id],
          ['Key', k.key],
        ]),
      );
    });
}
