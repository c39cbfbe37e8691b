/**
 * First start on an empty database: an administrator, an organization and an owner API key, printed once
 * and written to <data-dir>/initial-admin.json (mode 0600), as Jenkins does with its initial password.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { apiKeys, authorizations, organizations, users, type Database } from '@hangar/store';
import { generatePassword, hashPassword } from './auth/passwords.js';
import { generateKeySecret, hashSecret } from './auth/secrets.js';
import { DEFAULT_REGION } from './organizations/organizations.service.js';

export interface InitialAdmin {
  readonly email: string;
  readonly password: string;
  readonly organizationId: string;
  readonly apiKeyId: string;
  readonly apiKey: string;
}

export interface BootstrapDeps {
  readonly db: Database;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly adminEmail: string;
}

/** Returns the administrator if this call created it; undefined when the database was already set up. */
export async function bootstrap({ db, now, newId, adminEmail }: BootstrapDeps): Promise<InitialAdmin | undefined> {
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  return db.transaction().execute(async (tx) => {
    // The marker row makes this safe when several replicas start on one empty PostgreSQL database:
    // the insert blocks until the first transaction commits, then inserts nothing.
    const marker = await tx
      .insertInto('settings')
      .values({ key: 'bootstrapped_at', value: now().toISOString() })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    if (Number(marker.numInsertedOrUpdatedRows ?? 0) === 0) return undefined;
    if ((await users.countUsers(tx)) > 0) return undefined;

    const at = now().toISOString();
    const userId = newId();
    const organizationId = newId();
    const apiKeyId = newId();
    const apiKey = generateKeySecret();
    await users.insertUser(tx, { id: userId, email: adminEmail, passwordHash, createdAt: at });
    await organizations.insertOrganization(
      tx,
      {
        id: organizationId,
        name: 'Default organization',
        publicNamespace: null,
        defaultRegion: DEFAULT_REGION,
        cid: null,
        createdAt: at,
      },
      userId,
    );
    await apiKeys.insertApiKey(tx, { id: apiKeyId, organizationId, name: 'initial-admin', secretHash: hashSecret(apiKey), createdAt: at });
    const ownerOfOrg = { organizationId, role: 'owner', resourceType: 'organization', resourceId: organizationId, createdAt: at } as const;
    await authorizations.insertAuthorizations(tx, [
      { ...ownerOfOrg, id: newId(), identityType: 'user', identityId: userId },
      { ...ownerOfOrg, id: newId(), identityType: 'api-key', identityId: apiKeyId },
    ]);
    return { email: adminEmail, password, organizationId, apiKeyId, apiKey };
  });
}

export async function writeInitialAdmin(dataDir: string, admin: InitialAdmin): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, 'initial-admin.json');
  await writeFile(file, JSON.stringify(admin, null, 2) + '\n', { mode: 0o600 });
  return file;
}

/** Printed once to stdout, not to the log: the log must never hold a secret. */
export function initialAdminBanner(admin: InitialAdmin, file: string, url: string): string {
  return [
    '',
    '*************************************************************',
    'Hangar created an administrator on this empty database.',
    `  email:           ${admin.email}`,
    `  password:        ${admin.password}`,
    `  organization id: ${admin.organizationId}`,
    `  API key id:      ${admin.apiKeyId}`,
    `  API key:         ${admin.apiKey}`,
    `Saved to ${file} (readable by you only). This is shown once.`,
    `Log in:  hangar login --server ${url} --email ${admin.email}`,
    '*************************************************************',
    '',
  ].join('\n');
}
