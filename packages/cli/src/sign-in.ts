/** The end of every login: authenticate once, keep only the access token, print who is signed in. */
import type { Credentials } from '@hangar/sdk';
import type { Ctx, Invocation } from './context.js';
import type { StoredSession } from './config-store.js';
import { CliError, EXIT } from './errors.js';
import { identityLabel, newSession, sessionJson } from './session.js';

export async function signIn(
  ctx: Ctx,
  inv: Invocation,
  credentials: Credentials & { type: 'password' | 'api-key' },
  retryHint: string,
): Promise<StoredSession> {
  const server = await inv.server();
  const { AppClient, HangarError, Code } = await inv.sdk();
  let token: string;
  try {
    token = (await AppClient.connect({ url: server.url, credentials })).accessToken;
  } catch (err) {
    if (err instanceof HangarError && err.code === Code.Unauthenticated) {
      throw new CliError(`login to ${server.url} failed: ${err.message}`, { exitCode: EXIT.auth, code: err.codeName, hint: retryHint });
    }
    throw err;
  }
  const identity =
    credentials.type === 'password'
      ? { type: 'password' as const, email: credentials.email }
      : { type: 'api-key' as const, keyId: credentials.keyId };
  const session = newSession(server.url, identity, token, ctx.now());
  await ctx.config.write({ server: server.url, session });
  ctx.state.session = session;
  inv.log(`session stored in ${ctx.config.path}, expires ${session.expiresAt}`);
  inv.out.result(
    sessionJson(session),
    () => `Logged in to ${session.server} as ${identityLabel(session)} (session expires ${inv.out.time(new Date(session.expiresAt))})`,
  );
  return session;
}
