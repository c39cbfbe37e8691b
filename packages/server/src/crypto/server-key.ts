/**
 * The server's secret key: 32 random bytes kept outside the database (a 0600 file, or HANGAR_SECRET_KEY).
 * Keys for each purpose are derived from it with HKDF, so a copy of the database alone can neither mint a
 * token nor read a sealed secret. Replicas sharing one database must share this key.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { settings, type Store } from '@hangar/store';
import type { Config } from '../config.js';

const KEY_BYTES = 32;

export interface ServerKey {
  /** A 32-byte key for one purpose; `salt` makes several keys of one purpose (e.g. per signing key id). */
  derive(purpose: string, salt?: Buffer): Buffer;
  /** A value that proves which key this is without revealing it (stored to catch a replica with another key). */
  fingerprint(): string;
  /** AES-256-GCM under the key derived for `purpose`; `context` binds the sealed text to where it is stored. */
  seal(plaintext: string, purpose: string, context: string): string;
  open(sealed: string, purpose: string, context: string): string;
}

export class ServerKeyError extends Error {
  override readonly name = 'ServerKeyError';
}

/** A new key, as `hangar server generate-secret-key` prints it. */
export function generateSecretKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

export function parseSecretKey(text: string, where: string): Buffer {
  const value = text.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(value)
    ? Buffer.from(value, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(value)
      ? Buffer.from(value, 'base64')
      : undefined;
  if (bytes?.length !== KEY_BYTES) {
    throw new ServerKeyError(
      `${where} must hold a 32-byte key in base64 or hex (make one with "hangar server generate-secret-key"); it holds something else`,
    );
  }
  return bytes;
}

/** Reads the configured key; on the SQLite default, creates it (0600) on first start. */
export async function loadServerKey(source: Config['secretKey']): Promise<ServerKey> {
  if ('value' in source) return serverKey(parseSecretKey(source.value, 'HANGAR_SECRET_KEY'));
  let text: string;
  try {
    text = await readFile(source.file, 'utf8');
  } catch (err) {
    if (!(isMissing(err) && source.createIfMissing)) {
      throw new ServerKeyError(
        isMissing(err)
          ? `secret key file ${source.file} does not exist: create it with "hangar server generate-secret-key > ${source.file}" (the same file on every replica)`
          : `cannot read the secret key file ${source.file}: ${(err as Error).message}`,
      );
    }
    text = generateSecretKey();
    await mkdir(dirname(source.file), { recursive: true, mode: 0o700 });
    // wx: two processes starting at once must not both write a key; the loser reads the winner's.
    await writeFile(source.file, `${text}\n`, { mode: 0o600, flag: 'wx' }).catch(async (e: unknown) => {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      text = await readFile(source.file, 'utf8');
    });
  }
  if (source.createIfMissing) await chmod(source.file, 0o600);
  return serverKey(parseSecretKey(text, `secret key file ${source.file}`));
}

export function serverKey(secret: Buffer): ServerKey {
  const derive = (purpose: string, salt: Buffer = Buffer.alloc(0)) =>
    Buffer.from(hkdfSync('sha256', secret, salt, `hangar/${purpose}`, KEY_BYTES));
  return {
    derive,
    fingerprint: () => createHmac('sha256', derive('key-check')).update('hangar').digest('base64url'),
    seal(plaintext, purpose, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', derive(purpose), iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    open(sealed, purpose, context) {
      const [version, data] = sealed.split('.');
      if (version !== 'v1' || data === undefined) throw new ServerKeyError('sealed value has an unknown format');
      const raw = Buffer.from(data, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', derive(purpose), raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

/** Constant-time comparison of two fingerprints. */
export function sameFingerprint(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * The first start records the key's fingerprint; a later start (or another replica) with a different key
 * would sign tokens nobody else accepts and could not open sealed secrets, so it refuses to run.
 */
export async function checkServerKey(store: Store, serverKey: ServerKey): Promise<void> {
  const recorded = await settings.ensureSetting(store.db, 'secret_key_fingerprint', serverKey.fingerprint());
  if (!sameFingerprint(recorded, serverKey.fingerprint())) {
    throw new ServerKeyError(
      'the secret key does not match the one this database was set up with: start every replica with the same --secret-key-file / HANGAR_SECRET_KEY (for SQLite, the secret.key in the data dir)',
    );
  }
}
