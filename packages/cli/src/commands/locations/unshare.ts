import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { addShareOptions, sharingJson, sharingText, shareTargets } from '../../sharing.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('unshare')
    .description('stop sharing a location with another organization: the roles that organization gave on it go too');
  addShareOptions(cmd, 'the organization to stop sharing it with (its id if you are not in it)');
  return cmd
    .addHelpText(
      'after',
      `
The organization that owns the location cannot be unshared from it: move or delete the location instead.

Examples:
  hangar locations unshare --location "Warehouse 7" --organization "Acme Service"
  hangar locations unshare --location <location-id> --org-id <org-id> --json`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const targets = await shareTargets(inv, opts);
      await targets.client.unshareLocation(targets.org.id, targets.location.id);
      inv.out.result(sharingJson(targets, false), (s) => `Stopped sharing ${sharingText(s)}.`);
    });
}
