import { invalid, NAME_MAX, notFound, parseName, type Actor, type ApiKey, type Authorization, type Grant } from '@hangar/domain';
import { apiKeys, authorizations, organizations, type Database, type Executor } from '@hangar/store';
import { generateKeySecret, hashSecret } from '../auth/secrets.js';
import { takeOverOrphans } from '../organizations/organizations.service.js';
import { refuseOverQuota } from '../quotas.js';
import type { Limits } from '../settings.js';

export interface KeysDeps {
  readonly db: Database;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly limits: Limits;
}

const COPY_SUFFIX = '-copy';

export interface CreatedKey {
  readonly id: string;
  /** The secret, returned once; only its hash is stored. */
  readonly key: string;
}

export interface KeyWithAuthorizations {
  readonly key: ApiKey;
  readonly authorizations: readonly Authorization[];
}

/**
 * API keys. Every method runs after the method table checked the caller's rights (admin on each resource
 * the key holds a role on), so the rules here are about keys themselves.
 */
export function createKeysService({ db, now, newId, limits }: KeysDeps) {
  async function insert(tx: Executor, actor: Actor, grants: readonly Grant[], rawName: string): Promise<CreatedKey> {
    const organizationId = grants[0]?.organizationId;
    if (organizationId === undefined) throw invalid('authorizations must list at least one role for the key');
    if (grants.some((g) => g.organizationId !== organizationId)) {
      throw invalid('all authorizations of one API key must belong to the same organization; create one key per organization');
    }
    const at = now().toISOString();
    // Unnamed keys get their creator and the time, as Viam's CLI names them.
    const name = rawName.trim() === '' ? `${actor.label}-${at}` : parseName('name', rawName);
    await organizations.lockOrganization(tx, organizationId);
    refuseOverQuota(
      limits,
      'maxKeysPerOrganization',
      await apiKeys.countApiKeys(tx, organizationId),
      `organization ${organizationId}`,
      'API keys',
    );
    const id = newId();
    const key = generateKeySecret();
    await apiKeys.insertApiKey(tx, { id, organizationId, name, secretHash: hashSecret(key), createdAt: at });
    await authorizations.insertAuthorizations(
      tx,
      grants.map((g) => ({ ...g, id: newId(), identityType: 'api-key' as const, identityId: id, createdAt: at })),
    );
    return { id, key };
  }

  async function withAuthorizations(keys: readonly ApiKey[]): Promise<KeyWithAuthorizations[]> {
    const all = await authorizations.listAuthorizationsOfIdentities(
      db,
      keys.map((k) => k.id),
    );
    return keys.map((key) => ({ key, authorizations: all.filter((a) => a.identityId === key.id) }));
  }

  return {
    /** A key belongs to one organization: the one its roles are in. */
    create(actor: Actor, grants: readonly Grant[], rawName: string): Promise<CreatedKey> {
      return db.transaction().execute((tx) => insert(tx, actor, grants, rawName));
    },

    /** A new key with the same roles as an existing one. */
    createFromExisting(actor: Actor, id: string): Promise<CreatedKey> {
      return db.transaction().execute(async (tx) => {
        const existing = await apiKeys.findApiKey(tx, id);
        if (existing === undefined) throw notFound('API key', id);
        const grants = await authorizations.listGrants(tx, id);
        if (grants.length === 0) throw invalid(`API key ${id} holds no roles to copy`);
        return insert(tx, actor, grants, `${existing.name.slice(0, NAME_MAX - COPY_SUFFIX.length)}${COPY_SUFFIX}`);
      });
    },

    async list(organizationId: string): Promise<KeyWithAuthorizations[]> {
      return withAuthorizations(await apiKeys.listApiKeys(db, organizationId));
    },

    /** Keys holding a role on the machine. */
    async listForRobot(robotId: string): Promise<KeyWithAuthorizations[]> {
      return withAuthorizations(await apiKeys.listApiKeysOnResource(db, robotId));
    },

    /** Same id and roles, new secret; the old secret and every token minted with it stop working at once. */
    async rotate(id: string): Promise<CreatedKey> {
      const key = generateKeySecret();
      await db.transaction().execute(async (tx) => {
        if ((await apiKeys.findApiKey(tx, id)) === undefined) throw notFound('API key', id);
        await apiKeys.rotateApiKey(tx, id, hashSecret(key));
      });
      return { id, key };
    },

    async rename(id: string, rawName: string): Promise<ApiKey> {
      const name = parseName('name', rawName);
      await apiKeys.renameApiKey(db, id, name);
      const key = await apiKeys.findApiKey(db, id);
      if (key === undefined) throw notFound('API key', id);
      return key;
    },

    /**
     * Deletes the key and its roles; its tokens stop working on their next call. An organization the key
     * alone owned passes to the caller; a key cannot delete itself while it is some organization's last owner.
     */
    async delete(actor: Actor, id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        if ((await apiKeys.findApiKey(tx, id)) === undefined) throw notFound('API key', id);
        await takeOverOrphans(tx, actor, [id], undefined, newId, now);
        await authorizations.deleteAuthorizationsOfIdentity(tx, id);
        await apiKeys.deleteApiKey(tx, id);
      });
    },
  };
}

export type KeysService = ReturnType<typeof createKeysService>;
