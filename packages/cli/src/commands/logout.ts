import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { usageError } from '../errors.js';
import { identityLabel } from '../session.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('logout')
    .description('end the session: forget its access token (with --everywhere, end every session of your user on the server)')
    .option('--everywhere', 'also revoke every other token of your user (other machines, scripts, browsers)')
    .addHelpText(
      'after',
      `
Examples:
  hangar logout
  hangar logout --everywhere     # after a laptop is lost: every session of your user ends`,
    )
    .action(async (opts: { everywhere?: boolean }, cmd: Command) => {
      const inv = ctx.invocation(cmd);
      const everywhere = opts.everywhere === true;
      if (everywhere) {
        const session = await inv.session();
        if (session.type !== 'password') {
          throw usageError(
            'an API key session cannot be ended everywhere: its tokens belong to the key',
            `rotate the key to cut them all off: hangar organizations api-key rotate --key-id ${session.keyId ?? '…'}`,
          );
        }
        await (await inv.client()).logOutEverywhere();
      }
      const config = await ctx.config.read();
      const session = config.session;
      if (session === undefined) {
        inv.out.notice('Not logged in.');
        inv.out.result({ loggedOut: false, ...(everywhere && { everywhere }) }, () => '');
        return;
      }
      // Keep the server, so the next `hangar login` goes to the same place.
      await ctx.config.write({ server: config.server ?? session.server });
      inv.out.result(
        { loggedOut: true, ...(everywhere && { everywhere }), server: session.server },
        () => `Logged out of ${session.server} (${identityLabel(session)})${everywhere ? ': every session of this user has ended' : ''}.`,
      );
    });
}
