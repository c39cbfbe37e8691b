import type { Command } from 'commander';
import type { Fragment } from '@hangar/sdk';
import type { Ctx } from '../../context.js';
import { fragmentJson, unlessDenied, visibilitiesOption, visibilityText, type Visibility } from '../../fragments.js';
import { toDate } from '../../format.js';
import { addResourceOption, resourceValue } from '../../options.js';
import { table } from '../../output.js';
import { resolveOrganization } from '../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('list')
    .description("list your organizations' fragments, and with --show-public other organizations' public ones");
  addResourceOption(cmd, 'organization', 'only this organization (default: every organization you are in)');
  return cmd
    .option('--show-public', "also list other organizations' public fragments")
    .addOption(visibilitiesOption("only your organizations' fragments of this visibility"))
    .addHelpText(
      'after',
      `
Examples:
  hangar fragments list
  hangar fragments list --organization Acme --visibility public,public_unlisted
  hangar fragments list --show-public --json | jq -r '.[] | "\\(.id) \\(.name)"'`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const orgInput = resourceValue(opts, 'organization');
      const visibilities = (opts.visibility as Visibility[] | undefined) ?? [];
      const showPublic = opts.showPublic === true;
      const client = await inv.client();
      const orgs = orgInput === undefined ? await client.listOrganizations() : [await resolveOrganization(client, orgInput)];
      const mine = new Set(orgs.map((o) => o.id));
      // Every fragment of each organization, with the listed public ones of others; then filtered here.
      const lists = await Promise.all(orgs.map((o) => client.listFragments(o.id, true, []).catch(unlessDenied)));
      const seen = new Map<string, Fragment>();
      for (const f of lists.flat()) {
        const own = mine.has(f.organizationOwner);
        const wanted = own ? visibilities.length === 0 || (visibilities as string[]).includes(f.visibility) : showPublic;
        if (wanted && !seen.has(f.id)) seen.set(f.id, f);
      }
      const rank = (f: Fragment) => (mine.has(f.organizationOwner) ? 0 : 1);
      const fragments = [...seen.values()]
        .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
        .map(fragmentJson);
      if (fragments.length === 0) inv.out.notice('No fragments found.');
      inv.out.result(fragments, (list) =>
        list.length === 0
          ? ''
          : table(
              ['NAME', 'ID', 'ORGANIZATION', 'VISIBILITY', 'REVISION', 'PARTS', 'UPDATED'],
              list.map((f) => [
                f.name,
                f.id,
                f.organizationName,
                visibilityText(f.visibility),
                f.revision,
                String(f.robotPartCount),
                inv.out.time(toDate(f.lastUpdated)),
              ]),
            ),
      );
    });
}
