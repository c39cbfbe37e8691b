/**
 * Access tokens live 24 hours. The clock only moves forward and is per file (per engine), so the tests
 * here run in order and each moves time on from where the last one left it.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createViamClient } from '@viamrobotics/sdk';
import { Code, hasCode } from '../assertions.js';
import { describeEngines } from '../suite.js';
import { officialClient } from '../viam.js';
import { rawClients } from '../wire-clients.js';

const HOUR = 3600 * 1000;

await describeEngines('token expiry', (server) => {
  it('honours a token until its 24 hours are up, then asks the caller to log in again', async () => {
    const s = server();
    const token = s.client.accessToken;
    const borrowed = await s.connect({ type: 'access-token', token });
    const official = await officialClient(s.url, s.admin.apiKeyId, s.admin.apiKey);
    const officialWithToken = await createViamClient({ serviceHost: s.url, credentials: { type: 'access-token', payload: token } });

    s.clock.advance(23 * HOUR);
    assert.ok(
      (await borrowed.listOrganizations()).some((o) => o.id === s.admin.organizationId),
      'still valid after 23 hours',
    );
    assert.ok((await official.appClient.listOrganizations()).length > 0);

    s.clock.advance(2 * HOUR);
    await assert.rejects(borrowed.listOrganizations(), hasCode(Code.Unauthenticated, /expired.*log in again/));
    await assert.rejects(
      rawClients(s.url, token).app.getOrganization({ organizationId: s.admin.organizationId }),
      hasCode(Code.Unauthenticated, 'log in again'),
    );
    // The official SDK never renews its token: it sees the same answer.
    await assert.rejects(official.appClient.listOrganizations(), hasCode(Code.Unauthenticated, 'expired'));
    await assert.rejects(officialWithToken.appClient.listOrganizations(), hasCode(Code.Unauthenticated, 'expired'));
  });

  it('lets our AppClient renew an expired token by itself with its API key or password', async () => {
    const s = server();
    const stale = s.client.accessToken;
    s.clock.advance(25 * HOUR);
    await assert.rejects(rawClients(s.url, stale).app.listOrganizations({}), hasCode(Code.Unauthenticated, 'expired'));
    const orgs = await s.client.listOrganizations();
    assert.ok(orgs.some((o) => o.id === s.admin.organizationId));
    assert.notEqual(s.client.accessToken, stale, 'the client logged in again');

    const user = await s.connect({ type: 'password', email: s.admin.email, password: s.admin.password });
    const userToken = user.accessToken;
    s.clock.advance(25 * HOUR);
    assert.equal((await user.getOrganization(s.admin.organizationId)).name, 'Default organization');
    assert.notEqual(user.accessToken, userToken);
    assert.ok((await s.client.listOrganizations()).length > 0, 'and again a day later');
  });

  it('does not renew a client given only an access token', async () => {
    const s = server();
    const fresh = await s.connect({ type: 'api-key', keyId: s.admin.apiKeyId, key: s.admin.apiKey });
    const borrowed = await s.connect({ type: 'access-token', token: fresh.accessToken });
    assert.ok((await borrowed.listOrganizations()).length > 0);
    s.clock.advance(24 * HOUR);
    await assert.rejects(borrowed.listOrganizations(), hasCode(Code.Unauthenticated, 'expired'));
    assert.equal(borrowed.accessToken, fresh.accessToken);
  });

  it('issues a token after expiry that is good for another 24 hours', async () => {
    const s = server();
    const { auth } = rawClients(s.url);
    const { accessToken } = await auth.authenticate({
      entity: s.admin.apiKeyId,
      credentials: { type: 'api-key', payload: s.admin.apiKey },
    });
    const { app } = rawClients(s.url, accessToken);
    s.clock.advance(24 * HOUR - 60 * 1000);
    assert.ok((await app.listOrganizations({})).organizations.length > 0, 'valid a minute before the end');
    s.clock.advance(60 * 1000);
    await assert.rejects(app.listOrganizations({}), hasCode(Code.Unauthenticated, 'expired'), 'expired at exactly 24 hours');
  });
});
