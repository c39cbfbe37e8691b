import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { organizationJson, quote } from '../../format.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('create')
    .description('create an organization; you become its owner')
    .argument('<name>', 'the new organization name')
    .action(async (name: string, _opts: object, cmd: Command) => {
      const inv = ctx.invocation(cmd);
      const client = await inv.client();
      const org = organizationJson(await client.createOrganization(name));
      inv.out.result(org, (o) => `Created organization ${quote(o.name)} (${o.id}).`);
    });
}
