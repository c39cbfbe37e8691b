import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { createApiKey, keyOrganizationId } from '../../../api-keys.js';
import { quote } from '../../../format.js';
import { addResourceOption, requiredResource, resourceValue } from '../../../options.js';
import { resolveLocation } from '../../../resolve.js';

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
      const organizationId = await keyOrganizationId(client, orgInput, location.id, `location ${quote(location.name)}`);
      await createApiKey(ctx, inv, client, {
        organizationId,
        resourceType: 'location',
        resourceId: location.id,
        name: typeof opts.name === 'string' ? opts.name : undefined,
        scope: `the machines in location ${quote(location.name)}`,
      });
    });
}
