import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { locationJson, quote } from '../../format.js';
import { addResourceOption, requiredResource } from '../../options.js';
import { resolveLocation } from '../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('delete').description('delete a location');
  addResourceOption(cmd, 'location', 'the location to delete');
  return cmd.action(async (opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const input = requiredResource(opts, 'location');
    const client = await inv.client();
    const location = locationJson(await resolveLocation(client, input));
    await client.deleteLocation(location.id);
    inv.out.result({ ...location, deleted: true }, (l) => `Deleted location ${quote(l.name)} (${l.id}).`);
  });
}
