import type { Command } from 'commander';
import type { AppClient } from '@hangar/sdk';
import type { Ctx } from '../../../context.js';
import { createApiKey, keyOrganizationId } from '../../../api-keys.js';
import { CliError } from '../../../errors.js';
import { quote } from '../../../format.js';
import { machineInput, resolveMachine } from '../../../machines.js';
import { addResourceOption, resourceValue } from '../../../options.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('create').description('create a machine API key: full read and write access to one machine');
  addResourceOption(cmd, 'robotId', 'the machine the key is for');
  addResourceOption(cmd, 'orgId', 'the organization to attach the key to (needed only if several organizations share its location)');
  addResourceOption(cmd, 'location', 'look for the machine in this location only');
  return cmd
    .option('--name <name>', 'a name for the key (default: your login and the current time)')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      // --org-id says where the key belongs, not where to look: a shared location's machines are in several.
      const input = { ...machineInput(opts, 'robotId'), organization: undefined };
      const orgInput = resourceValue(opts, 'orgId');
      const client = await inv.client();
      const machine = await resolveMachine(client, input);
      const { robot } = machine;
      const organizationId =
        orgInput === undefined && machine.location === undefined
          ? await onlyOrganization(client)
          : await keyOrganizationId(client, orgInput, robot.location, `the location of machine ${quote(robot.name)}`);
      await createApiKey(ctx, inv, client, {
        organizationId,
        resourceType: 'robot',
        resourceId: robot.id,
        name: typeof opts.name === 'string' ? opts.name : undefined,
        scope: `machine ${quote(robot.name)}`,
      });
    });
}

/** A machine key's session cannot read the machine's location; it belongs to one organization, though. */
async function onlyOrganization(client: AppClient): Promise<string> {
  const orgs = await client.listOrganizations();
  const [only, ...others] = orgs;
  if (only === undefined || others.length > 0) {
    throw new CliError(`cannot tell which organization the machine belongs to`, {
      code: 'INVALID_ARGUMENT',
      hint: 'pass --org-id <org> to say which one the key belongs to',
    });
  }
  return only.id;
}
