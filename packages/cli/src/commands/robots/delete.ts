import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { quote, robotJson } from '../../format.js';
import { addMachineOptions, machineInput, resolveMachine } from '../../machines.js';
import { confirmDeletion } from '../../prompt.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('delete').description('delete a machine with its parts, their history and every role on it');
  addMachineOptions(cmd);
  return cmd
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = machineInput(opts);
      const client = await inv.client();
      const machine = await resolveMachine(client, input);
      const robot = robotJson(machine.robot, machine.location);
      await confirmDeletion(
        inv.term,
        opts.yes === true,
        `machine ${quote(robot.name)} (${robot.id})`,
        `Delete machine ${quote(robot.name)} (${robot.id}) with all its parts and their history?`,
      );
      await client.deleteRobot(robot.id);
      inv.out.result({ ...robot, deleted: true }, (r) => `Deleted machine ${quote(r.name)} (${r.id}).`);
    });
}
