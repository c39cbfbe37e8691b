import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { quote } from '../../format.js';
import { fragmentInput, fragmentJson, resolveFragment } from '../../fragments.js';
import { confirmDeletion } from '../../prompt.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('delete')
    .description('delete a fragment with its history (refused while a part or another fragment includes it)')
    .requiredOption('--fragment <fragment>', 'the fragment (id, or name in your organizations)')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .addHelpText(
      'after',
      `
Examples:
  hangar fragments delete --fragment base-rover
  hangar fragments delete --fragment <fragment-id> --yes`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = fragmentInput(opts);
      const client = await inv.client();
      const fragment = fragmentJson(await resolveFragment(client, input));
      await confirmDeletion(
        inv.term,
        opts.yes === true,
        `fragment ${quote(fragment.name)} (${fragment.id})`,
        `Delete fragment ${quote(fragment.name)} (${fragment.id}) with its history?`,
      );
      await client.deleteFragment(fragment.id);
      inv.out.result({ ...fragment, deleted: true }, (f) => `Deleted fragment ${quote(f.name)} (${f.id}).`);
    });
}
