import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { usageError } from '../../errors.js';
import { quote, toDate, type EditorJson } from '../../format.js';
import { fragmentHistoryJson, fragmentInput, resolveFragment, type FragmentHistoryJson } from '../../fragments.js';
import { table } from '../../output.js';

const DEFAULT_LIMIT = 50;
/** The most the server returns in one page. */
const PAGE_MAX = 1000;

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('history')
    .description("list a fragment's earlier revisions, newest first: each as it was before an edit, and who edited it when")
    .requiredOption('--fragment <fragment>', 'the fragment (id, or name in your organizations)')
    .option('--limit <n>', `at most this many entries (default: ${DEFAULT_LIMIT})`)
    .addHelpText(
      'after',
      `
Examples:
  hangar fragments history --fragment base-rover
  hangar fragments history --fragment <fragment-id> --limit 5 --json | jq '.[0].config'
  hangar fragments get --fragment base-rover --revision 2`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = fragmentInput(opts);
      const limit = limitOption(opts);
      const client = await inv.client();
      const fragment = await resolveFragment(client, input);
      const entries: FragmentHistoryJson[] = [];
      // Follow the pages until --limit entries or the last page.
      let token = '';
      do {
        const wanted = limit - entries.length;
        const page = await client.getFragmentHistory(fragment.id, token, Math.min(wanted, PAGE_MAX));
        entries.push(...page.items.slice(0, wanted).map(fragmentHistoryJson));
        token = page.items.length === 0 ? '' : page.nextPageToken;
      } while (token !== '' && entries.length < limit);
      if (entries.length === 0) inv.out.notice(`Fragment ${quote(fragment.name)} has no earlier revisions.`);
      else if (token !== '') inv.out.notice(`Showing the newest ${limit}; pass a larger --limit to see more.`);
      inv.out.result(entries, (list) =>
        list.length === 0
          ? ''
          : table(
              ['REVISION', 'NAME', 'EDITED', 'EDITED BY'],
              list.map((e) => [e.revision ?? '-', e.name ?? '-', inv.out.time(toDate(e.editedOn)), editorText(e.editedBy)]),
            ),
      );
    });
}

function limitOption(opts: Record<string, unknown>): number {
  if (opts.limit === undefined) return DEFAULT_LIMIT;
  const raw = typeof opts.limit === 'string' ? opts.limit.trim() : '';
  if (!/^[1-9][0-9]{0,5}$/.test(raw)) throw usageError(`--limit must be a positive whole number, got ${quote(raw)}`);
  return Number(raw);
}

function editorText(e: EditorJson | null): string {
  if (e === null) return '-';
  return e.type === 'api-key' ? `API key ${e.id}` : e.type === 'user' ? `user ${e.id}` : e.id;
}
