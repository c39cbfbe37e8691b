import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { partJson, quote, robotJson, statusText } from '../../../format.js';
import { addMachineOptions, lastAccess, partInput, resolveMachinePart } from '../../../machines.js';
import { details } from '../../../output.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('status')
    .description('show one part of a machine: online (talked to the server in the last 30 seconds), offline, or awaiting setup');
  addMachineOptions(cmd, { part: true });
  return cmd.action(async (opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const input = partInput(opts);
    const client = await inv.client();
    const { machine, part: listed } = await resolveMachinePart(client, input);
    // The part on its own: only this call says whether a restart is still waiting to be picked up.
    const part = await client.getRobotPart(listed.id);
    const agent = part.userSuppliedInfo ?? null;
    const restartPending = part.restartPending === true;
    inv.out.result(
      { robot: robotJson(machine.robot, machine.location), part: partJson(part), agent, restartPending },
      ({ robot, part: p }) =>
        details([
          ['Part', `${quote(p.name)} (${p.id})`],
          ['Machine', `${quote(robot.name)} (${robot.id})`],
          ['Main part', p.mainPart ? 'yes' : 'no'],
          [
            'Status',
            restartPending ? `${statusText(p.status)}, restart pending (it restarts the next time it checks in)` : statusText(p.status),
          ],
          ['Last access', lastAccess(p.lastAccess, inv.out)],
          ['Address', p.fqdn],
          ...(agent === null ? [] : [['Agent', agentText(agent)] as [string, string]]),
        ]),
    );
  });
}

/** What the machine's agent said about itself at its last Config call: "viam-server 0.90 on rover (linux/arm64), 10.0.0.7". */
function agentText(info: Readonly<Record<string, unknown>>): string {
  const text = (key: string) => (typeof info[key] === 'string' ? info[key] : '');
  const ips = Array.isArray(info.ips) ? info.ips.filter((ip): ip is string => typeof ip === 'string') : [];
  const platform = text('platform') || text('os');
  return [
    `${text('version') || 'unknown version'} on ${text('host') || 'an unnamed host'}${platform === '' ? '' : ` (${platform})`}`,
    ...ips,
  ].join(', ');
}
