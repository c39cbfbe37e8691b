import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { JsonObject } from '@hangar/sdk';
import type { Ctx } from '../../../../context.js';
import { CliError } from '../../../../errors.js';
import { partJson, quote } from '../../../../format.js';
import { addMachineOptions, partInput, resolveMachinePart } from '../../../../machines.js';
import { readAllStdin } from '../../../../prompt.js';

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
      const config = parseConfig(await readConfigText(file, inv.term.stdin), file === '-' ? 'stdin' : file);
      const client = await inv.client();
      const { part: before } = await resolveMachinePart(client, input);
      const part = partJson(await client.updateRobotPart(before.id, before.name, config));
      inv.out.result(part, (p) => `Updated the config of part ${quote(p.name)} (${p.id}).`);
    });
}

async function readConfigText(file: string, stdin: NodeJS.ReadStream): Promise<string> {
  if (file === '-') return readAllStdin(stdin);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT'
        ? 'no such file'
        : e.code === 'EISDIR'
          ? 'it is a directory'
          : e.code === 'EACCES'
            ? 'permission denied'
            : e.message;
    throw new CliError(`cannot read ${file}: ${why}`, {
      code: 'INVALID_ARGUMENT',
      hint: 'pass the path of a JSON file, or - to read the config from stdin',
    });
  }
}

function parseConfig(text: string, source: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${source} is not valid JSON: ${(err as Error).message}`, {
      code: 'INVALID_ARGUMENT',
      hint: 'fix the JSON and run the command again ("hangar robots part config get" prints the current config to start from)',
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    throw new CliError(`${source} must hold a JSON object (the part config), got ${kind}`, {
      code: 'INVALID_ARGUMENT',
      hint: 'wrap the config in { … }; "hangar robots part config get" prints the current one to start from',
    });
  }
  return value as JsonObject;
}
