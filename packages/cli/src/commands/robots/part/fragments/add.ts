import type { Command } from 'commander';
import type { Ctx } from '../../../../context.js';
import { quote } from '../../../../format.js';
import { fragmentIdsOf, fragmentInput, partFragmentsText, resolveFragment, revisionOption, withFragment } from '../../../../fragments.js';
import { addMachineOptions, partInput, resolveMachinePart } from '../../../../machines.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('add')
    .description('include a fragment in a part\'s config (its "fragments" list), optionally pinned to one revision');
  addMachineOptions(cmd, { part: true });
  return cmd
    .requiredOption('--fragment <fragment>', 'the fragment (id, or name in your organizations)')
    .option('--revision <n>', 'pin this revision (default: always the latest)')
    .addHelpText(
      'after',
      `
The part's machine then runs its config merged with the fragment's ("hangar robots part config get --effective" shows the result).
Adding a fragment the part already includes changes nothing, unless --revision pins another revision.

Examples:
  hangar robots part fragments add --robot rover --part rover-main --fragment base-rover
  hangar robots part fragments add --part <part-id> --fragment <fragment-id> --revision 3 --json`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = partInput(opts);
      const fragmentName = fragmentInput(opts);
      const version = revisionOption(opts);
      const client = await inv.client();
      const [{ part }, fragment] = await Promise.all([resolveMachinePart(client, input), resolveFragment(client, fragmentName, version)]);
      const config = withFragment(part.robotConfig, fragment.id, version);
      const saved = config === undefined ? part : await client.updateRobotPart(part.id, part.name, config);
      const result = { partId: part.id, partName: part.name, fragmentIds: fragmentIdsOf(saved.robotConfig), changed: config !== undefined };
      const what = `fragment ${quote(fragment.name)} (${fragment.id})${version === undefined ? '' : ` at revision ${version}`}`;
      inv.out.result(result, (r) =>
        [
          r.changed ? `Added ${what} to part ${quote(r.partName)} (${r.partId}).` : `Part ${quote(r.partName)} already includes ${what}.`,
          partFragmentsText(r.fragmentIds),
        ].join('\n'),
      );
    });
}
