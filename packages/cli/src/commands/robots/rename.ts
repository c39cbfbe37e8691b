import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { quote, robotJson } from '../../format.js';
import { addMachineOptions, machineInput, resolveMachine } from '../../machines.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('rename').description('rename a machine (its parts keep their names)').argument('<new-name>', 'the new name');
  addMachineOptions(cmd);
  return cmd.action(async (newName: string, opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const input = machineInput(opts);
    const client = await inv.client();
    const before = await resolveMachine(client, input);
    const robot = robotJson(await client.updateRobot(before.robot.id, newName), before.location);
    inv.out.result(robot, (r) => `Renamed machine ${r.id} from ${quote(before.robot.name)} to ${quote(r.name)}.`);
  });
}
