/**
 * proto.rpc.v1.AuthService/Authenticate and the bearer tokens it issues. Expiry lives in
 * token-expiry.test.ts: moving the clock is not reversible within a file.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Code, HangarError } from '@hangar/sdk';
import { hasCode } from '../assertions.js';
import { MISSING_ID, seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { rawClients, rawClientsWithHeader } from '../wire-clients.js';

function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  assert.ok(payload !== undefined, 'a JWT has a payload');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The message of a rejected call, failing unless it has the given code. */
async function failure(call: Promise<unknown>, code: Code): Promise<string> {
  try {
    await call;
  } catch (err) {
    hasCode(code)(err);
    return (err as Error).message;
  }
  assert.fail(`expected ${Code[code]}`);
}

/** Changes one character in the middle of a base64url segment, so the decoded bytes really differ. */
function flip(segment: string): string {
  const i = Math.floor(segment.length / 2);
  const c = segment[i] === 'A' ? 'B' : 'A';
  return `${segment.slice(0, i)}${c}${segment.slice(i + 1)}`;
}

await describeEngines('authentication', (server) => {
  it('issues a 24-hour three-part JWT for an API key that names the key and not its secret', async () => {
    const s = server();
    const { auth } = rawClients(s.url);
    const { accessToken } = await auth.authenticate({
      entity: s.admin.apiKeyId,
      credentials: { type: 'api-key', payload: s.admin.apiKey },
    });
    const parts = accessToken.split('.');
    assert.equal(parts.length, 3);
    for (const part of parts) assert.match(part, /^[A-Za-z0-9_-]+$/);
    assert.ok(!accessToken.includes(s.admin.apiKey), 'the token does not carry the secret');
    const decoded = parts.map((p) => Buffer.from(p, 'base64url').toString('latin1')).join('');
    assert.ok(!decoded.includes(s.admin.apiKey), 'not even encoded');
    const claims = claimsOf(accessToken);
    assert.equal(claims.sub, s.admin.apiKeyId);
    assert.equal(claims.typ, 'api-key');
    assert.equal(Number(claims.exp) - Number(claims.iat), 24 * 3600);
    const header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.equal(header.alg, 'HS256');

    const { app } = rawClients(s.url, accessToken);
    const { organization } = await app.getOrganization({ organizationId: s.admin.organizationId });
    assert.equal(organization?.name, 'Default organization');
  });

  it('answers a wrong secret, an unknown key id and a non-UUID key id alike with UNAUTHENTICATED', async () => {
    const s = server();
    const { auth } = rawClients(s.url);
    const wrongSecret = await failure(
      auth.authenticate({ entity: s.admin.apiKeyId, credentials: { type: 'api-key', payload: 'wrong' } }),
      Code.Unauthenticated,
    );
    const unknownKey = await failure(
      auth.authenticate({ entity: MISSING_ID, credentials: { type: 'api-key', payload: s.admin.apiKey } }),
      Code.Unauthenticated,
    );
    const notUuid = await failure(
      auth.authenticate({ entity: 'my-key', credentials: { type: 'api-key', payload: s.admin.apiKey } }),
      Code.Unauthenticated,
    );
    assert.equal(unknownKey, wrongSecret, 'an unknown key cannot be told from a wrong secret');
    assert.equal(notUuid, wrongSecret);
    assert.ok(!wrongSecret.includes(s.admin.apiKey));
    // Another key's secret does not open this key.
    const other = await seedOrg(s);
    await failure(
      auth.authenticate({ entity: s.admin.apiKeyId, credentials: { type: 'api-key', payload: other.ownerKey.key } }),
      Code.Unauthenticated,
    );
    // Nor does our SDK get a client out of it.
    await assert.rejects(
      s.connect({ type: 'api-key', keyId: s.admin.apiKeyId, key: 'wrong' }),
      (err: unknown) => err instanceof HangarError && err.code === Code.Unauthenticated,
    );
  });

  it('refuses an unknown credential type, an empty entity and an empty payload with INVALID_ARGUMENT', async () => {
    const s = server();
    const { auth } = rawClients(s.url);
    await assert.rejects(
      auth.authenticate({ entity: s.admin.apiKeyId, credentials: { type: 'oauth-token', payload: s.admin.apiKey } }),
      hasCode(
        Code.InvalidArgument,
        /credentials\.type must be one of "api-key", "password", "robot-secret", "robot-location-secret", got "oauth-token"/,
      ),
    );
    await assert.rejects(
      auth.authenticate({ entity: s.admin.apiKeyId, credentials: { type: '', payload: s.admin.apiKey } }),
      hasCode(Code.InvalidArgument, 'credentials.type'),
    );
    await assert.rejects(
      auth.authenticate({ entity: '', credentials: { type: 'api-key', payload: s.admin.apiKey } }),
      hasCode(Code.InvalidArgument, 'entity'),
    );
    await assert.rejects(
      auth.authenticate({ entity: s.admin.apiKeyId, credentials: { type: 'api-key', payload: '' } }),
      hasCode(Code.InvalidArgument, 'payload'),
    );
    await assert.rejects(auth.authenticate({ entity: s.admin.apiKeyId }), hasCode(Code.InvalidArgument));
  });

  it('logs a user in with email and password, whatever the case of the email', async () => {
    const s = server();
    const { auth } = rawClients(s.url);
    const { accessToken } = await auth.authenticate({
      entity: s.admin.email.toUpperCase(),
      credentials: { type: 'password', payload: s.admin.password },
    });
    const claims = claimsOf(accessToken);
    assert.equal(claims.typ, 'user');
    const { app } = rawClients(s.url, accessToken);
    const { userId } = await app.getUserIDByEmail({ email: s.admin.email });
    assert.equal(claims.sub, userId);
    assert.ok(!accessToken.includes(s.admin.password));
    // The user is a member: its last login is recorded.
    const { members } = await app.listOrganizationMembers({ organizationId: s.admin.organizationId });
    assert.ok(members[0]?.lastLogin !== undefined, 'a password login records the last login');
  });

  it('answers a wrong password and an unknown email alike with UNAUTHENTICATED', async () => {
    const s = server();
    const { auth } = rawClients(s.url);
    const wrong = await failure(
      auth.authenticate({ entity: s.admin.email, credentials: { type: 'password', payload: 'not the password' } }),
      Code.Unauthenticated,
    );
    const unknown = await failure(
      auth.authenticate({ entity: 'nobody@example.com', credentials: { type: 'password', payload: s.admin.password } }),
      Code.Unauthenticated,
    );
    assert.equal(unknown, wrong);
    // An API key id is not a user, nor a user's email a key.
    await failure(
      auth.authenticate({ entity: s.admin.apiKeyId, credentials: { type: 'password', payload: s.admin.apiKey } }),
      Code.Unauthenticated,
    );
    await failure(
      auth.authenticate({ entity: s.admin.email, credentials: { type: 'api-key', payload: s.admin.password } }),
      Code.Unauthenticated,
    );
  });

  it('refuses calls without a token, with a malformed header or with a garbage token', async () => {
    const s = server();
    const none = rawClients(s.url).app;
    await assert.rejects(none.listOrganizations({}), hasCode(Code.Unauthenticated, 'missing credentials'));
    await assert.rejects(none.getOrganization({ organizationId: s.admin.organizationId }), hasCode(Code.Unauthenticated));
    for (const header of ['', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', s.client.accessToken, `Token ${s.client.accessToken}`]) {
      const { app } = rawClientsWithHeader(s.url, header);
      await assert.rejects(
        app.listOrganizations({}),
        hasCode(Code.Unauthenticated),
        `authorization: ${JSON.stringify(header.slice(0, 20))}`,
      );
    }
    for (const token of ['garbage', 'a.b.c', 'a.b', '...', `${s.client.accessToken}.extra`]) {
      const { app } = rawClients(s.url, token);
      await assert.rejects(
        app.listOrganizations({}),
        hasCode(Code.Unauthenticated, 'log in again'),
        `token ${JSON.stringify(token.slice(0, 20))}`,
      );
    }
    // The scheme is case-insensitive (RFC 7235).
    const { app } = rawClientsWithHeader(s.url, `bearer ${s.client.accessToken}`);
    assert.ok((await app.listOrganizations({})).organizations.length > 0);
  });

  it('refuses a token whose signature or claims were tampered with', async () => {
    const s = server();
    const other = await seedOrg(s);
    const [header = '', payload = '', signature = ''] = other.owner.accessToken.split('.');

    const badSignature = `${header}.${payload}.${flip(signature)}`;
    await assert.rejects(rawClients(s.url, badSignature).app.listOrganizations({}), hasCode(Code.Unauthenticated, 'invalid access token'));

    // Claim to be the administrator's key, keeping the original signature.
    const claims = claimsOf(other.owner.accessToken);
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: s.admin.apiKeyId })).toString('base64url');
    await assert.rejects(
      rawClients(s.url, `${header}.${forged}.${signature}`).app.getOrganization({ organizationId: s.admin.organizationId }),
      hasCode(Code.Unauthenticated),
    );

    // Extend the expiry, keeping the signature.
    const longer = Buffer.from(JSON.stringify({ ...claims, exp: Number(claims.exp) + 365 * 24 * 3600 })).toString('base64url');
    await assert.rejects(rawClients(s.url, `${header}.${longer}.${signature}`).app.listOrganizations({}), hasCode(Code.Unauthenticated));

    // "alg": "none" with no signature.
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    await assert.rejects(rawClients(s.url, `${none}.${payload}.`).app.listOrganizations({}), hasCode(Code.Unauthenticated));

    // The untouched token still works.
    const { organizations } = await rawClients(s.url, other.owner.accessToken).app.listOrganizations({});
    assert.deepEqual(
      organizations.map((o) => o.id),
      [other.org.id],
    );
  });

  it('accepts an access token handed to another client, which acts as the same caller', async () => {
    const s = server();
    const a = await seedOrg(s);
    const borrowed = await s.connect({ type: 'access-token', token: a.owner.accessToken });
    assert.equal(borrowed.accessToken, a.owner.accessToken, 'an access-token client does not call Authenticate');
    assert.deepEqual(
      (await borrowed.listOrganizations()).map((o) => o.id),
      [a.org.id],
    );
    await assert.rejects(borrowed.getOrganization(s.admin.organizationId), hasCode(Code.NotFound));
  });

  it('stops honouring the tokens of an API key as soon as its organization is deleted', async () => {
    const s = server();
    const a = await seedOrg(s);
    const token = a.owner.accessToken;
    await s.client.deleteOrganization(a.org.id);
    await assert.rejects(rawClients(s.url, token).app.listOrganizations({}), hasCode(Code.Unauthenticated, 'log in again'));
  });
});
