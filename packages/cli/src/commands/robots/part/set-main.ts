import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { partJson, quote } from '../../../format.js';
import { addMachineOptions, partInput, resolveMachinePart } from '../../../machines.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('set-main').description('make a part the main part of its machine (the previous main part stops being main)');
  addMachineOptions(cmd, { part: true });
  return cmd.action(async (opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const input = partInput(opts);
    const client = await inv.client();
    const { machine, part: found } = await resolveMachinePart(client, input);
    await client.markPartAsMain(found.id);
    const part = partJson(await client.getRobotPart(found.id));
    inv.out.result(part, (p) => `Part ${quote(p.name)} (${p.id}) is now the main part of machine ${quote(machine.robot.name)}.`);
  });
}
