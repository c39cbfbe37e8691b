import type { Command } from 'commander';
import type { Ctx } from '../../../../context.js';
import { CliError } from '../../../../errors.js';
import { quote } from '../../../../format.js';
import { fragmentIdsOf, fragmentInput, partFragmentsText, resolveFragment, withoutFragment } from '../../../../fragments.js';
import { addMachineOptions, partInput, resolveMachinePart } from '../../../../machines.js';
import { isId } from '../../../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('remove')
    .description("stop including a fragment in a part's config: every entry for it goes, its fragment_mods too");
  addMachineOptions(cmd, { part: true });
  return cmd
    .requiredOption('--fragment <fragment>', 'the fragment (id, or name in your organizations)')
    .addHelpText(
      'after',
      `
Examples:
  hangar robots part fragments remove --robot rover --part rover-main --fragment base-rover
  hangar robots part fragments remove --part <part-id> --fragment <fragment-id> --json`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = partInput(opts);
      const fragmentName = fragmentInput(opts);
      const client = await inv.client();
      // An id is used as is: the fragment may be gone, or no longer visible, and still be listed.
      const [{ part }, fragmentId] = await Promise.all([
        resolveMachinePart(client, input),
        isId(fragmentName) ? fragmentName.toLowerCase() : resolveFragment(client, fragmentName).then((f) => f.id),
      ]);
      const config = withoutFragment(part.robotConfig, fragmentId);
      if (config === undefined) {
        throw new CliError(`part ${quote(part.name)} does not include fragment ${fragmentId}`, {
          code: 'NOT_FOUND',
          hint: `its fragments: ${fragmentIdsOf(part.robotConfig).join(', ') || 'none'}`,
        });
      }
      const saved = await client.updateRobotPart(part.id, part.name, config);
      const result = { partId: part.id, partName: part.name, fragmentIds: fragmentIdsOf(saved.robotConfig), changed: true };
      inv.out.result(result, (r) =>
        [`Removed fragment ${fragmentId} from part ${quote(r.partName)} (${r.partId}).`, partFragmentsText(r.fragmentIds)].join('\n'),
      );
    });
}
