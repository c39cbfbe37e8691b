import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { addResourceOption } from '../../options.js';
import { addIdentityOptions, addRoleOptions, roleFromFlags, roleOutput } from '../../roles.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('add').description('give a user or an API key a role on the organization, a location or a machine');
  addResourceOption(cmd, 'organization', 'the organization the role is in');
  addIdentityOptions(cmd, '', 'to give the role to');
  addRoleOptions(cmd);
  return cmd
    .addHelpText(
      'after',
      `
Examples:
  hangar roles add --organization Acme --user ops@example.com --role owner
  hangar roles add --organization Acme --key-id <key-id> --role operator --resource-type location --resource "Warehouse 7"`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const { client, org, role: r } = await roleFromFlags(inv, opts);
      await client.addRole(org.id, r.identity.id, r.role, r.resource.type, r.resource.id);
      inv.out.result(
        roleOutput(org, r.identity, r.role, r.resource),
        () => `Gave ${r.identity.label} the ${r.role} role on ${r.resource.label}.`,
      );
    });
}
