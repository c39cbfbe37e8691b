import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { partJson, quote, robotJson, statusText } from '../../../format.js';
import { addMachineOptions, lastAccess, partInput, resolveMachinePart } from '../../../machines.js';
import { details } from '../../../output.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('status')
    .description('show one part of a machine: online (talked to the server in the last 30 seconds), offline, or awaiting setup');
  addMachineOptions(cmd, { part: true });
  return cmd.action(async (opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const input = partInput(opts);
    const client = await inv.client();
    const { machine, part } = await resolveMachinePart(client, input);
    inv.out.result({ robot: robotJson(machine.robot, machine.location), part: partJson(part) }, ({ robot, part: p }) =>
      details([
        ['Part', `${quote(p.name)} (${p.id})`],
        ['Machine', `${quote(robot.name)} (${robot.id})`],
        ['Main part', p.mainPart ? 'yes' : 'no'],
        ['Status', statusText(p.status)],
        ['Last access', lastAccess(p.lastAccess, inv.out)],
        ['Address', p.fqdn],
      ]),
    );
  });
}
