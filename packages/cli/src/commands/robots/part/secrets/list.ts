import type { Command } from 'commander';
import type { Ctx } from '../../../../context.js';
import { quote, toDate } from '../../../../format.js';
import { addMachineOptions, partInput, resolveMachinePart } from '../../../../machines.js';
import { table } from '../../../../output.js';
import { secretJson } from '../../../../secrets.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('list').description("list a part's secrets (its machine connects with them), oldest first");
  addMachineOptions(cmd, { part: true });
  return cmd
    .addHelpText(
      'after',
      `
The secrets are printed: they are credentials, so keep the output safe.

Examples:
  hangar robots part secrets list --robot rover --part rover-main
  hangar robots part secrets list --part <part-id> --json`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = partInput(opts);
      const client = await inv.client();
      const { part } = await resolveMachinePart(client, input);
      const secrets = part.secrets.map(secretJson);
      if (secrets.length === 0) inv.out.notice(`Part ${quote(part.name)} has no secrets.`);
      else inv.out.warn(`these secrets are credentials: anyone with one can connect as part ${quote(part.name)}`);
      inv.out.result(secrets, (list) =>
        list.length === 0
          ? ''
          : table(
              ['ID', 'CREATED', 'SECRET'],
              list.map((s) => [s.id, inv.out.time(toDate(s.createdOn)), s.secret]),
            ),
      );
    });
}
