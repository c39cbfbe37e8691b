import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { usageError } from '../../errors.js';
import { locationJson, quote } from '../../format.js';
import { addResourceOption, requiredResource, resourceValue } from '../../options.js';
import { resolveLocation } from '../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('move').description('move a location under another location, or to the top level');
  addResourceOption(cmd, 'location', 'the location to move');
  addResourceOption(cmd, 'parentLocation', 'its new parent');
  return cmd.option('--top-level', 'make it a top-level location').action(async (opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const input = requiredResource(opts, 'location');
    const parentInput = resourceValue(opts, 'parentLocation');
    const topLevel = opts.topLevel === true;
    if (topLevel === (parentInput !== undefined)) {
      throw usageError('pass exactly one of --parent-location <location> and --top-level', 'run "hangar locations move --help" for usage');
    }
    const client = await inv.client();
    const location = await resolveLocation(client, input);
    const orgId = location.primaryOrgIdentity?.id;
    const newParent =
      parentInput === undefined
        ? undefined
        : await resolveLocation(client, parentInput, {
            flag: '--parent-location',
            ...(orgId !== undefined && orgId !== '' && { organizationId: orgId }),
          });
    const moved = locationJson(await client.updateLocation(location.id, { parentLocationId: newParent?.id ?? '' }));
    inv.out.result(moved, (l) =>
      newParent === undefined
        ? `Moved location ${quote(l.name)} (${l.id}) to the top level.`
        : `Moved location ${quote(l.name)} (${l.id}) into ${quote(newParent.name)} (${newParent.id}).`,
    );
  });
}
