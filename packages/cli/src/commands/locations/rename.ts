import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { locationJson, quote } from '../../format.js';
import { addResourceOption, requiredResource } from '../../options.js';
import { resolveLocation } from '../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('rename').description('rename a location').argument('<new-name>', 'the new name');
  addResourceOption(cmd, 'location', 'the location to rename');
  return cmd.action(async (newName: string, opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const input = requiredResource(opts, 'location');
    const client = await inv.client();
    const before = await resolveLocation(client, input);
    const location = locationJson(await client.updateLocation(before.id, { name: newName }));
    inv.out.result(location, (l) => `Renamed location ${l.id} from ${quote(before.name)} to ${quote(l.name)}.`);
  });
}
