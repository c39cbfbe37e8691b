/**
 * Data steps that need the server's secret key and so cannot be migrations (migrations see only the
 * database): seal part secrets an older version stored in clear, and give every location its first
 * secret. Idempotent and safe when several replicas start at once.
 */
import { locations, parts, type Database } from '@hangar/store';
import { SECRET_CONTEXT, type SecretBox } from './secret-box.js';
import { generateKeySecret } from '../auth/secrets.js';

export async function sealExistingSecrets(db: Database, box: SecretBox, now: () => Date, newId: () => string): Promise<void> {
  for (const { id, secret } of await parts.listUnsealedSecrets(db)) {
    await parts.sealSecret(db, id, box.seal(secret, SECRET_CONTEXT.partSecret(id)));
  }
  for (const locationId of await locations.listLocationIdsWithoutSecrets(db)) {
    await db.transaction().execute(async (tx) => {
      // Another replica may have just given it one.
      if ((await locations.listLocationSecrets(tx, locationId)).length > 0) return;
      const id = newId();
      await locations.insertLocationSecret(tx, locationId, {
        id,
        sealed: box.seal(generateKeySecret(), SECRET_CONTEXT.locationSecret(id)),
        createdAt: now().toISOString(),
      });
    });
  }
}
