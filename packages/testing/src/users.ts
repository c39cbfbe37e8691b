/**
 * Users other than the bootstrap administrator. Until invitations exist there is no API that makes one,
 * so tests write the row as the server would (same hash function), then sign in through the API.
 */
import { hashPassword } from '@hangar/server';
import { openStore } from '@hangar/store';
import { randomUUID } from 'node:crypto';
import type { TestServer } from './server.js';

export interface TestUser {
  readonly id: string;
  readonly email: string;
  readonly password: string;
}

let counter = 0;

export async function insertUser(
  server: TestServer,
  email = `user-${++counter}-${randomUUID().slice(0, 8)}@example.com`,
): Promise<TestUser> {
  const password = `pw-${randomUUID()}`;
  const id = randomUUID();
  const store = openStore({ url: server.db.url, poolSize: 1 });
  try {
    await store.db
      .insertInto('users')
      .values({ id, email, password_hash: await hashPassword(password), created_at: new Date().toISOString(), last_login: null })
      .execute();
  } finally {
    await store.close();
  }
  return { id, email, password };
}

/**
 * Makes a user a member of an organization with one role, as accepting an invitation will: there is no
 * API for it until invitations exist (AddRole only reaches users who are members already).
 */
export async function grantRole(
  server: TestServer,
  user: { readonly id: string },
  organizationId: string,
  role: 'owner' | 'operator',
  resourceType: 'organization' | 'location' | 'robot',
  resourceId: string,
): Promise<void> {
  const store = openStore({ url: server.db.url, poolSize: 1 });
  try {
    await store.db
      .insertInto('authorizations')
      .values({
        id: randomUUID(),
        organization_id: organizationId,
        identity_type: 'user',
        identity_id: user.id,
        role,
        resource_type: resourceType,
        resource_id: resourceId,
        created_at: new Date().toISOString(),
      })
      .execute();
  } finally {
    await store.close();
  }
}
