import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { CliError } from '../../errors.js';
import { quote } from '../../format.js';
import { fragmentInput, fragmentWithConfigJson, resolveFragment, revisionOption } from '../../fragments.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('get')
    .description("print a fragment's config as JSON (indented 2 spaces), or write it to a file; --json prints the fragment with it")
    .requiredOption('--fragment <fragment>', 'the fragment (id, or name in your organizations)')
    .option('--revision <n>', 'the config as it was at this revision (see "hangar fragments history")')
    .option('--output <file>', 'write the config to this file instead of printing it')
    .addHelpText(
      'after',
      `
Examples:
  hangar fragments get --fragment base-rover > base-rover.json
  hangar fragments get --fragment <fragment-id> --revision 3 --output base-rover-v3.json
  hangar fragments get --fragment <fragment-id> --json | jq .revision`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = fragmentInput(opts);
      const version = revisionOption(opts);
      const output = typeof opts.output === 'string' ? opts.output : undefined;
      const client = await inv.client();
      const fragment = fragmentWithConfigJson(await resolveFragment(client, input, version));
      const text = JSON.stringify(fragment.config, null, 2) + '\n';
      if (output === undefined) {
        inv.out.result(fragment, () => text);
        return;
      }
      try {
        await writeFile(output, text);
      } catch (err) {
        throw new CliError(`cannot write ${output}: ${(err as Error).message}`, {
          code: 'INVALID_ARGUMENT',
          hint: 'check the path and its permissions, or leave out --output to print the config',
        });
      }
      inv.out.result(fragment, (f) => `Wrote the config of fragment ${quote(f.name)} (${f.id}) at revision ${f.revision} to ${output}.`);
    });
}
