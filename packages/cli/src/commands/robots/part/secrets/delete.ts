import type { Command } from 'commander';
import type { Ctx } from '../../../../context.js';
import { quote } from '../../../../format.js';
import { addMachineOptions, partInput, resolveMachinePart } from '../../../../machines.js';
import { confirmDeletion } from '../../../../prompt.js';
import { secretIdOption } from '../../../../secrets.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('delete')
    .description("delete one of a part's secrets: its machine can no longer connect with it (the last one stays)");
  addMachineOptions(cmd, { part: true });
  return cmd
    .requiredOption('--secret-id <id>', 'the secret (see "hangar robots part secrets list")')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .addHelpText(
      'after',
      `
Examples:
  hangar robots part secrets delete --robot rover --part rover-main --secret-id <secret-id>
  hangar robots part secrets delete --part <part-id> --secret-id <secret-id> --yes`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const input = partInput(opts);
      const secretId = secretIdOption(opts, 'hangar robots part secrets list --robot <robot> --part <part>');
      const client = await inv.client();
      const { part } = await resolveMachinePart(client, input);
      await confirmDeletion(
        inv.term,
        opts.yes === true,
        `secret ${secretId} of part ${quote(part.name)}`,
        `Delete secret ${secretId} of part ${quote(part.name)}? Its machine can no longer connect with it.`,
      );
      await client.deleteRobotPartSecret(part.id, secretId);
      inv.out.result(
        { partId: part.id, id: secretId, deleted: true },
        () => `Deleted secret ${secretId} of part ${quote(part.name)} (${part.id}).`,
      );
    });
}
