import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { partJson, quote } from '../../../format.js';
import { addMachineOptions, partInput, resolveMachinePart } from '../../../machines.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('rename')
    .description('rename a part of a machine (its config is kept)')
    .argument('<new-name>', 'the new name');
  addMachineOptions(cmd, { part: true });
  return cmd.action(async (newName: string, opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const input = partInput(opts);
    const client = await inv.client();
    const { part: before } = await resolveMachinePart(client, input);
    const part = partJson(await client.updateRobotPart(before.id, newName));
    inv.out.result(part, (p) => `Renamed part ${p.id} from ${quote(before.name)} to ${quote(p.name)}.`);
  });
}
