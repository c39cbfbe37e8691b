import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { compareVersionsDescending } from '../../modules.js';
import { addResourceOption, requiredResource } from '../../options.js';
import { table } from '../../output.js';
import { formatBytes } from '../../progress.js';
import { resolveOrganization } from '../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('list').description("list an organization's board definitions files: names, versions and sizes");
  addResourceOption(cmd, 'organization', 'the organization');
  return cmd
    .addHelpText('after', '\nExamples:\n  hangar board list --organization my-org\n  hangar board list --organization my-org --json')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const client = await inv.client();
      const { PackageType } = await inv.sdk();
      const org = await resolveOrganization(client, requiredResource(opts, 'organization'));
      const packages = await client.listPackages(org.id, { type: PackageType.BOARD_DEFS });
      const rows = packages
        .map((p) => ({
          name: p.info?.name ?? '',
          version: p.info?.version ?? '',
          size: Number(p.info?.files[0]?.size ?? 0n),
          uploaded_at: p.createdOn?.toDate().toISOString() ?? '',
        }))
        .sort((a, b) => a.name.localeCompare(b.name) || compareVersionsDescending(a.version, b.version));
      if (rows.length === 0) inv.out.notice(`No board definitions in organization ${org.name}.`);
      inv.out.result(rows, (list) =>
        list.length === 0
          ? ''
          : table(
              ['NAME', 'VERSION', 'SIZE', 'UPLOADED'],
              list.map((r) => [r.name, r.version, formatBytes(r.size), inv.out.time(new Date(r.uploaded_at))]),
            ),
      );
    });
}
