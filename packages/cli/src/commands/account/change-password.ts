import type { Command } from 'commander';
import type { Ctx, Invocation } from '../../context.js';
import { usageError } from '../../errors.js';
import { askHidden, canPrompt, readAllStdin } from '../../prompt.js';
import { newSession } from '../../session.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('change-password')
    .description('change your password: every other session of your user ends, this one continues')
    .addHelpText(
      'after',
      `
On a terminal it asks for the current password and the new one (twice). Without a terminal it reads two
lines from stdin: the current password, then the new one. Passwords have at least 12 characters.

Examples:
  hangar account change-password
  printf '%s\\n%s\\n' "$OLD" "$NEW" | hangar account change-password`,
    )
    .action(async (_opts: object, cmd: Command) => {
      const inv = ctx.invocation(cmd);
      const session = await inv.session();
      if (session.type !== 'password') {
        throw usageError(
          'this session uses an API key, which has no password',
          `to replace its secret, run "hangar organizations api-key rotate --key-id ${session.keyId ?? '…'}"; to change a user's password, "hangar login" as that user first`,
        );
      }
      const { current, next } = await passwords(inv);
      const client = await inv.client();
      await client.changePassword(current, next);
      await ctx.config.write({
        server: session.server,
        session: newSession(session.server, { type: 'password', email: session.email ?? '' }, client.accessToken, ctx.now()),
      });
      inv.out.result({ changed: true, email: session.email }, () => 'Password changed. Every other session of this user has ended.');
    });
}

async function passwords(inv: Invocation): Promise<{ current: string; next: string }> {
  if (!canPrompt(inv.term)) {
    const [current = '', next = ''] = (await readAllStdin(inv.term.stdin)).split(/\r?\n/);
    if (current === '' || next === '') {
      throw usageError(
        'expected two lines on stdin: the current password, then the new one',
        `printf '%s\\n%s\\n' "$OLD" "$NEW" | hangar account change-password`,
      );
    }
    return { current, next };
  }
  const current = await askHidden(inv.term, 'Current password: ');
  const next = await askHidden(inv.term, 'New password (at least 12 characters): ');
  if ((await askHidden(inv.term, 'New password again: ')) !== next) {
    throw usageError('the two new passwords differ; nothing was changed', 'run "hangar account change-password" again');
  }
  return { current, next };
}
