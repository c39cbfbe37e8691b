import type { Command } from 'commander';
import type { InviteAcceptance } from '@hangar/sdk';
import { normalizeServerUrl, type Ctx, type Invocation, type ServerChoice } from '../../context.js';
import type { StoredSession } from '../../config-store.js';
import { CliError, usageError } from '../../errors.js';
import { quote } from '../../format.js';
import { askHidden, canPrompt, readAllStdin } from '../../prompt.js';
import type { Sdk } from '../../sdk.js';
import { newSession } from '../../session.js';

/** The server's minimum (MIN_PASSWORD_LENGTH), checked here too so a short password is refused before anything is sent. */
const MIN_PASSWORD_LENGTH = 12;

interface AcceptOptions {
  readonly passwordStdin?: boolean;
}

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('accept')
    .description('accept an invitation to an organization: as the signed-in user, or by creating the invited account')
    .argument('<token-or-link>', 'the invitation token, or the whole link (…/invite?token=…)')
    .option('--password-stdin', 'creating the account: read its password from stdin (one line), for scripts')
    .addHelpText(
      'after',
      `
Signed in with a password ("hangar login"), you accept as that user, whose email the invitation must be
for. Otherwise accepting creates the account for the invited email: on a terminal it asks for a password
(twice; at least ${MIN_PASSWORD_LENGTH} characters), and you are then signed in as the new account. Given a link, the
server is the link's unless --server or HANGAR_URL says otherwise.

Examples:
  hangar invite accept "https://hangar.example.com/invite?token=<token>"
  hangar invite accept --server https://hangar.example.com <token>
  printf '%s\\n' "$PASSWORD" | hangar invite accept --password-stdin <token>`,
    )
    .action(async (given: string, opts: AcceptOptions, c: Command) => {
      const inv = ctx.invocation(c);
      const { token, server: linkServer } = parseInvitation(given);
      const server = await chooseServer(ctx, inv, linkServer);
      const sdk = await inv.sdk();
      const session = await passwordSession(ctx, server);
      let accepted: InviteAcceptance;
      let accountCreated = false;
      if (session !== undefined) {
        ctx.state.session = session;
        inv.log(`accepting as ${session.email ?? 'the signed-in user'}`);
        const client = await sdk.AppClient.connect({ url: server.url, credentials: { type: 'access-token', token: session.accessToken } });
        accepted = await explained(sdk, client.acceptInvite(token));
      } else {
        // Ask the server first whether accepting needs a new account (no password given: it says so), so
        // nobody types a password only to learn that their account exists already.
        const probed = await probe(sdk, server.url, token);
        if (probed.accepted !== undefined) {
          accepted = probed.accepted;
        } else {
          if (probed.email !== undefined) inv.out.notice(`Accepting creates the account ${probed.email} on ${server.url}.`);
          const password = await newPassword(inv, opts);
          accepted = await explained(sdk, sdk.AppClient.acceptInvite(server.url, token, password));
        }
        if (accepted.accessToken !== '') {
          accountCreated = true;
          const created = newSession(server.url, { type: 'password', email: accepted.email }, accepted.accessToken, ctx.now());
          await ctx.config.write({ server: server.url, session: created });
          ctx.state.session = created;
          inv.log(`session stored in ${ctx.config.path}, expires ${created.expiresAt}`);
        }
      }
      inv.out.result(
        { organizationId: accepted.organizationId, organizationName: accepted.organizationName, email: accepted.email, accountCreated },
        (r) =>
          `Joined organization ${quote(r.organizationName)} as ${r.email}.` +
          (r.accountCreated ? `\nCreated the account ${r.email} and signed in to ${server.url}.` : ''),
      );
    });
}

/** The token, and the server of a link (its URL up to /invite). */
export function parseInvitation(given: string): { token: string; server: string | undefined } {
  const raw = given.trim();
  if (raw === '') throw usageError('the invitation token must not be empty', 'pass the token or the whole link from the invitation');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) || raw.includes('?')) {
    let url: URL;
    try {
      url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
    } catch {
      throw usageError(`not an invitation link: ${quote(raw)}`, 'pass the token, or the whole link (…/invite?token=…)');
    }
    const token = url.searchParams.get('token')?.trim() ?? '';
    if (token === '')
      throw usageError(`the link has no token: ${quote(raw)}`, 'pass the whole link from the invitation, ending in ?token=…');
    const base = url.pathname.replace(/\/+$/, '').replace(/\/invite$/, '');
    return { token, server: normalizeServerUrl(`${url.origin}${base}`, 'the invitation link') };
  }
  if (!/^[A-Za-z0-9_-]+$/.test(raw)) {
    throw usageError(`not an invitation token: ${quote(raw.slice(0, 80))}`, 'pass the token or the whole link from the invitation');
  }
  return { token: raw, server: undefined };
}

