import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { toDate } from '../../../format.js';
import { inviteJson, memberJson, rolesText } from '../../../invites.js';
import { addResourceOption, requiredResource } from '../../../options.js';
import { table } from '../../../output.js';
import { resolveOrganization } from '../../../resolve.js';
import { namesIn } from '../../../roles.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('list').description("list an organization's members (users with a role in it) and its pending invitations");
  addResourceOption(cmd, 'organization', 'the organization');
  return cmd
    .addHelpText(
      'after',
      `
Examples:
  hangar organizations members list --organization Acme
  hangar organizations members list --org-id <org-id> --json | jq -r '.members[].email'`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const orgInput = requiredResource(opts, 'organization');
      const client = await inv.client();
      const org = await resolveOrganization(client, orgInput);
      const [memberList, inviteList] = await client.listOrganizationMembers(org.id);
      const result = { members: memberList.map(memberJson), invites: inviteList.map(inviteJson) };
      if (result.members.length === 0) inv.out.notice('No members: no user holds a role in this organization.');
      if (result.invites.length === 0) inv.out.notice('No pending invitations.');
      const names =
        inv.json || result.invites.length === 0
          ? undefined
          : await namesIn(
              client,
              org,
              result.invites.flatMap((i) => i.roles),
              false,
            );
      inv.out.result(result, ({ members, invites }) => {
        const parts: string[] = [];
        if (members.length > 0) {
          parts.push(
            table(
              ['MEMBER', 'USER ID', 'ADDED', 'LAST LOGIN'],
              members.map((m) => [
                m.email,
                m.userId,
                inv.out.time(toDate(m.dateAdded)),
                m.lastLogin === null ? 'never' : inv.out.time(toDate(m.lastLogin)),
              ]),
            ),
          );
        }
        if (invites.length > 0 && names !== undefined) {
          parts.push(
            table(
              ['INVITED', 'SENT', 'ROLES'],
              invites.map((i) => [i.email, inv.out.time(toDate(i.createdOn)), rolesText(i.roles, names)]),
            ),
          );
        }
        return parts.join('\n\n');
      });
    });
}
