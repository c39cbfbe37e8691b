/**
 * Input the server must refuse before it reaches a query or a parser, and information it must not give
 * away: NUL bytes and broken UTF-16, invisible formatting in names, unauthenticated bodies, oversized
 * requests, look-ups of users and keys of other tenants, malformed page sizes and token encodings.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { it } from 'node:test';
import { Struct } from '@bufbuild/protobuf';
import { Code } from '@connectrpc/connect';
import { hasCode } from '../assertions.js';
import { newMachine } from '../fleet.js';
import { grpcFrame, grpcStatus, h2Request, openH2, openSocket, receivedUntil } from '../raw-http.js';
import { MISSING_ID, newKey, seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { insertUser } from '../users.js';
import { rawClients, rawClientsWithHeader } from '../wire-clients.js';

const NUL = 'bad\u0000value';
const LONE_SURROGATE = 'bad\ud800value';

/** A Connect unary POST with the exact body and headers given; resolves with status and body. */
function post(
  url: string,
  path: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method: 'POST', headers: { 'content-length': String(body.length), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

await describeEngines('hardened input', (server) => {
  it('refuses NUL bytes and unpaired surrogates in any string field with INVALID_ARGUMENT, on both engines', async () => {
    const s = server();
    const a = await seedOrg(s);
    const { auth, app } = rawClients(s.url, a.owner.accessToken);
    for (const bad of [NUL, LONE_SURROGATE]) {
      await assert.rejects(
        auth.authenticate({ entity: bad, credentials: { type: 'password', payload: 'x' } }),
        hasCode(Code.InvalidArgument, 'entity'),
      );
      await assert.rejects(
        auth.authenticate({ entity: `a${bad}@example.com`, credentials: { type: 'password', payload: 'x' } }),
        hasCode(Code.InvalidArgument),
      );
      await assert.rejects(app.getUserIDByEmail({ email: `a${bad}@example.com` }), hasCode(Code.InvalidArgument, 'email'));
      await assert.rejects(app.updateOrganization({ organizationId: a.org.id, cid: bad }), hasCode(Code.InvalidArgument, 'cid'));
      await assert.rejects(app.createLocation({ organizationId: a.org.id, name: bad }), hasCode(Code.InvalidArgument, 'name'));
      await assert.rejects(
        app
          .listOrganizationMembers({ organizationId: a.org.id })
          .then(() => app.getRobotPartByNameAndLocation({ name: bad, locationId: a.location.id })),
        hasCode(Code.InvalidArgument, 'name'),
      );
      const { mainPart } = await newMachine(a.owner, a.location.id, `m-${Math.random().toString(36).slice(2, 8)}`);
      // Raw JSON: a binary encoder would already have replaced a lone surrogate with U+FFFD.
      await assert.rejects(
        app.updateRobotPart({ id: mainPart.id, name: mainPart.name, robotConfig: Struct.fromJson({ components: [{ name: bad }] }) }),
        hasCode(Code.InvalidArgument, 'robot_config.components[0].name'),
      );
      await assert.rejects(
        app.updateRobotPart({ id: mainPart.id, name: mainPart.name, robotConfig: Struct.fromJson({ [`key${bad}`]: 1 }) }),
        hasCode(Code.InvalidArgument, 'robot_config'),
      );
    }
    assert.equal((await a.owner.getOrganization(a.org.id)).cid ?? '', '', 'the refused cid was not stored');
  });

  it('refuses names with bidi overrides, line or paragraph separators and other invisible format characters', async () => {
    const s = server();
    const a = await seedOrg(s);
    for (const name of [
      'evil\u202egnp.exe',
      'line\u2028break',
      'para\u2029graph',
      'zero\u200bwidth',
      'soft\u00adhyphen',
      '\u2066isolate\u2069',
    ]) {
      await assert.rejects(
        a.owner.createLocation(a.org.id, name),
        hasCode(Code.InvalidArgument, /name must not contain/),
        JSON.stringify(name),
      );
      await assert.rejects(a.owner.createOrganization(name), hasCode(Code.InvalidArgument, /name must not contain/));
    }
    assert.ok((await a.owner.createLocation(a.org.id, 'Zürich 東京 🚀')).id, 'letters of any script and emoji are fine');
  });

  it('answers a call without a valid token UNAUTHENTICATED before reading its body', async () => {
    const s = server();
    const garbage = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]);
    // Connect: a body that is not protobuf is never parsed.
    const connect = await post(s.url, '/viam.app.v1.AppService/GetOrganization', garbage, { 'content-type': 'application/proto' });
    assert.equal(connect.status, 401);
    assert.match(connect.body, /"code":"unauthenticated"/);
    const forged = await post(s.url, '/viam.app.v1.AppService/GetOrganization', garbage, {
      'content-type': 'application/proto',
      authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
    });
    assert.equal(forged.status, 401);
    // gRPC-web.
    const web = await post(s.url, '/viam.app.v1.AppService/GetOrganization', grpcFrame(garbage), {
      'content-type': 'application/grpc-web+proto',
    });
    assert.equal(web.status, 200);
    assert.equal(web.headers['grpc-status'], String(Code.Unauthenticated));
    // gRPC over HTTP/2: trailers-only UNAUTHENTICATED.
    const session = await openH2(s.url);
    try {
      const { reply } = h2Request(
        session,
        { ':method': 'POST', ':path': '/viam.app.v1.AppService/GetOrganization', 'content-type': 'application/grpc', te: 'trailers' },
        grpcFrame(garbage),
      );
      assert.equal(grpcStatus(await reply), Code.Unauthenticated);
      // A 30 MB body announced but never sent is answered at once.
      const { reply: pending, stream } = h2Request(
        session,
        { ':method': 'POST', ':path': '/viam.app.v1.AppService/ListOrganizations', 'content-type': 'application/grpc', te: 'trailers' },
        undefined,
      );
      stream.write(Buffer.alloc(1024));
      assert.equal(grpcStatus(await pending), Code.Unauthenticated);
    } finally {
      session.close();
    }
    // HTTP/1.1: a 30 MB Content-Length with 1 KiB sent gets its answer without the rest.
    const raw = await openSocket(s.port);
    raw.socket.write(
      `POST /viam.app.v1.AppService/ListOrganizations HTTP/1.1\r\nHost: x\r\nContent-Type: application/proto\r\nContent-Length: ${30 * 1024 * 1024}\r\n\r\n`,
    );
    raw.socket.write(Buffer.alloc(1024));
    const answer = await receivedUntil(raw, /unauthenticated/);
    assert.match(answer, /^HTTP\/1\.1 401/);
    raw.socket.destroy();
  });

  it('caps request sizes per method: 16 KiB for Authenticate, 1 MiB for an ordinary call', async () => {
    const s = server();
    const { app, auth } = rawClients(s.url, s.client.accessToken);
    await assert.rejects(
      auth.authenticate({ entity: s.admin.apiKeyId, credentials: { type: 'api-key', payload: 'k'.repeat(17 * 1024) } }),
      hasCode(Code.ResourceExhausted),
    );
    await assert.rejects(app.getOrganization({ organizationId: 'x'.repeat(2 * 1024 * 1024) }), hasCode(Code.ResourceExhausted));
    await assert.rejects(app.getOrganization({ organizationId: 'x'.repeat(100 * 1024) }), hasCode(Code.InvalidArgument, 'organization_id'));
  });

  it('looks up users by email only among those who share an organization with the caller', async () => {
    const s = server();
    const a = await seedOrg(s);
    const stranger = await insertUser(s);
    const strangerOrgOwner = await s.connect({ type: 'password', email: stranger.email, password: stranger.password });
    const theirs = await strangerOrgOwner.createOrganization('Stranger org');
    assert.ok(theirs.id);
    const missing = await a.owner.getUserIdByEmail('nobody@example.com').then(
      () => '',
      (err: unknown) => (err as Error).message,
    );
    const hidden = await a.owner.getUserIdByEmail(stranger.email).then(
      () => '',
      (err: unknown) => (err as Error).message,
    );
    assert.match(missing, /not found/);
    assert.equal(
      hidden.replace(stranger.email, '<email>'),
      missing.replace('nobody@example.com', '<email>'),
      'a stranger looks exactly like nobody',
    );
    await assert.rejects(a.owner.getUserIdByEmail(stranger.email), hasCode(Code.NotFound));
    // Users see themselves, and members of a shared organization.
    assert.equal(await strangerOrgOwner.getUserIdByEmail(stranger.email), stranger.id);
    const [members] = await s.client.listOrganizationMembers(s.admin.organizationId);
    assert.deepEqual(
      [await s.client.getUserIdByEmail(s.admin.email)],
      members.map((m) => m.userId),
    );
  });

  it('does not let AddRole pull a user who is not a member into an organization, nor reveal other tenants keys', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const stranger = await insertUser(s);
    const asStranger = await s.connect({ type: 'password', email: stranger.email, password: stranger.password });
    await assert.rejects(a.owner.addRole(a.org.id, stranger.id, 'owner', 'organization', a.org.id), hasCode(Code.NotFound, /invite/));
    assert.deepEqual(await asStranger.listOrganizations(), [], 'the stranger was not added anywhere');
    const refusedMissing = await a.owner.addRole(a.org.id, MISSING_ID, 'operator', 'location', a.location.id).then(
      () => '',
      (err: unknown) => (err as Error).message,
    );
    const refusedForeign = await a.owner.addRole(a.org.id, b.ownerKey.id, 'operator', 'location', a.location.id).then(
      () => '',
      (err: unknown) => (err as Error).message,
    );
    assert.equal(refusedForeign.replace(b.ownerKey.id, '<id>'), refusedMissing.replace(MISSING_ID, '<id>'));
    assert.ok(!refusedForeign.includes(b.org.id), 'the other tenant is not named');
    // A member can be given another role.
    const member = await newKey(a.owner, a.org.id, { role: 'operator', resourceType: 'location', resourceId: a.location.id });
    await a.owner.addRole(a.org.id, member.id, 'owner', 'location', a.location.id);
  });

  it('accepts only decimal digits in hangar-page-size and only canonical base64 in tokens', async () => {
    const s = server();
    const a = await seedOrg(s);
    const { app } = rawClients(s.url, a.owner.accessToken);
    for (const size of ['1e3', '0x10', '1.0', '+5', '05x', '-1', '10000']) {
      await assert.rejects(
        app.listRobots({ locationId: a.location.id }, { headers: { 'hangar-page-size': size } }),
        hasCode(Code.InvalidArgument, 'hangar-page-size'),
        size,
      );
    }
    await app.listRobots({ locationId: a.location.id }, { headers: { 'hangar-page-size': '10' } });
    // The same signature with an extra, non-canonical trailing character.
    const token = a.owner.accessToken;
    const [h, p, sig] = token.split('.') as [string, string, string];
    const last = sig.slice(-1);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // Changing the unused low bits of the last character leaves the decoded bytes unchanged.
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] ?? last;
    const twin = `${h}.${p}.${sig.slice(0, -1)}${sibling}`;
    assert.equal(Buffer.from(twin.split('.')[2] ?? '', 'base64url').equals(Buffer.from(sig, 'base64url')), true, 'same bytes');
    await assert.rejects(
      rawClientsWithHeader(s.url, `Bearer ${twin}`).app.getOrganization({ organizationId: a.org.id }),
      hasCode(Code.Unauthenticated),
    );
    await assert.rejects(
      app.listRobots({ locationId: a.location.id }, { headers: { 'hangar-page-token': 'WyJhIiwiYiJd=' } }),
      hasCode(Code.InvalidArgument, 'page'),
    );
  });
});
