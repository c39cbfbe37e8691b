import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { byMainThenName, partJson, robotJson } from '../../format.js';
import { addMachineOptions, machineDetails, machineInput, partTable, resolveMachine } from '../../machines.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('status')
    .description('show a machine and its parts: online (talked to the server in the last 30 seconds), offline, or awaiting setup');
  addMachineOptions(cmd);
  return cmd.action(async (opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const input = machineInput(opts);
    const client = await inv.client();
    const machine = await resolveMachine(client, input);
    const parts = (await client.getRobotParts(machine.robot.id)).map(partJson).sort(byMainThenName);
    const robot = robotJson(machine.robot, machine.location);
    inv.out.result({ robot, parts }, (v) => `${machineDetails(v.robot, inv.out)}\n\n${partTable(v.parts, inv.out)}`);
  });
}
