import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { quote } from '../../../format.js';
import { emailOption, orgInviteJson } from '../../../invites.js';
import { addResourceOption, requiredResource } from '../../../options.js';
import { resolveOrganization } from '../../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('resend')
    .description('renew a pending invitation for seven more days and mail it again: its earlier link stops working');
  addResourceOption(cmd, 'organization', 'the organization');
  return cmd
    .requiredOption('--email <email>', 'the email address the invitation is for')
    .addHelpText(
      'after',
      `
Examples:
  hangar organizations invites resend --organization Acme --email ops@example.com`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const orgInput = requiredResource(opts, 'organization');
      const email = emailOption(opts);
      const client = await inv.client();
      const org = await resolveOrganization(client, orgInput);
      const invite = orgInviteJson(org, await client.resendOrganizationInvite(org.id, email));
      inv.out.result(
        invite,
        (i) => `Renewed the invitation of ${i.email} to organization ${quote(org.name)}; the earlier link no longer works.`,
      );
      inv.out.notice(`Owners can show the new accept link with "hangar organizations invites list --org-id ${org.id}".`);
    });
}
