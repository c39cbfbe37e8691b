import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { quote } from '../../../format.js';
import { addLogOptions, logRequest, printLogs, tailLogs } from '../../../logs.js';
import { addMachineOptions, partInput, resolveMachinePart } from '../../../machines.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('logs').description("print a part's logs, newest first, or follow them as they arrive (--tail)");
  addMachineOptions(cmd, { part: true });
  addLogOptions(cmd, { tail: true });
  return cmd
    .addHelpText(
      'after',
      `
Each entry is a line: time (as precise as the machine sent it), level, logger, message, then its fields as
JSON. --format json prints one JSON object per line instead; --json one JSON array (a line per entry with --tail).

Examples:
  hangar robots part logs --robot rover --part rover-main
  hangar robots part logs --robot rover --part rover-main --errors --start 1h
  hangar robots part logs --robot rover --part rover-main --levels warn,error --keyword camera --count 20
  hangar robots part logs --robot rover --part rover-main --start 2026-12-01T00:00:00Z --end 2026-12-02T00:00:00Z
  hangar robots part logs --robot rover --part rover-main --count 0 --format json --output rover-main.ndjson
  hangar robots part logs --robot rover --part rover-main --tail true
  hangar robots part logs --part-id <part-id> --tail --errors --json | jq -r .message`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = partInput(opts);
      const request = logRequest(opts, { json: inv.json, now: ctx.now() });
      const client = await inv.client();
      const { part } = await resolveMachinePart(client, input);
      const ref = { id: part.id, name: part.name };
      if (request.tail) await tailLogs(ctx, inv, client, ref, request);
      else await printLogs(ctx, inv, client, { parts: [ref], prefixPart: false, what: `part ${quote(part.name)}` }, request);
    });
}
