import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { FRAGMENT_CONFIG, readConfigFile } from '../../config-file.js';
import { usageError } from '../../errors.js';
import { quote } from '../../format.js';
import { fragmentInput, fragmentJson, resolveFragment, visibilityOption, type Visibility } from '../../fragments.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('update')
    .description('rename a fragment, change its visibility, or replace its config from a JSON file ("-" reads stdin)')
    .argument('[config-file]', 'the new config: a JSON file, or - for stdin (default: keep the config)')
    .requiredOption('--fragment <fragment>', 'the fragment (id, or name in your organizations)')
    .option('--name <name>', 'a new name (default: keep the name)')
    .addOption(visibilityOption('who may use it (default: keep the visibility)'))
    .addHelpText(
      'after',
      `
Every change makes a new revision; the earlier one is kept in the history ("hangar fragments history").
Parts that include the fragment unpinned get the change.

Examples:
  hangar fragments update --fragment base-rover base-rover.json
  hangar fragments get --fragment base-rover | jq '.debug = true' | hangar fragments update --fragment base-rover -
  hangar fragments update --fragment <fragment-id> --name rover-base --visibility public_unlisted`,
    )
    .action(async (file: string | undefined, opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = fragmentInput(opts);
      const newName = typeof opts.name === 'string' ? opts.name.trim() : undefined;
      if (newName === '') throw usageError('--name must not be empty', 'pass a new name, or leave --name out to keep the name');
      const visibility = opts.visibility as Visibility | undefined;
      if (file === undefined && newName === undefined && visibility === undefined) {
        throw usageError('nothing to change: pass a config file, --name or --visibility', 'run "hangar fragments update --help" for usage');
      }
      const config = file === undefined ? undefined : await readConfigFile(file, inv.term.stdin, FRAGMENT_CONFIG);
      const client = await inv.client();
      const before = await resolveFragment(client, input);
      const after = fragmentJson(
        await client.updateFragment(before.id, newName ?? before.name, {
          ...(config !== undefined && { config }),
          ...(visibility !== undefined && { visibility }),
        }),
      );
      inv.out.result(after, (f) =>
        f.revision === before.revision
          ? `Fragment ${quote(f.name)} (${f.id}) already was so: still revision ${f.revision}.`
          : `Updated fragment ${quote(f.name)} (${f.id}): now revision ${f.revision}.`,
      );
    });
}
