import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { CliError, usageError } from '../../errors.js';
import { organizationJson, quote } from '../../format.js';
import { addResourceOption, requiredResource } from '../../options.js';
import { canPrompt, confirm } from '../../prompt.js';
import { resolveOrganization } from '../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('delete').description('delete an organization with all its locations and API keys');
  addResourceOption(cmd, 'organization', 'the organization to delete');
  return cmd
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = requiredResource(opts, 'organization');
      const client = await inv.client();
      const org = organizationJson(await resolveOrganization(client, input));
      if (opts.yes !== true) {
        if (!canPrompt(inv.term)) {
          throw usageError(`refusing to delete organization ${quote(org.name)} (${org.id}) without confirmation`, 'pass --yes to confirm');
        }
        const ok = await confirm(inv.term, `Delete organization ${quote(org.name)} (${org.id}) with all its locations and API keys?`);
        if (!ok) throw new CliError('not deleted: you did not confirm', { code: 'CANCELLED', hint: 'answer "y" to delete, or pass --yes' });
      }
      await client.deleteOrganization(org.id);
      inv.out.result({ ...org, deleted: true }, (o) => `Deleted organization ${quote(o.name)} (${o.id}).`);
    });
}
