import type { Command } from 'commander';
import type { AppClient, RobotPartHistoryEntry } from '@hangar/sdk';
import type { Ctx } from '../../../context.js';
import { usageError } from '../../../errors.js';
import { partHistoryJson, toDate, type PartHistoryJson } from '../../../format.js';
import { addMachineOptions, partInput, resolveMachinePart } from '../../../machines.js';
import { table } from '../../../output.js';

/** The server's largest page. */
const MAX_PAGE = 1000;
const CONFIG_WIDTH = 60;

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('history')
    .description('list the changes to a part, newest first: when, who, and the name and config it had before');
  addMachineOptions(cmd, { part: true });
  return cmd.option('--limit <n>', 'show only the newest n changes').action(async (opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const input = partInput(opts);
    const limit = parseLimit(opts.limit);
    const client = await inv.client();
    const { part } = await resolveMachinePart(client, input);
    const entries = (limit === undefined ? await client.getRobotPartHistory(part.id) : await newest(client, part.id, limit)).map(
      partHistoryJson,
    );
    if (entries.length === 0) inv.out.notice('No changes recorded for this part.');
    inv.out.result(entries, (list) =>
      list.length === 0
        ? ''
        : table(
            ['WHEN', 'EDITED BY', 'NAME', 'CONFIG'],
            list.map((e) => [inv.out.time(toDate(e.when)), editor(e), e.name ?? '-', summary(e.config)]),
          ),
    );
  });
}

function parseLimit(raw: unknown): number | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw usageError(
      `--limit must be a whole number of 1 or more, got ${JSON.stringify(raw)}`,
      'pass e.g. --limit 10, or leave it out for every change',
    );
  }
  return n;
}

/** The first `limit` entries (newest first), a page at a time. */
async function newest(client: AppClient, partId: string, limit: number): Promise<RobotPartHistoryEntry[]> {
  const out: RobotPartHistoryEntry[] = [];
  let pageToken = '';
  do {
    const page = await client.getRobotPartHistoryPage(partId, { pageSize: Math.min(MAX_PAGE, limit - out.length), pageToken });
    out.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken !== '' && out.length < limit);
  return out.slice(0, limit);
}

function editor(e: PartHistoryJson): string {
  if (e.editedBy === null) return '-';
  const who = e.editedBy.type === 'user' ? 'user' : e.editedBy.type === 'api-key' ? 'API key' : 'unknown';
  return `${who} ${e.editedBy.id}`;
}

function summary(config: PartHistoryJson['config']): string {
  if (config === null) return '-';
  const text = JSON.stringify(config);
  return text.length <= CONFIG_WIDTH ? text : `${text.slice(0, CONFIG_WIDTH - 1)}…`;
}