/** --server or HANGAR_URL when given; else the link's server; else the usual choice (last login, default). */
async function chooseServer(ctx: Ctx, inv: Invocation, linkServer: string | undefined): Promise<ServerChoice> {
  const chosen = await inv.server();
  if (linkServer === undefined) return chosen;
  if (chosen.source === '--server' || chosen.source === 'HANGAR_URL') {
    if (chosen.url !== linkServer) inv.out.warn(`the link is for ${linkServer}; accepting it on ${chosen.url} (from ${chosen.source})`);
    return chosen;
  }
  const server: ServerChoice = { url: linkServer, source: 'invite link' };
  ctx.state.server = server;
  inv.log(`server ${server.url} (from the invitation link)`);
  return server;
}

/** The stored session if it is a live password session for this server: then we accept as that user. */
async function passwordSession(ctx: Ctx, server: ServerChoice): Promise<StoredSession | undefined> {
  const session = (await ctx.config.read()).session;
  if (session?.type !== 'password' || session.server !== server.url) return undefined;
  return Date.parse(session.expiresAt) > ctx.now().getTime() ? session : undefined;
}

/**
 * Accepting without a password: the server refuses with INVALID_ARGUMENT "new_password is required" when
 * it would create the account (naming the email), and with a clearer error when the token is bad or the
 * account exists. Anything else that succeeds is an acceptance.
 */
async function probe(sdk: Sdk, url: string, token: string): Promise<{ accepted?: InviteAcceptance; email?: string }> {
  try {
    return { accepted: await sdk.AppClient.acceptInvite(url, token, '') };
  } catch (err) {
    if (err instanceof sdk.HangarError && err.code === sdk.Code.InvalidArgument) {
      const email = /creates the account for (\S+?),? which/.exec(err.message)?.[1];
      return email === undefined ? {} : { email };
    }
    throw explain(sdk, err);
  }
}

async function newPassword(inv: Invocation, opts: AcceptOptions): Promise<string> {
  let password: string;
  if (opts.passwordStdin === true) {
    inv.log('reading the password from stdin');
    password = (await readAllStdin(inv.term.stdin)).split(/\r?\n/)[0] ?? '';
    if (password === '') {
      throw usageError('no password on stdin', `pipe it in: printf '%s\\n' "$PASSWORD" | hangar invite accept --password-stdin <token>`);
    }
  } else {
    if (!canPrompt(inv.term)) {
      throw usageError(
        'accepting creates your account, and it needs a terminal to ask for its password',
        'in scripts, pass --password-stdin with the password on stdin (one line)',
      );
    }
    password = await askHidden(inv.term, `New password (at least ${MIN_PASSWORD_LENGTH} characters): `);
    if (Array.from(password).length >= MIN_PASSWORD_LENGTH && (await askHidden(inv.term, 'New password again: ')) !== password) {
      throw usageError('the two passwords differ; nothing was accepted', 'run "hangar invite accept" again');
    }
  }
  if (Array.from(password).length < MIN_PASSWORD_LENGTH) {
    throw usageError(
      `the password must have at least ${MIN_PASSWORD_LENGTH} characters; nothing was accepted`,
      'choose a longer one and run the command again',
    );
  }
  return password;
}

async function explained<T>(sdk: Sdk, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw explain(sdk, err);
  }
}

/** The server's refusals of an invitation, with what to do next; anything else goes to the error reporter as is. */
function explain(sdk: Sdk, err: unknown): unknown {
  if (!(err instanceof sdk.HangarError)) return err;
  const { message } = err;
  const hint = (() => {
    switch (err.code) {
      case sdk.Code.FailedPrecondition: {
        const existing = /an account for (\S+) exists/.exec(message)?.[1];
        if (existing !== undefined) return `run "hangar login --email ${existing}", then run this command again to accept as that user`;
        if (message.includes('expired')) return 'ask an owner of the organization to resend it: the new link replaces this one';
        return undefined;
      }
      case sdk.Code.NotFound:
        return 'check that you have the whole token or link; an owner can show the current link with "hangar organizations invites list"';
      case sdk.Code.PermissionDenied: {
        const invited = /sign in as (\S+) to accept it/.exec(message)?.[1];
        if (invited !== undefined) return `run "hangar login --email ${invited}", then run this command again`;
        return 'run "hangar logout", then run this command again to create the invited account';
      }
      case sdk.Code.AlreadyExists:
        return 'run "hangar login" with that email, then run this command again';
      default:
        return undefined;
    }
  })();
  return hint === undefined ? err : new CliError(message, { code: err.codeName, hint, cause: err });
}
