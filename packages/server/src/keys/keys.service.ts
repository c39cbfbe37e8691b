import { invalid, parseName, type Actor, type Grant } from '@hangar/domain';
import { apiKeys, authorizations, type Database } from '@hangar/store';
import { generateKeySecret, hashSecret } from '../auth/secrets.js';

export interface KeysDeps {
  readonly db: Database;
  readonly now: () => Date;
  readonly newId: () => string;
}

export interface CreatedKey {
  readonly id: string;
  /** The secret, returned once; only its hash is stored. */
  readonly key: string;
}

export function createKeysService({ db, now, newId }: KeysDeps) {
  return {
    /**
     * A key belongs to one organization: the one its roles are in. The caller's right to hand out each
     * role was checked by the method table before this runs.
     */
    async create(actor: Actor, grants: readonly Grant[], rawName: string): Promise<CreatedKey> {
      const organizationId = grants[0]?.organizationId;
      if (organizationId === undefined) throw invalid('authorizations must list at least one role for the key');
      if (grants.some((g) => g.organizationId !== organizationId)) {
        throw invalid('all authorizations of one API key must belong to the same organization; create one key per organization');
      }
      const at = now().toISOString();
      // Unnamed keys get their creator and the time, as Viam's CLI names them.
      const name = rawName.trim() === '' ? `${actor.label}-${at}` : parseName('name', rawName);
      const id = newId();
      const key = generateKeySecret();
      await db.transaction().execute(async (tx) => {
        await apiKeys.insertApiKey(tx, { id, organizationId, name, secretHash: hashSecret(key), createdAt: at });
        await authorizations.insertAuthorizations(
          tx,
          grants.map((g) => ({ ...g, id: newId(), identityType: 'api-key' as const, identityId: id, createdAt: at })),
        );
      });
      return { id, key };
    },
  };
}

export type KeysService = ReturnType<typeof createKeysService>;
