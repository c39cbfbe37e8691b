import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { quote, toDate } from '../../../format.js';
import { addResourceOption, requiredResource } from '../../../options.js';
import { table } from '../../../output.js';
import { resolveLocation } from '../../../resolve.js';
import { secretJson } from '../../../secrets.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('list').description("list a location's secrets (machines in it can connect with them), oldest first");
  addResourceOption(cmd, 'location', 'the location');
  return cmd
    .addHelpText(
      'after',
      `
The secrets are printed: they are credentials, so keep the output safe.

Examples:
  hangar locations secrets list --location "Warehouse 7"
  hangar locations secrets list --location-id <location-id> --json`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const locationInput = requiredResource(opts, 'location');
      const client = await inv.client();
      const location = await resolveLocation(client, locationInput);
      const secrets = (await client.locationAuth(location.id)).secrets.map(secretJson);
      if (secrets.length === 0) inv.out.notice(`Location ${quote(location.name)} has no secrets.`);
      else inv.out.warn(`these secrets are credentials: anyone with one can connect as a machine in location ${quote(location.name)}`);
      inv.out.result(secrets, (list) =>
        list.length === 0
          ? ''
          : table(
              ['ID', 'CREATED', 'SECRET'],
              list.map((s) => [s.id, inv.out.time(toDate(s.createdOn)), s.secret]),
            ),
      );
    });
}
