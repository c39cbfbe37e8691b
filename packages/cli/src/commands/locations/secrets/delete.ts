import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { quote } from '../../../format.js';
import { addResourceOption, requiredResource } from '../../../options.js';
import { confirmDeletion } from '../../../prompt.js';
import { resolveLocation } from '../../../resolve.js';
import { secretIdOption } from '../../../secrets.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('delete')
    .description("delete one of a location's secrets: machines using it can no longer connect with it (the last one stays)");
  addResourceOption(cmd, 'location', 'the location');
  return cmd
    .requiredOption('--secret-id <id>', 'the secret (see "hangar locations secrets list")')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .addHelpText(
      'after',
      `
Examples:
  hangar locations secrets delete --location "Warehouse 7" --secret-id <secret-id>
  hangar locations secrets delete --location-id <location-id> --secret-id <secret-id> --yes`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const locationInput = requiredResource(opts, 'location');
      const secretId = secretIdOption(opts, 'hangar locations secrets list --location <location>');
      const client = await inv.client();
      const location = await resolveLocation(client, locationInput);
      await confirmDeletion(
        inv.term,
        opts.yes === true,
        `secret ${secretId} of location ${quote(location.name)}`,
        `Delete secret ${secretId} of location ${quote(location.name)}? Machines using it can no longer connect with it.`,
      );
      await client.deleteLocationSecret(secretId, location.id);
      inv.out.result(
        { locationId: location.id, id: secretId, deleted: true },
        () => `Deleted secret ${secretId} of location ${quote(location.name)} (${location.id}).`,
      );
    });
}
