import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { identityLabel } from '../session.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('logout')
    .description('end the session: forget its access token')
    .action(async (_opts: object, cmd: Command) => {
      const inv = ctx.invocation(cmd);
      const config = await ctx.config.read();
      const session = config.session;
      if (session === undefined) {
        inv.out.notice('Not logged in.');
        inv.out.result({ loggedOut: false }, () => '');
        return;
      }
      // Keep the server, so the next `hangar login` goes to the same place.
      await ctx.config.write({ server: config.server ?? session.server });
      inv.out.result({ loggedOut: true, server: session.server }, () => `Logged out of ${session.server} (${identityLabel(session)}).`);
    });
}
