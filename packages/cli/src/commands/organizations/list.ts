import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { organizationJson } from '../../format.js';
import { table } from '../../output.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('list')
    .description('list the organizations you belong to (name, id, namespace)')
    .action(async (_opts: object, cmd: Command) => {
      const inv = ctx.invocation(cmd);
      const client = await inv.client();
      const orgs = (await client.listOrganizations()).map(organizationJson);
      if (orgs.length === 0) inv.out.notice('No organizations found.');
      inv.out.result(orgs, (list) =>
        list.length === 0
          ? ''
          : table(
              ['NAME', 'ID', 'NAMESPACE'],
              list.map((o) => [o.name, o.id, o.publicNamespace ?? '-']),
            ),
      );
    });
}
