import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { addResourceOption, requiredResource } from '../../options.js';
import { resolveOrganization } from '../../resolve.js';
import { addIdentityOptions, addRoleOptions, newRoleInput, resolveRole, roleInput, roleOutput } from '../../roles.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('change')
    .description('replace one role with another in one step; --new-… flags say what changes, the rest stays');
  addResourceOption(cmd, 'organization', 'the organization the roles are in');
  addIdentityOptions(cmd, '', 'that holds the role now');
  addRoleOptions(cmd, '', 'the current role');
  addIdentityOptions(cmd, 'new-', 'to hold the new role');
  addRoleOptions(cmd, 'new-', 'the new role');
  return cmd
    .addHelpText(
      'after',
      `
Examples:
  # make an operator of a location an owner of it
  hangar roles change --organization Acme --user ops@example.com --role operator --resource-type location --resource HQ --new-role owner
  # move a key's role from one location to another
  hangar roles change --organization Acme --key-id <key-id> --role operator --resource-type location --resource HQ --new-resource Depot`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const orgInput = requiredResource(opts, 'organization');
      const oldInput = roleInput(opts);
      const newInput = newRoleInput(opts, oldInput);
      const client = await inv.client();
      const org = await resolveOrganization(client, orgInput);
      const [before, after] = await Promise.all([resolveRole(client, org, oldInput), resolveRole(client, org, newInput)]);
      await client.changeRole(
        org.id,
        before.identity.id,
        before.role,
        before.resource.type,
        before.resource.id,
        after.identity.id,
        after.role,
        after.resource.type,
        after.resource.id,
      );
      inv.out.result(
        {
          old: roleOutput(org, before.identity, before.role, before.resource),
          new: roleOutput(org, after.identity, after.role, after.resource),
        },
        () =>
          `Changed ${before.identity.label}'s ${before.role} role on ${before.resource.label} into ${after.identity.id === before.identity.id ? 'the' : `${after.identity.label}'s`} ${after.role} role on ${after.resource.label}.`,
      );
    });
}
