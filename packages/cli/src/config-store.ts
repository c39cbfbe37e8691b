/**
 * $HANGAR_HOME/config.json: the server last logged in to and the session's access token. Never the API
 * key secret or the password: a session ends when its token does (24 hours), as Viam's CLI sessions do.
 * The directory is created 0700 and the file written 0600, atomically (temp file + rename).
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from './errors.js';

export type SessionType = 'password' | 'api-key';

export interface StoredSession {
  readonly type: SessionType;
  /** Password logins. */
  readonly email?: string;
  /** API-key logins. */
  readonly keyId?: string;
  readonly server: string;
  readonly accessToken: string;
  /** ISO-8601. */
  readonly expiresAt: string;
  readonly loggedInAt: string;
}

export interface StoredConfig {
  /** The server of the last login, used when neither --server nor HANGAR_URL is given. */
  readonly server?: string;
  readonly session?: StoredSession;
}

const FILE = 'config.json';

export interface ConfigStore {
  readonly path: string;
  read(): Promise<StoredConfig>;
  write(config: StoredConfig): Promise<void>;
}

export function createConfigStore(home: string): ConfigStore {
  const path = join(home, FILE);
  return {
    path,
    async read() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
        throw new CliError(`cannot read ${path}: ${(err as Error).message}`, {
          hint: 'check the file permissions, or set HANGAR_HOME to another directory',
        });
      }
      try {
        return parseConfig(JSON.parse(text));
      } catch {
        throw new CliError(`${path} is not valid Hangar CLI configuration`, { hint: 'delete it and run "hangar login" again' });
      }
    },
    async write(config) {
      await mkdir(home, { recursive: true, mode: 0o700 });
      if (config.server === undefined && config.session === undefined) {
        await rm(path, { force: true });
        return;
      }
      const temp = `${path}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify({ version: 1, ...config }, null, 2) + '\n', { mode: 0o600 });
      await rename(temp, path);
    },
  };
}

function parseConfig(raw: unknown): StoredConfig {
  if (typeof raw !== 'object' || raw === null) throw new Error('not an object');
  const r = raw as Record<string, unknown>;
  const server = typeof r.server === 'string' ? r.server : undefined;
  const session = parseSession(r.session);
  return { ...(server !== undefined && { server }), ...(session !== undefined && { session }) };
}

function parseSession(raw: unknown): StoredSession | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const s = raw as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof s[k] === 'string' ? s[k] : undefined);
  const type = str('type');
  const server = str('server');
  const accessToken = str('accessToken');
  const expiresAt = str('expiresAt');
  if ((type !== 'password' && type !== 'api-key') || server === undefined || accessToken === undefined || expiresAt === undefined) {
    throw new Error('incomplete session');
  }
  const email = str('email');
  const keyId = str('keyId');
  return {
    type,
    ...(email !== undefined && { email }),
    ...(keyId !== undefined && { keyId }),
    server,
    accessToken,
    expiresAt,
    loggedInAt: str('loggedInAt') ?? expiresAt,
  };
}
