/**
 * Operator commands that work on the database and the secret key directly, with or without servers
 * running: `hangar server generate-secret-key` and `hangar server rotate-signing-key`.
 */
import { migrate, openStore, signingKeys } from '@hangar/store';
import { addSigningKey } from './auth/signing-keys.js';
import { loadConfig, type ConfigInput } from './config.js';
import { checkServerKey, generateSecretKey, loadServerKey } from './crypto/server-key.js';

export { generateSecretKey };

export interface Rotation {
  /** The key that signs from now on (each replica switches within --signing-key-refresh-seconds). */
  readonly keyId: string;
  /** Keys deleted with --revoke-previous: every token they signed stops working. */
  readonly revoked: number;
}

export async function rotateSigningKey(flags: ConfigInput, options: { revokePrevious: boolean }): Promise<Rotation> {
  const config = loadConfig(flags);
  // Never create a key here: a new key would not match the database's and the check below would refuse.
  const source = 'file' in config.secretKey ? { ...config.secretKey, createIfMissing: false } : config.secretKey;
  const serverKey = await loadServerKey(source);
  const store = openStore({ url: config.databaseUrl, poolSize: 1 });
  try {
    await migrate(store);
    await checkServerKey(store, serverKey);
    const keyId = await addSigningKey(store.db, () => new Date());
    const revoked = options.revokePrevious ? await signingKeys.deleteSigningKeysExcept(store.db, keyId) : 0;
    return { keyId, revoked };
  } finally {
    await store.close();
  }
}
