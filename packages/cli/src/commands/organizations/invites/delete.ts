import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { quote } from '../../../format.js';
import { emailOption } from '../../../invites.js';
import { addResourceOption, requiredResource } from '../../../options.js';
import { confirmDeletion } from '../../../prompt.js';
import { resolveOrganization } from '../../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('delete').description('withdraw a pending invitation: its link stops working');
  addResourceOption(cmd, 'organization', 'the organization');
  return cmd
    .requiredOption('--email <email>', 'the email address the invitation is for')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .addHelpText(
      'after',
      `
Examples:
  hangar organizations invites delete --organization Acme --email ops@example.com
  hangar organizations invites delete --org-id <org-id> --email ops@example.com --yes`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const orgInput = requiredResource(opts, 'organization');
      const email = emailOption(opts);
      const client = await inv.client();
      const org = await resolveOrganization(client, orgInput);
      await confirmDeletion(
        inv.term,
        opts.yes === true,
        `the invitation of ${email} to organization ${quote(org.name)}`,
        `Delete the invitation of ${email} to organization ${quote(org.name)}?`,
      );
      await client.deleteOrganizationInvite(org.id, email);
      inv.out.result(
        { organizationId: org.id, email, deleted: true },
        () => `Deleted the invitation of ${email} to organization ${quote(org.name)}.`,
      );
    });
}
