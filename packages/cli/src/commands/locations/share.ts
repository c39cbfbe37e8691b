import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { addShareOptions, sharingJson, sharingText, shareTargets } from '../../sharing.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('share').description('share a location, with everything in and below it, with another organization');
  addShareOptions(cmd, 'the organization to share it with (its id if you are not in it)');
  return cmd
    .addHelpText(
      'after',
      `
Members of the other organization then reach the location as their roles there allow. Sharing again changes nothing.

Examples:
  hangar locations share --location "Warehouse 7" --organization "Acme Service"
  hangar locations share --location <location-id> --org-id <org-id> --json`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const targets = await shareTargets(inv, opts);
      await targets.client.shareLocation(targets.org.id, targets.location.id);
      inv.out.result(sharingJson(targets, true), (s) => `Shared ${sharingText(s)}.`);
    });
}
