import type { Command } from 'commander';
import type { Ctx } from '../../context.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('print-access-token')
    .description('print the access token of the current session (for curl or other clients)')
    .action(async (_opts: object, cmd: Command) => {
      const inv = ctx.invocation(cmd);
      const session = await inv.session();
      inv.out.result({ accessToken: session.accessToken, expiresAt: session.expiresAt }, (v) => v.accessToken);
    });
}
