import type { Command } from 'commander';
import { chmod, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Ctx } from '../../../context.js';
import { CliError } from '../../../errors.js';
import { quote } from '../../../format.js';
import { addMachineOptions, partInput, resolveMachinePart } from '../../../machines.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('setup')
    .description("write a part's cloud file (what hangar agent, or a real viam-server, starts from) and print how to start it");
  addMachineOptions(cmd, { part: true });
  return cmd
    .option('--output <file>', 'where to write the file (mode 0600)', 'viam.json')
    .addHelpText(
      'after',
      `
The file holds the part's secret: copy it to the machine (viam-server reads /etc/viam.json) and keep it safe.

Examples:
  hangar robots part setup --robot rover --part rover-main --output rover.json
  sudo install -m 600 rover.json /etc/viam.json && sudo hangar agent`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = partInput(opts);
      const client = await inv.client();
      const { url } = await inv.server();
      const { part } = await resolveMachinePart(client, input);
      const secret = part.secrets[0]?.secret ?? part.secret;
      if (secret === '') {
        throw new CliError(`part ${quote(part.name)} has no secret to connect with`, {
          hint: `create one with: hangar robots part secrets create --part ${part.id}`,
        });
      }
      const path = resolve(String(opts.output));
      const temp = `${path}.${process.pid}.tmp`;
      const body = { cloud: { app_address: url, id: part.id, secret } };
      await writeFile(temp, JSON.stringify(body, null, 2) + '\n', { mode: 0o600 });
      await chmod(temp, 0o600);
      await rename(temp, path);
      const command = `hangar agent --config ${path}`;
      inv.out.warn(`${path} holds the secret of part ${quote(part.name)}: anyone with it can connect as that part`);
      inv.out.result(
        { path, partId: part.id, partName: part.name, appAddress: url, command },
        (r) => `Wrote ${r.path} for part ${quote(r.partName)} (${r.partId}).\nStart the machine with:\n  ${r.command}`,
      );
    });
}
