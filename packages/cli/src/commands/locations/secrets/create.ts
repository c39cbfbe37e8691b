import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { quote } from '../../../format.js';
import { addResourceOption, requiredResource } from '../../../options.js';
import { details } from '../../../output.js';
import { resolveLocation } from '../../../resolve.js';
import { newSecret, secretJson } from '../../../secrets.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('create')
    .description('create a new secret for a location (at most two at a time: one to rotate to), and print it');
  addResourceOption(cmd, 'location', 'the location');
  return cmd
    .addHelpText(
      'after',
      `
To rotate: create a new secret, move the machines over to it, then delete the old one.

Examples:
  hangar locations secrets create --location "Warehouse 7"
  hangar locations secrets create --location-id <location-id> --json`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const locationInput = requiredResource(opts, 'location');
      const client = await inv.client();
      const location = await resolveLocation(client, locationInput);
      const before = (await client.locationAuth(location.id)).secrets;
      const created = newSecret(before, (await client.createLocationSecret(location.id)).secrets);
      if (created === undefined) throw new Error('CreateLocationSecret returned no secrets');
      const secret = { locationId: location.id, ...secretJson(created) };
      inv.out.warn(`keep this secret safe: anyone with it can connect as a machine in location ${quote(location.name)}`);
      inv.out.result(secret, (s) =>
        details([
          ['Secret ID', s.id],
          ['Secret', s.secret],
          ['Location', `${quote(location.name)} (${location.id})`],
        ]),
      );
    });
}
