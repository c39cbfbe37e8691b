import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { quote } from '../../../format.js';
import {
  addInviteRoleOptions,
  emailOption,
  inviteRoleInput,
  orgInviteJson,
  ownerOfOrganization,
  resolveInviteRole,
  rolesText,
} from '../../../invites.js';
import { addResourceOption, requiredResource } from '../../../options.js';
import { resolveOrganization } from '../../../resolve.js';
import { namesIn } from '../../../roles.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('create')
    .description('invite someone by email to an organization, with one role (default: owner of the organization)');
  addResourceOption(cmd, 'organization', 'the organization to invite them to');
  cmd.requiredOption('--email <email>', 'the email address to invite');
  addInviteRoleOptions(cmd, false, 'the role the invitation gives');
  return cmd
    .option('--no-send-email', 'send no invitation mail: pass the accept link on yourself ("hangar organizations invites list")')
    .addHelpText(
      'after',
      `
Accepting the invitation ("hangar invite accept <link>") creates the invitee's account if they have none.
Without mail, the roles also apply when they next sign in with that email.

Examples:
  hangar organizations invites create --organization Acme --email ops@example.com
  hangar organizations invites create --organization Acme --email tech@example.com --role operator --resource-type location --resource "Warehouse 7"
  hangar organizations invites create --org-id <org-id> --email ci@example.com --no-send-email --json`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const orgInput = requiredResource(opts, 'organization');
      const email = emailOption(opts);
      const roleInput = inviteRoleInput(opts) ?? ownerOfOrganization();
      const sendEmail = opts.sendEmail !== false;
      const client = await inv.client();
      const org = await resolveOrganization(client, orgInput);
      const role = await resolveInviteRole(client, org, roleInput);
      const invite = orgInviteJson(org, await client.createOrganizationInvite(org.id, email, [role.authorization], sendEmail));
      const names = inv.json ? undefined : await namesIn(client, org, invite.roles, false);
      inv.out.result(invite, (i) =>
        names === undefined ? '' : `Invited ${i.email} to organization ${quote(org.name)} as ${rolesText(i.roles, names)}.`,
      );
      inv.out.notice(
        `${sendEmail ? 'The server mails the invitation if it can send mail. ' : ''}Owners can show the accept link to pass on with "hangar organizations invites list --org-id ${org.id}".`,
      );
    });
}
