import type { Command } from 'commander';
import type { Ctx } from '../../../../context.js';
import { quote } from '../../../../format.js';
import { addMachineOptions, partInput, resolveMachinePart } from '../../../../machines.js';
import { details } from '../../../../output.js';
import { newSecret, secretJson } from '../../../../secrets.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('create')
    .description('create a new secret for a part (at most two at a time: one to rotate to), and print it');
  addMachineOptions(cmd, { part: true });
  return cmd
    .addHelpText(
      'after',
      `
To rotate: create a new secret, give it to the part's machine, then delete the old one.

Examples:
  hangar robots part secrets create --robot rover --part rover-main
  hangar robots part secrets create --part <part-id> --json`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = partInput(opts);
      const client = await inv.client();
      const { part } = await resolveMachinePart(client, input);
      const created = newSecret(part.secrets, (await client.createRobotPartSecret(part.id)).secrets);
      if (created === undefined) throw new Error('CreateRobotPartSecret returned no secrets');
      const secret = { partId: part.id, ...secretJson(created) };
      inv.out.warn(`keep this secret safe: anyone with it can connect as part ${quote(part.name)}`);
      inv.out.result(secret, (s) =>
        details([
          ['Secret ID', s.id],
          ['Secret', s.secret],
          ['Part', `${quote(part.name)} (${part.id})`],
        ]),
      );
    });
}
