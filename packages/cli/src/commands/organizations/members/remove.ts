import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { CliError, usageError } from '../../../errors.js';
import { quote } from '../../../format.js';
import { memberJson } from '../../../invites.js';
import { addResourceOption, requiredResource } from '../../../options.js';
import { confirmDeletion, REMOVE } from '../../../prompt.js';
import { isId, resolveOrganization } from '../../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('remove')
    .description('remove a member from an organization: every role they hold in it goes (its last owner stays)');
  addResourceOption(cmd, 'organization', 'the organization');
  return cmd
    .requiredOption('--user <email|id>', 'the member: their email or user id')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .addHelpText(
      'after',
      `
Examples:
  hangar organizations members remove --organization Acme --user ops@example.com
  hangar organizations members remove --org-id <org-id> --user <user-id> --yes`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const orgInput = requiredResource(opts, 'organization');
      const user = typeof opts.user === 'string' ? opts.user.trim() : '';
      if (user === '') throw usageError('--user must not be empty', 'pass the email or user id of the member');
      const client = await inv.client();
      const org = await resolveOrganization(client, orgInput);
      const [members, invites] = await client.listOrganizationMembers(org.id);
      const folded = user.toLowerCase();
      const found = members.find((m) => (isId(user) ? m.userId === folded : m.emails.some((e) => e.toLowerCase() === folded)));
      if (found === undefined) {
        const invited = invites.some((i) => i.email.toLowerCase() === folded);
        throw new CliError(`organization ${quote(org.name)} has no member ${isId(user) ? `with user id ${user}` : user}`, {
          code: 'NOT_FOUND',
          hint: invited
            ? `${user} is invited but has not joined: to withdraw the invitation, run "hangar organizations invites delete --org-id ${org.id} --email ${user}"`
            : `run "hangar organizations members list --org-id ${org.id}" to see its members`,
        });
      }
      const member = memberJson(found);
      const label = `${member.email || member.userId} (${member.userId})`;
      await confirmDeletion(
        inv.term,
        opts.yes === true,
        `member ${label} from organization ${quote(org.name)}`,
        `Remove ${label} from organization ${quote(org.name)}, with every role they hold in it?`,
        REMOVE,
      );
      await client.deleteOrganizationMember(org.id, member.userId);
      inv.out.result(
        { organizationId: org.id, userId: member.userId, email: member.email, removed: true },
        () => `Removed ${label} from organization ${quote(org.name)}.`,
      );
    });
}
