import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { createApiKey } from '../../../api-keys.js';
import { CliError } from '../../../errors.js';
import { quote } from '../../../format.js';
import { addResourceOption, requiredResource, resourceValue } from '../../../options.js';
import { resolveLocation, resolveOrganization } from '../../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('create').description('create a location API key: full read and write access to the machines in the location');
  addResourceOption(cmd, 'locationId', 'the location the key is for');
  addResourceOption(cmd, 'orgId', 'the organization to attach the key to (needed only if several organizations share the location)');
  return cmd
    .option('--name <name>', 'a name for the key (default: your login and the current time)')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const locationInput = requiredResource(opts, 'locationId');
      const orgInput = resourceValue(opts, 'orgId');
      const client = await inv.client();
      const location = await resolveLocation(client, locationInput, { flag: '--location-id' });
      let organizationId: string;
      if (orgInput !== undefined) {
        organizationId = (await resolveOrganization(client, orgInput, '--org-id')).id;
      } else {
        const owners = await client.getOrganizationsWithAccessToLocation(location.id);
        const [only, ...others] = owners;
        if (only === undefined || others.length > 0) {
          throw new CliError(
            `location ${quote(location.name)} belongs to ${owners.length} organizations${owners.length > 0 ? `: ${owners.map((o) => `${o.id} (${o.name})`).join(', ')}` : ''}`,
            { code: 'INVALID_ARGUMENT', hint: 'pass --org-id <org> to say which one the key belongs to' },
          );
        }
        organizationId = only.id;
      }
      await createApiKey(ctx, inv, client, {
        organizationId,
        resourceType: 'location',
        resourceId: location.id,
        name: typeof opts.name === 'string' ? opts.name : undefined,
        scope: `the machines in location ${quote(location.name)}`,
      });
    });
}
