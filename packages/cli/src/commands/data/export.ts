import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import type { Ctx } from '../../context.js';
import { exportBinary, exportTabular } from '../../data-export.js';
import { addFilterOptions, filterFromFlags } from '../../data-filter.js';
import { usageError } from '../../errors.js';
import { createProgress, formatBytes } from '../../progress.js';

const DEFAULT_PARALLEL = 10;

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('export')
    .description('export data in a specified format to a specified location')
    .option('--destination <dir>', 'output directory for downloaded data')
    .option('--data-type <type>', 'data type to be downloaded: either binary or tabular')
    // The seed's own example spells it with an underscore.
    .addOption(new Option('--data_type <type>').hideHelp())
    .option('--parallel <n>', 'number of download requests to make in parallel', String(DEFAULT_PARALLEL));
  addFilterOptions(cmd);
  return cmd
    .addHelpText(
      'after',
      '\nExamples:\n  hangar data export --destination=/home/robot/data --data-type=tabular --org-ids=abc --location-ids=123\n  hangar data export --destination=/home/robot/data --data-type=binary --component-name myComponent',
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      if (typeof opts.destination !== 'string' || opts.destination === '')
        throw usageError('--destination is required: the directory to export into', 'e.g. --destination ./data-export');
      const type = opts.dataType ?? opts.data_type;
      if (type !== 'binary' && type !== 'tabular')
        throw usageError(`--data-type must be binary or tabular, got ${JSON.stringify(type ?? '')}`, 'e.g. --data-type binary');
      const parallel = Number(opts.parallel);
      if (!Number.isInteger(parallel) || parallel < 1 || parallel > 100)
        throw usageError(`--parallel must be a whole number from 1 to 100, got ${JSON.stringify(opts.parallel)}`);
      const filter = filterFromFlags(opts);
      const destination = resolve(opts.destination);
      const client = await inv.client();
      const data = client.dataClient();
      const controller = new AbortController();
      const release = ctx.onInterrupt(() => {
        controller.abort();
      });
      try {
        if (type === 'binary') {
          const total = await data.binaryDataByFilter(filter, { countOnly: true });
          let files = 0;
          const progress = createProgress({
            stderr: ctx.stderr,
            enabled: !inv.json,
            unit: 'bytes',
            label: 'Exporting',
            bytes: true,
            detail: () => `${files}/${total.count} files`,
          });
          progress.start(total.totalSizeBytes);
          const result = await exportBinary({
            data,
            filter,
            destination,
            parallel,
            token: () => client.accessToken,
            signal: controller.signal,
            progress: {
              advance: (n, bytes) => {
                files += n;
                progress.advance(bytes);
              },
              line: (text) => {
                if (!inv.json) ctx.stdout.write(`${text}\n`);
              },
            },
          }).finally(() => progress.done());
          inv.out.result({ data_type: 'binary', destination, ...result }, (r) =>
            r.skipped > 0 ? `Skipped ${r.skipped} files already exported; ${formatBytes(r.bytes)} written to ${destination}.` : '',
          );
          return;
        }
        // The seed-era CLI's dots on stdout, and a bar of readings (with bytes written) on a terminal.
        const total = await data.tabularDataByFilter(filter, { countOnly: true });
        let written = 0;
        const progress = createProgress({
          stderr: ctx.stderr,
          enabled: !inv.json,
          unit: 'readings',
          label: 'Exporting',
          detail: () => formatBytes(written),
        });
        progress.start(total.count);
        if (!inv.json) ctx.stdout.write('Downloading..');
        const result = await exportTabular({
          data,
          filter,
          destination,
          progress: {
            dot: () => {
              if (!inv.json) ctx.stdout.write('.');
            },
            advance: (readings, bytes) => {
              written += bytes;
              progress.advance(readings);
            },
            line: () => undefined,
          },
        }).finally(() => progress.done());
        if (!inv.json) ctx.stdout.write('\n');
        inv.out.result({ data_type: 'tabular', destination, ...result }, () => '');
      } finally {
        release();
      }
    });
}
