import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { primaryOrganizationId, quote, robotJson } from '../../format.js';
import { addScopeOptions, machineInput, resolveMachine } from '../../machines.js';
import { addResourceOption, requiredResource } from '../../options.js';
import { resolveLocation } from '../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('move').description('move a machine and its parts to another location of its organization');
  addResourceOption(cmd, 'robot', 'the machine to move');
  addResourceOption(cmd, 'location', 'the location to move it to');
  addScopeOptions(cmd, false);
  return cmd.action(async (opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    // --location is where the machine goes, so only --organization narrows the search for it.
    const input = machineInput(opts, 'robot', false);
    const targetInput = requiredResource(opts, 'location');
    const client = await inv.client();
    const machine = await resolveMachine(client, input);
    const orgId = machine.location === undefined ? null : primaryOrganizationId(machine.location);
    const target = await resolveLocation(client, targetInput, orgId === null ? {} : { organizationId: orgId });
    const moved = robotJson(await client.updateRobot(machine.robot.id, machine.robot.name, target.id), target);
    const from = machine.location !== undefined ? quote(machine.location.name) : machine.robot.location;
    inv.out.result(moved, (r) => `Moved machine ${quote(r.name)} (${r.id}) from location ${from} to ${quote(target.name)} (${target.id}).`);
  });
}
