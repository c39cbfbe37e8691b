import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { confirmDeletion } from '../../../prompt.js';
import { keyIdOption } from '../../../roles.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('delete')
    .description('delete an API key with its roles: everything using it stops working at once')
    .requiredOption('--key-id <id>', 'the API key (see "hangar organizations api-key list")')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const keyId = keyIdOption(opts);
      const client = await inv.client();
      const session = await inv.session();
      await confirmDeletion(inv.term, opts.yes === true, `API key ${keyId}`, `Delete API key ${keyId}? Everything using it stops working.`);
      await client.deleteKey(keyId);
      if (session.keyId === keyId) inv.out.warn('this session used that key, so it has ended: log in again with other credentials');
      inv.out.result({ id: keyId, deleted: true }, (k) => `Deleted API key ${k.id}.`);
    });
}
