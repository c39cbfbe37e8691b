import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { locationJson, quote } from '../../format.js';
import { addResourceOption, requiredResource, resourceValue } from '../../options.js';
import { resolveLocation, resolveOrganization } from '../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('create')
    .description('create a location in an organization, optionally inside another location')
    .argument('<name>', 'the new location name');
  addResourceOption(cmd, 'organization', 'the organization to create it in');
  addResourceOption(cmd, 'parentLocation', 'the location to nest it under, if any');
  return cmd.action(async (name: string, opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const orgInput = requiredResource(opts, 'organization');
    const parentInput = resourceValue(opts, 'parentLocation');
    const client = await inv.client();
    const org = await resolveOrganization(client, orgInput);
    const parentLoc =
      parentInput === undefined
        ? undefined
        : await resolveLocation(client, parentInput, { organizationId: org.id, flag: '--parent-location' });
    const location = locationJson(await client.createLocation(org.id, name, parentLoc?.id));
    inv.out.result(
      location,
      (l) =>
        `Created location ${quote(l.name)} (${l.id}) in organization ${quote(org.name)}${parentLoc !== undefined ? `, inside ${quote(parentLoc.name)}` : ''}.`,
    );
  });
}
