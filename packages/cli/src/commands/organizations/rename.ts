import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { organizationJson, quote } from '../../format.js';
import { addResourceOption, requiredResource } from '../../options.js';
import { resolveOrganization } from '../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('rename').description('rename an organization').argument('<new-name>', 'the new name');
  addResourceOption(cmd, 'organization', 'the organization to rename');
  return cmd.action(async (newName: string, opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const input = requiredResource(opts, 'organization');
    const client = await inv.client();
    const before = await resolveOrganization(client, input);
    const org = organizationJson(await client.updateOrganization(before.id, { name: newName }));
    inv.out.result(org, (o) => `Renamed organization ${o.id} from ${quote(before.name)} to ${quote(o.name)}.`);
  });
}
