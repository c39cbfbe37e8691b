import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { moduleJson } from '../../modules.js';
import { table } from '../../output.js';
import { resolveOrganization } from '../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('list')
    .description("list an organization's modules (default: every organization you are in)")
    .option('--org-id <org>', 'only this organization (name or id)')
    .addHelpText('after', '\nExamples:\n  hangar module list\n  hangar module list --org-id Acme --json')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const client = await inv.client();
      const orgs =
        typeof opts.orgId === 'string' ? [await resolveOrganization(client, opts.orgId, '--org-id')] : await client.listOrganizations();
      const modules = (await Promise.all(orgs.map((o) => client.listModules(o.id)))).flat().map(moduleJson);
      if (modules.length === 0) inv.out.notice('No modules found: create one with "hangar module create --name <name>".');
      inv.out.result(modules, (list) =>
        list.length === 0
          ? ''
          : table(
              ['MODULE', 'VISIBILITY', 'VERSIONS', 'LATEST', 'DESCRIPTION'],
              list.map((m) => [m.module_id, m.visibility, String(m.versions.length), m.versions.at(-1)?.version ?? '', m.description]),
            ),
      );
    });
}
