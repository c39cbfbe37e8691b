import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { FRAGMENT_CONFIG, readConfigFile } from '../../config-file.js';
import { usageError } from '../../errors.js';
import { quote } from '../../format.js';
import { fragmentJson, visibilityOption, visibilityText, type Visibility } from '../../fragments.js';
import { addResourceOption, requiredResource } from '../../options.js';
import { resolveOrganization } from '../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('create')
    .description('create a fragment in an organization, with a config read from a JSON file ("-" reads stdin; default: empty)')
    .argument('[config-file]', 'the JSON file, or - for stdin');
  addResourceOption(cmd, 'organization', 'the organization that owns it');
  return cmd
    .requiredOption('--name <name>', 'the fragment name')
    .addOption(visibilityOption('who may use it (default: private)'))
    .addHelpText(
      'after',
      `
Parts include a fragment by listing it in their config ("hangar robots part fragments add").

Examples:
  hangar fragments create --organization Acme --name base-rover base-rover.json
  jq '.components' rover.json | jq '{components: .}' | hangar fragments create --organization Acme --name rover-parts -
  hangar fragments create --organization Acme --name shared-network --visibility public network.json --json`,
    )
    .action(async (file: string | undefined, opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const orgInput = requiredResource(opts, 'organization');
      const name = typeof opts.name === 'string' ? opts.name.trim() : '';
      if (name === '') throw usageError('--name must not be empty', 'pass a name for the fragment');
      const visibility = opts.visibility as Visibility | undefined;
      const config = file === undefined ? undefined : await readConfigFile(file, inv.term.stdin, FRAGMENT_CONFIG);
      const client = await inv.client();
      const org = await resolveOrganization(client, orgInput);
      const fragment = fragmentJson(await client.createFragment(org.id, name, config, visibility));
      inv.out.result(
        fragment,
        (f) => `Created ${visibilityText(f.visibility)} fragment ${quote(f.name)} (${f.id}) in organization ${quote(org.name)}.`,
      );
    });
}
