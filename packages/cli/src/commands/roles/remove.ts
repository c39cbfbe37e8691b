import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { addResourceOption } from '../../options.js';
import { addIdentityOptions, addRoleOptions, roleFromFlags, roleOutput } from '../../roles.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('remove').description("take a role away from a user or an API key (an organization's last owner stays)");
  addResourceOption(cmd, 'organization', 'the organization the role is in');
  addIdentityOptions(cmd, '', 'that holds the role');
  addRoleOptions(cmd);
  return cmd.action(async (opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const { client, org, role: r } = await roleFromFlags(inv, opts);
    await client.removeRole(org.id, r.identity.id, r.role, r.resource.type, r.resource.id);
    inv.out.result(
      { ...roleOutput(org, r.identity, r.role, r.resource), removed: true },
      () => `Removed the ${r.role} role on ${r.resource.label} from ${r.identity.label}.`,
    );
  });
}
