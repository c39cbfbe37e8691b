import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { partJson, quote } from '../../../format.js';
import { addMachineOptions, partInput, resolveMachinePart } from '../../../machines.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('restart').description('ask a part to restart: it does so the next time it checks in with the server');
  addMachineOptions(cmd, { part: true });
  return cmd.action(async (opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const input = partInput(opts);
    const client = await inv.client();
    const { part } = await resolveMachinePart(client, input);
    await client.markPartForRestart(part.id);
    inv.out.result(
      { ...partJson(part), restartRequested: true },
      (p) => `Marked part ${quote(p.name)} (${p.id}) for restart; it restarts the next time it checks in.`,
    );
  });
}
