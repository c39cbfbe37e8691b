/**
 * One port, every protocol: gRPC over HTTP/2 with prior knowledge (Python, Go), gRPC-web (the TS SDK,
 * browsers) and Connect (binary and JSON), plus the plain HTTP endpoints around them.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MethodKind } from '@bufbuild/protobuf';
import { METHODS, type AppMethodName } from '@hangar/server';
import { AppService } from '@hangar/wire';
import { Code, hasCode } from '../assertions.js';
import { MISSING_ID } from '../seed.js';
import { describeEngines } from '../suite.js';
import { rawClients, WIRE_PROTOCOLS } from '../wire-clients.js';

/** AppService methods the server does not implement yet (unary ones: they can be called with a plain POST). */
const UNIMPLEMENTED = Object.entries(AppService.methods)
  .filter(([local, info]) => METHODS[local as AppMethodName] === 'unimplemented' && info.kind === MethodKind.Unary)
  .map(([local, info]) => ({ local, name: info.name }));

function callByName(app: unknown, local: string): Promise<unknown> {
  const method = (app as Record<string, (req: object) => Promise<unknown>>)[local];
  if (method === undefined) throw new Error(`no client method ${local}`);
  return method({});
}

await describeEngines('protocols', (server) => {
  for (const protocol of WIRE_PROTOCOLS) {
    it(`authenticates, reads and reports errors over ${protocol.name}`, async () => {
      const s = server();
      const location = await s.client.createLocation(s.admin.organizationId, `Seen over ${protocol.name}`.slice(0, 64));
      const anonymous = rawClients(s.url, undefined, protocol);
      const { accessToken } = await anonymous.auth.authenticate({
        entity: s.admin.apiKeyId,
        credentials: { type: 'api-key', payload: s.admin.apiKey },
      });
      assert.equal(accessToken.split('.').length, 3);

      const { app } = rawClients(s.url, accessToken, protocol);
      const { organization } = await app.getOrganization({ organizationId: s.admin.organizationId });
      assert.equal(organization?.id, s.admin.organizationId);
      assert.equal(organization?.name, 'Default organization');
      const { locations } = await app.listLocations({ organizationId: s.admin.organizationId });
      const found = locations.find((l) => l.id === location.id);
      assert.equal(found?.name, location.name);
      assert.equal(found?.primaryOrgIdentity?.id, s.admin.organizationId);

      await assert.rejects(app.getOrganization({ organizationId: MISSING_ID }), hasCode(Code.NotFound, MISSING_ID));
      await assert.rejects(app.getLocation({ locationId: 'not-a-uuid' }), hasCode(Code.InvalidArgument, 'location_id'));
      await assert.rejects(anonymous.app.listOrganizations({}), hasCode(Code.Unauthenticated, 'missing credentials'));
      await assert.rejects(
        anonymous.auth.authenticate({ entity: s.admin.apiKeyId, credentials: { type: 'api-key', payload: 'wrong' } }),
        hasCode(Code.Unauthenticated),
      );
      const missing = UNIMPLEMENTED[0];
      if (missing !== undefined)
        await assert.rejects(callByName(app, missing.local), hasCode(Code.Unimplemented, `AppService/${missing.name}`));
    });
  }

  it('answers an unauthenticated Connect JSON POST with HTTP 401 and {"code":"unauthenticated"}', async () => {
    const s = server();
    const res = await fetch(`${s.url}/viam.app.v1.AppService/ListOrganizations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as { code?: string; message?: string };
    assert.equal(body.code, 'unauthenticated');
    assert.match(body.message ?? '', /Authenticate/);
  });

  it('answers a Connect JSON POST with a token with the organizations as JSON', async () => {
    const s = server();
    const res = await fetch(`${s.url}/viam.app.v1.AppService/ListOrganizations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.client.accessToken}` },
      body: '{}',
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { organizations?: { id: string; name: string }[] };
    assert.ok(body.organizations?.some((o) => o.id === s.admin.organizationId && o.name === 'Default organization'));
  });

  it("answers a CORS preflight with 204 and the caller's origin", async () => {
    const s = server();
    const origin = 'https://fleet.example.com';
    const res = await fetch(`${s.url}/viam.app.v1.AppService/ListOrganizations`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-grpc-web',
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), origin);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /authorization/i);
    assert.equal(await res.text(), '');
  });

  it('adds the CORS headers to an actual cross-origin call', async () => {
    const s = server();
    const origin = 'http://localhost:5173';
    const res = await fetch(`${s.url}/viam.app.v1.AppService/ListOrganizations`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', authorization: `Bearer ${s.client.accessToken}` },
      body: '{}',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), origin);
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /grpc-status/i);
  });

  it('answers GET /healthz and GET /readyz with 200', async () => {
    const s = server();
    const health = await fetch(`${s.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal((await health.text()).trim(), 'ok');
    const ready = await fetch(`${s.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal((await ready.text()).trim(), 'ready');
  });

  it('answers every unimplemented AppService method with UNIMPLEMENTED naming it, never a 404', async () => {
    const s = server();
    assert.ok(UNIMPLEMENTED.length > 0, 'nothing left to check: drop this test once every method is implemented');
    for (const { name } of UNIMPLEMENTED) {
      const res = await fetch(`${s.url}/viam.app.v1.AppService/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${s.client.accessToken}` },
        body: '{}',
      });
      assert.notEqual(res.status, 404, `${name} answered 404`);
      const body = (await res.json()) as { code?: string; message?: string };
      assert.equal(body.code, 'unimplemented', `${name}: ${JSON.stringify(body)}`);
      assert.ok(
        body.message?.includes(`viam.app.v1.AppService/${name}`),
        `${name}: the message names the method: ${JSON.stringify(body.message)}`,
      );
    }
    // GetFragment of a missing id: the method's own NOT_FOUND (Connect sends it with HTTP 404, but as an
    // error body naming the code), never the router's bare 404 for an unknown path.
    const res = await fetch(`${s.url}/viam.app.v1.AppService/GetFragment`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.client.accessToken}` },
      body: JSON.stringify({ id: MISSING_ID }),
    });
    const body = (await res.json()) as { code?: string; message?: string };
    assert.equal(body.code, METHODS.getFragment === 'unimplemented' ? 'unimplemented' : 'not_found');
    assert.match(body.message ?? '', /fragment/);
  });
});
