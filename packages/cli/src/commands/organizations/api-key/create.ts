import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { addResourceOption, requiredResource } from '../../../options.js';
import { resolveOrganization } from '../../../resolve.js';
import { createApiKey } from '../../../api-keys.js';
import { quote } from '../../../format.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('create')
    .description('create an organization API key: full read and write access to everything in the organization');
  addResourceOption(cmd, 'orgId', 'the organization the key is for');
  return cmd
    .option('--name <name>', 'a name for the key (default: your login and the current time)')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = requiredResource(opts, 'orgId');
      const client = await inv.client();
      const org = await resolveOrganization(client, input, '--org-id');
      await createApiKey(ctx, inv, client, {
        organizationId: org.id,
        resourceType: 'organization',
        resourceId: org.id,
        name: typeof opts.name === 'string' ? opts.name : undefined,
        scope: `everything in organization ${quote(org.name)}`,
      });
    });
}
