import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { partJson, quote } from '../../../format.js';
import { addMachineOptions, partInput, resolveMachinePart } from '../../../machines.js';
import { confirmDeletion } from '../../../prompt.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('delete')
    .description('delete a part of a machine with its history (the main part goes last: mark another main first)');
  addMachineOptions(cmd, { part: true });
  return cmd
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = partInput(opts);
      const client = await inv.client();
      const { machine, part: found } = await resolveMachinePart(client, input);
      const part = partJson(found);
      await confirmDeletion(
        inv.term,
        opts.yes === true,
        `part ${quote(part.name)} (${part.id})`,
        `Delete part ${quote(part.name)} (${part.id}) of machine ${quote(machine.robot.name)} with its config and history?`,
      );
      await client.deleteRobotPart(part.id);
      inv.out.result({ ...part, deleted: true }, (p) => `Deleted part ${quote(p.name)} (${p.id}) of machine ${quote(machine.robot.name)}.`);
    });
}
