import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { robotJson, statusText, type RobotJson } from '../../format.js';
import { resolveScope, scopeInput } from '../../machines.js';
import { addResourceOption } from '../../options.js';
import { table } from '../../output.js';
import { machinesInScope } from '../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('list')
    .description('list the machines you can see: name, id, location and status (online, offline, awaiting setup)');
  addResourceOption(cmd, 'organization', 'only machines in this organization');
  addResourceOption(cmd, 'location', 'only machines in this location');
  return cmd.action(async (opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const input = scopeInput(opts);
    const client = await inv.client();
    const scope = await resolveScope(client, input);
    const machines: RobotJson[] = (await machinesInScope(client, scope))
      .map((m) => robotJson(m.robot, m.location))
      .sort((a, b) => (a.locationName ?? a.locationId).localeCompare(b.locationName ?? b.locationId) || a.name.localeCompare(b.name));
    if (machines.length === 0) {
      inv.out.notice(
        scope.location !== undefined
          ? 'No machines in this location.'
          : scope.organization !== undefined
            ? 'No machines in this organization.'
            : 'No machines found.',
      );
    }
    inv.out.result(machines, (list) =>
      list.length === 0
        ? ''
        : table(
            ['NAME', 'ID', 'LOCATION', 'STATUS'],
            list.map((r) => [r.name, r.id, r.locationName ?? r.locationId, statusText(r.status)]),
          ),
    );
  });
}
