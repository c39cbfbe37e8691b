import { Option, type Command } from 'commander';
import type { Ctx } from '../../context.js';
import { addFilterOptions, filterFromFlags } from '../../data-filter.js';
import { usageError } from '../../errors.js';

export function registerBinary(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('binary').description('delete binary data');
  addFilterOptions(cmd);
  return cmd
    .addHelpText('after', '\nExamples:\n  hangar data delete binary --org-ids abc --component-name camera --start 2024-01-01T00:00:00Z')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const filter = filterFromFlags({ ...opts, orgIds: opts.orgIds ?? opts.orgId });
      const client = await inv.client();
      const deleted = await client.dataClient().deleteBinaryDataByFilter(filter);
      inv.out.result({ deleted_count: deleted }, (r) => `Deleted ${r.deleted_count} files`);
    })
    .addOption(new Option('--org-id <id>', 'the seed-era spelling of --org-ids').hideHelp());
}

export function registerTabular(parent: Command, ctx: Ctx): Command {
  return parent
    .command('tabular')
    .description('delete tabular data')
    .option('--org-ids <ids>', 'the organizations whose tabular data to delete (comma-separated)')
    .addOption(new Option('--org-id <id>', 'the organization whose tabular data to delete (seed-era spelling)'))
    .option('--delete-older-than-days <days>', 'number of days, 0 means all data will be deleted')
    .addHelpText('after', '\nExamples:\n  hangar data delete tabular --org-id abc --delete-older-than-days 30')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const text = (v: unknown) => (typeof v === 'string' ? v : '');
      const orgs = [text(opts.orgIds), text(opts.orgId)]
        .join(',')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (orgs.length === 0)
        throw usageError('--org-id is required: the organization whose tabular data to delete', 'e.g. --org-id <org id>');
      const daysText = opts.deleteOlderThanDays;
      if (daysText === undefined) throw usageError('--delete-older-than-days is required (0 deletes all data)');
      const days = Number(daysText);
      if (!Number.isInteger(days) || days < 0)
        throw usageError(`--delete-older-than-days must be 0 or a positive whole number, got ${JSON.stringify(daysText)}`);
      const client = await inv.client();
      const data = client.dataClient();
      let deleted = 0;
      for (const org of new Set(orgs)) deleted += await data.deleteTabularData(org, days);
      inv.out.result({ deleted_count: deleted }, (r) => `Deleted ${r.deleted_count} datapoints`);
    });
}
