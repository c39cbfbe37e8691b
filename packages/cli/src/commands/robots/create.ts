import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { quote, robotJson } from '../../format.js';
import { resolveScope } from '../../machines.js';
import { addResourceOption, requiredResource, resourceValue } from '../../options.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('create')
    .description('create a machine in a location, with its main part ("<name>-main")')
    .argument('<name>', 'the new machine name');
  addResourceOption(cmd, 'location', 'the location to create it in');
  addResourceOption(cmd, 'organization', 'the organization of the location (to tell apart locations with the same name)');
  return cmd.action(async (name: string, opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const locationInput = requiredResource(opts, 'location');
    const orgInput = resourceValue(opts, 'organization');
    const client = await inv.client();
    const { location } = await resolveScope(client, { organization: orgInput, location: locationInput });
    if (location === undefined) throw new Error('resolveScope returned no location for --location');
    const id = await client.newRobot(name, location.id);
    const [robot, parts] = await Promise.all([client.getRobot(id), client.getRobotParts(id)]);
    const main = parts.find((p) => p.mainPart);
    inv.out.result(
      robotJson(robot, location),
      (r) =>
        `Created machine ${quote(r.name)} (${r.id}) in location ${quote(location.name)}${main !== undefined ? `, with main part ${quote(main.name)} (${main.id})` : ''}.`,
    );
  });
}
