import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { JsonObject } from '@hangar/sdk';
import type { Ctx } from '../../../../context.js';
import { CliError } from '../../../../errors.js';
import { quote } from '../../../../format.js';
import { addMachineOptions, partInput, resolveMachinePart } from '../../../../machines.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('get').description("print a part's config as JSON (indented 2 spaces), or write it to a file");
  addMachineOptions(cmd, { part: true });
  return cmd
    .option('--output <file>', 'write the config to this file instead of printing it')
    .option('--effective', 'the config merged with its fragments, as the machine receives it, instead of the stored one')
    .addHelpText(
      'after',
      `
Examples:
  hangar robots part config get --robot rover --part rover-main > rover.json
  hangar robots part config get --robot rover --part rover-main --output rover.json
  hangar robots part config get --robot rover --part rover-main --effective`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = partInput(opts);
      const output = typeof opts.output === 'string' ? opts.output : undefined;
      const effective = opts.effective === true;
      const client = await inv.client();
      const { part } = await resolveMachinePart(client, input);
      let config: JsonObject = part.robotConfig;
      if (effective) {
        const merged = await client.getEffectiveConfig(part.id);
        config = merged.config;
        const used = merged.fragments.map((f) => `${quote(f.name)} (${f.id}) at revision ${f.revision}`);
        inv.out.notice(
          `Effective config of part ${quote(part.name)}, revision ${merged.revision}; ${used.length === 0 ? 'no fragments' : `fragments: ${used.join(', ')}`}.`,
        );
      }
      const text = JSON.stringify(config, null, 2) + '\n';
      if (output === undefined) {
        // The config is the result either way; --json prints the same object.
        inv.out.result(config, () => text);
        return;
      }
      try {
        await writeFile(output, text);
      } catch (err) {
        throw new CliError(`cannot write ${output}: ${(err as Error).message}`, {
          code: 'INVALID_ARGUMENT',
          hint: 'check the path and its permissions, or leave out --output to print the config',
        });
      }
      inv.out.result(
        config,
        () => `Wrote the ${effective ? 'effective ' : ''}config of part ${quote(part.name)} (${part.id}) to ${output}.`,
      );
    });
}
