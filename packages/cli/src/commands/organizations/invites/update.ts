import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { usageError } from '../../../errors.js';
import { quote } from '../../../format.js';
import { addInviteRoleOptions, emailOption, inviteRoleInput, orgInviteJson, resolveInviteRole, rolesText } from '../../../invites.js';
import { addResourceOption, requiredResource } from '../../../options.js';
import { resolveOrganization } from '../../../resolve.js';
import { namesIn } from '../../../roles.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('update')
    .description('add a role to a pending invitation, or remove one from it (an invitation keeps at least one)');
  addResourceOption(cmd, 'organization', 'the organization');
  cmd
    .requiredOption('--email <email>', 'the email address the invitation is for')
    .option('--add', 'add the role to the invitation')
    .option('--remove', 'remove the role from the invitation');
  addInviteRoleOptions(cmd, true, 'the role to add or remove');
  return cmd
    .addHelpText(
      'after',
      `
An invitation holds at most one role per resource.

Examples:
  hangar organizations invites update --organization Acme --email ops@example.com --add --role operator --resource-type location --resource "Warehouse 7"
  hangar organizations invites update --organization Acme --email ops@example.com --remove --role owner`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const orgInput = requiredResource(opts, 'organization');
      const email = emailOption(opts);
      const add = opts.add === true;
      if (add === (opts.remove === true)) {
        throw usageError('pass exactly one of --add and --remove', 'say whether the role is added to the invitation or removed from it');
      }
      const roleInput = inviteRoleInput(opts);
      if (roleInput === undefined) throw usageError("required option '--role <role>' not specified");
      const client = await inv.client();
      const org = await resolveOrganization(client, orgInput);
      const role = await resolveInviteRole(client, org, roleInput);
      const invite = orgInviteJson(
        org,
        await client.updateOrganizationInviteAuthorizations(
          org.id,
          email,
          add ? [role.authorization] : [],
          add ? [] : [role.authorization],
        ),
      );
      const names = inv.json ? undefined : await namesIn(client, org, invite.roles, false);
      inv.out.result(invite, (i) =>
        names === undefined
          ? ''
          : `${add ? 'Added' : 'Removed'} the ${role.role} role on ${role.resource.label} ${add ? 'to' : 'from'} the invitation of ${i.email} to organization ${quote(org.name)}; it now gives ${rolesText(i.roles, names)}.`,
      );
    });
}
