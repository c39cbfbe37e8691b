import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { partJson, quote } from '../../../format.js';
import { addMachineOptions, machineInput, resolveMachine } from '../../../machines.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('create')
    .description('add a part to a machine')
    .argument('<name>', 'the new part name (unique in the location)');
  addMachineOptions(cmd);
  return cmd.action(async (name: string, opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const input = machineInput(opts);
    const client = await inv.client();
    const { robot } = await resolveMachine(client, input);
    const part = partJson(await client.getRobotPart(await client.newRobotPart(robot.id, name)));
    inv.out.result(part, (p) => `Created part ${quote(p.name)} (${p.id}) of machine ${quote(robot.name)}.`);
  });
}
