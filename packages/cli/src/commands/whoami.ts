import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { identityLabel, loginAgainHint, sessionJson } from '../session.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('whoami')
    .description('print who the current session is signed in as, or "Not logged in"')
    .action(async (_opts: object, cmd: Command) => {
      const inv = ctx.invocation(cmd);
      const server = await inv.server();
      const session = (await ctx.config.read()).session;
      let why: string | undefined;
      if (session === undefined) why = '';
      else if (session.server !== server.url) why = `(your session is for ${session.server}, not ${server.url})`;
      else if (Date.parse(session.expiresAt) <= ctx.now().getTime())
        why = `(your session expired at ${session.expiresAt}: ${loginAgainHint(session)})`;
      if (session === undefined || why !== undefined) {
        if (why !== undefined && why !== '') inv.out.notice(why);
        inv.out.result({ loggedIn: false }, () => 'Not logged in');
        return;
      }
      inv.out.result(sessionJson(session), () => identityLabel(session));
    });
}
