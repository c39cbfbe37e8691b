/**
 * The token signing keys of an installation. Each key is a salt in the database mixed with the server's
 * secret key; the newest one signs, all of them verify. A rotation (`hangar server rotate-signing-key`)
 * adds a key, and may delete the others, which cuts off every token they signed. Every replica re-reads
 * the set on a timer, and at once when a token names a key it has not seen.
 */
import { signingKeys, type Database } from '@hangar/store';
import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerKey } from '../crypto/server-key.js';
import type { SigningKey } from './tokens.js';

const PURPOSE = 'token-signing';
// An unknown key id re-reads the set at most this often, so forged ids cannot turn into a query each.
const UNKNOWN_KEY_REFRESH_MS = 1000;

export interface SigningKeysDeps {
  readonly db: Database;
  readonly serverKey: ServerKey;
  readonly now: () => Date;
  readonly refreshSeconds: number;
}

export interface SigningKeys {
  /** The key new tokens are signed with. */
  current(): SigningKey;
  /** The key a token names, if this process knows it already (the common case: no waiting). */
  known(id: string): Buffer | undefined;
  /** The key a token names, re-reading the set first if it is not known yet (a replica's new key). */
  find(id: string): Promise<Buffer | undefined>;
  stop(): void;
}

export async function createSigningKeys({ db, serverKey, now, refreshSeconds }: SigningKeysDeps): Promise<SigningKeys> {
  let keys = new Map<string, Buffer>();
  let newest: SigningKey | undefined;
  let lastRefresh = 0;

  async function refresh(): Promise<void> {
    lastRefresh = Date.now();
    const rows = await signingKeys.listSigningKeys(db);
    keys = new Map(rows.map((r) => [r.id, serverKey.derive(PURPOSE, Buffer.from(r.salt, 'base64url'))]));
    const first = rows[0];
    if (first !== undefined) newest = { id: first.id, key: keys.get(first.id) ?? Buffer.alloc(0) };
  }

  await refresh();
  if (newest === undefined) {
    await addSigningKey(db, now);
    await refresh();
  }
  const timer = setInterval(() => {
    refresh().catch(() => undefined);
  }, refreshSeconds * 1000);
  timer.unref();

  return {
    current() {
      if (newest === undefined) throw new Error('no signing key');
      return newest;
    },
    known: (id) => keys.get(id),
    async find(id) {
      const known = keys.get(id);
      if (known !== undefined || Date.now() - lastRefresh < UNKNOWN_KEY_REFRESH_MS) return known;
      await refresh();
      return keys.get(id);
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** A new signing key; the next refresh on each replica makes it the one that signs. */
export async function addSigningKey(db: Database, now: () => Date): Promise<string> {
  const id = randomUUID();
  await signingKeys.insertSigningKey(db, { id, salt: randomBytes(32).toString('base64url'), createdAt: now().toISOString() });
  return id;
}
