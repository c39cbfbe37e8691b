import type { Command } from 'commander';
import type { Ctx } from '../../../../context.js';
import { PART_CONFIG, readConfigFile } from '../../../../config-file.js';
import { partJson, quote } from '../../../../format.js';
import { addMachineOptions, partInput, resolveMachinePart } from '../../../../machines.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('set')
    .description('replace a part\'s config with a JSON object read from a file ("-" reads stdin); the old one is kept in its history')
    .argument('<file>', 'the JSON file, or - for stdin');
  addMachineOptions(cmd, { part: true });
  return cmd
    .addHelpText(
      'after',
      `
Examples:
  hangar robots part config set --robot rover --part rover-main rover.json
  jq '.debug = true' rover.json | hangar robots part config set --robot rover --part rover-main -`,
    )
    .action(async (file: string, opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = partInput(opts);
      // Read and check the file first: nothing is sent for a file that is not a JSON object.
      const config = await readConfigFile(file, inv.term.stdin, PART_CONFIG);
      const client = await inv.client();
      const { part: before } = await resolveMachinePart(client, input);
      const part = partJson(await client.updateRobotPart(before.id, before.name, config));
      inv.out.result(part, (p) => `Updated the config of part ${quote(p.name)} (${p.id}).`);
    });
}
