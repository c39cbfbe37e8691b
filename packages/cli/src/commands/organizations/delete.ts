import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { organizationJson, quote } from '../../format.js';
import { addResourceOption, requiredResource } from '../../options.js';
import { confirmDeletion } from '../../prompt.js';
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
      await confirmDeletion(
        inv.term,
        opts.yes === true,
        `organization ${quote(org.name)} (${org.id})`,
        `Delete organization ${quote(org.name)} (${org.id}) with all its locations and API keys?`,
      );
      await client.deleteOrganization(org.id);
      inv.out.result({ ...org, deleted: true }, (o) => `Deleted organization ${quote(o.name)} (${o.id}).`);
    });
}
