import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { quote, toDate } from '../../../format.js';
import { inviteJson, rolesText, type InviteJson } from '../../../invites.js';
import { addResourceOption, requiredResource } from '../../../options.js';
import { details } from '../../../output.js';
import { resolveOrganization } from '../../../resolve.js';
import { namesIn } from '../../../roles.js';

/** A pending invitation with what accepts it. */
interface InviteLinkJson extends InviteJson {
  readonly expiresAt: string;
  /** The accept link: a credential, for the invitee only. */
  readonly link: string;
  /** The command that accepts it. */
  readonly command: string;
}

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('list')
    .description("list an organization's pending invitations with their roles and accept links, to pass on when no mail goes out");
  addResourceOption(cmd, 'organization', 'the organization');
  return cmd
    .addHelpText(
      'after',
      `
Each link lets whoever has it join the organization with the invitation's roles: give it to the invitee only.

Examples:
  hangar organizations invites list --organization Acme
  hangar organizations invites list --org-id <org-id> --json | jq -r '.[] | select(.email == "ops@example.com") | .command'`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const orgInput = requiredResource(opts, 'organization');
      const client = await inv.client();
      const org = await resolveOrganization(client, orgInput);
      const [links, [, invites]] = await Promise.all([client.listInviteLinks(org.id), client.listOrganizationMembers(org.id)]);
      const byEmail = new Map(invites.map((i) => [i.email.toLowerCase(), inviteJson(i)]));
      const list: InviteLinkJson[] = links.map((l) => {
        const invite = byEmail.get(l.email.toLowerCase());
        return {
          email: l.email,
          createdOn: invite?.createdOn ?? null,
          roles: invite?.roles ?? [],
          expiresAt: l.expiresAt,
          link: l.link,
          command: l.command,
        };
      });
      if (list.length === 0) inv.out.notice(`No pending invitations in organization ${quote(org.name)}.`);
      else inv.out.warn('each link lets whoever has it join the organization: give it only to the person invited');
      const names =
        inv.json || list.length === 0
          ? undefined
          : await namesIn(
              client,
              org,
              list.flatMap((i) => i.roles),
              false,
            );
      inv.out.result(list, (items) =>
        names === undefined
          ? ''
          : items
              .map((i) =>
                details([
                  ['Email', i.email],
                  ['Roles', rolesText(i.roles, names)],
                  ['Invited', inv.out.time(toDate(i.createdOn))],
                  ['Expires', inv.out.time(new Date(i.expiresAt))],
                  ['Link', i.link],
                  ['Accept with', i.command],
                ]),
              )
              .join('\n\n'),
      );
    });
}
