import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { byMainThenName, partJson, quote } from '../../format.js';
import { addLogOptions, logRequest, printLogs } from '../../logs.js';
import { addMachineOptions, machineInput, resolveMachine } from '../../machines.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('logs')
    .description("print the logs of every part of a machine, newest first, merged by time (each line starts with the part's name)");
  addMachineOptions(cmd);
  addLogOptions(cmd, { tail: false });
  return cmd
    .addHelpText(
      'after',
      `
--count is the number of entries across all the parts. Each entry is a line: part, time (as precise as the
machine sent it), level, logger, message, then its fields as JSON. --format json prints one JSON object per
line instead, --json one JSON array. To follow new entries as they arrive, use "hangar robots part logs --tail".

Examples:
  hangar robots logs --robot rover
  hangar robots logs --organization "Robot's Org" --location myLoc --robot rover --errors true
  hangar robots logs --robot rover --start 2d --end 1d --levels warn,error
  hangar robots logs --robot rover --count 0 --output rover.log
  hangar robots logs --robot rover --keyword timeout --json | jq '.[].message'`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = machineInput(opts);
      const request = logRequest(opts, { json: inv.json, now: ctx.now() });
      const client = await inv.client();
      const machine = await resolveMachine(client, input);
      const parts = (await client.getRobotParts(machine.robot.id))
        .map(partJson)
        .sort(byMainThenName)
        .map((p) => ({ id: p.id, name: p.name }));
      await printLogs(ctx, inv, client, { parts, prefixPart: true, what: `machine ${quote(machine.robot.name)}` }, request);
    });
}
