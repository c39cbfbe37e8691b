/** Sessions: what a login stores, and the checks every signed-in command makes before calling the server. */
import type { ServerChoice } from './context.js';
import type { SessionType, StoredConfig, StoredSession } from './config-store.js';
import { notSignedIn } from './errors.js';

/** Access tokens last 24 hours (Viam's CLI sessions do too); used when the token's `exp` is unreadable. */
export const SESSION_LIFETIME_MS = 24 * 60 * 60 * 1000;

export function requireSession(server: ServerChoice, config: StoredConfig, now: Date): StoredSession {
  const session = config.session;
  if (session === undefined) return throwNotSignedIn(server);
  if (session.server !== server.url) {
    throw notSignedIn(
      `not signed in to ${server.url} (your session is for ${session.server})`,
      `run "hangar login --server ${server.url}", or drop --server / HANGAR_URL to use ${session.server}`,
    );
  }
  if (Date.parse(session.expiresAt) <= now.getTime()) {
    throw notSignedIn(`your session expired at ${session.expiresAt} (sessions last 24 hours)`, loginAgainHint(session));
  }
  return session;
}

function throwNotSignedIn(server: ServerChoice): never {
  const flag = server.source === 'default' || server.source === 'login' ? '' : ` --server ${server.url}`;
  throw notSignedIn(`not signed in to ${server.url}`, `run "hangar login${flag}" or "hangar login${flag} api-key --key-id … --key …"`);
}

export function loginAgainHint(session: StoredSession | undefined): string {
  if (session?.type === 'api-key' && session.keyId !== undefined) {
    return `run "hangar login api-key --key-id ${session.keyId} --key …" to sign in again`;
  }
  if (session?.type === 'password') return 'run "hangar login" to sign in again';
  return 'run "hangar login" or "hangar login api-key --key-id … --key …"';
}

export function newSession(
  server: string,
  identity: { type: 'password'; email: string } | { type: 'api-key'; keyId: string },
  accessToken: string,
  now: Date,
): StoredSession {
  return {
    ...identity,
    server,
    accessToken,
    expiresAt: tokenExpiry(accessToken, now).toISOString(),
    loggedInAt: now.toISOString(),
  };
}

/** The token's own `exp` (it is a standard JWT); 24 hours from now if it cannot be read. */
export function tokenExpiry(token: string, now: Date): Date {
  const payload = token.split('.')[1];
  if (payload !== undefined) {
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
      if (typeof claims.exp === 'number' && Number.isFinite(claims.exp)) return new Date(claims.exp * 1000);
    } catch {
      // Not a JWT we can read: fall back to the documented lifetime.
    }
  }
  return new Date(now.getTime() + SESSION_LIFETIME_MS);
}

/** "admin@example.com" or "API key <id>". */
export function identityLabel(session: Pick<StoredSession, 'type' | 'email' | 'keyId'>): string {
  return session.type === 'password' ? (session.email ?? 'unknown user') : `API key ${session.keyId ?? 'unknown'}`;
}

/** The JSON `whoami` and `login` print. */
export interface SessionJson {
  readonly loggedIn: true;
  readonly type: SessionType;
  readonly email?: string;
  readonly keyId?: string;
  readonly server: string;
  readonly expiresAt: string;
}

export function sessionJson(session: StoredSession): SessionJson {
  return {
    loggedIn: true,
    type: session.type,
    ...(session.email !== undefined && { email: session.email }),
    ...(session.keyId !== undefined && { keyId: session.keyId }),
    server: session.server,
    expiresAt: session.expiresAt,
  };
}
