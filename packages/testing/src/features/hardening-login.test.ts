/**
 * Password sign-in under attack: failures slow an account and an address down (RESOURCE_EXHAUSTED with a
 * retry-after), password hashing has a bounded, fair queue, and credentials have a size cap.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { AuthService } from '@hangar/wire';
import { codeOf, hasCode } from '../assertions.js';
import { describeEngines } from '../suite.js';
import type { TestServer } from '../server.js';
import { insertUser } from '../users.js';

/** An AuthService client whose connections come from `localAddress` (127.0.0.x), as another host's would. */
function authFrom(s: TestServer, localAddress = '127.0.0.1') {
  return createClient(AuthService, createConnectTransport({ baseUrl: s.url, httpVersion: '1.1', nodeOptions: { localAddress } }));
}

const login = (auth: ReturnType<typeof authFrom>, email: string, password: string) =>
  auth.authenticate({ entity: email, credentials: { type: 'password', payload: password } });

function retryAfterOf(err: unknown): number {
  assert.ok(err instanceof ConnectError, `expected a ConnectError, got ${String(err)}`);
  const value = err.metadata.get('retry-after');
  assert.ok(value !== null, 'a throttled call says when to retry (retry-after)');
  assert.match(value, /^\d+$/);
  return Number(value);
}

await describeEngines('password sign-in throttling', (server) => {
  it('slows an account down after 5 failed passwords, even for the right one, and forgets once it signs in', async () => {
    const s = server();
    const user = await insertUser(s);
    const auth = authFrom(s, '127.0.0.11');
    for (let i = 0; i < 5; i++) await assert.rejects(login(auth, user.email, 'wrong'), hasCode(Code.Unauthenticated));
    let caught: unknown;
    await login(auth, user.email, user.password).catch((err: unknown) => (caught = err));
    assert.equal(codeOf(caught), Code.ResourceExhausted, 'the right password must wait too');
    assert.match((caught as Error).message, /too many failed sign-ins for this account.*retry in \d+ s/);
    const wait = retryAfterOf(caught);
    assert.ok(wait >= 1);
    // Another address cannot sign in to the account either: the account itself is slowed down.
    await assert.rejects(login(authFrom(s, '127.0.0.12'), user.email, user.password), hasCode(Code.ResourceExhausted));
    s.clock.advance((wait + 1) * 1000);
    assert.ok((await login(auth, user.email, user.password)).accessToken);
    // A success resets the account: five more tries before it slows down again.
    for (let i = 0; i < 5; i++) await assert.rejects(login(auth, user.email, 'wrong'), hasCode(Code.Unauthenticated));
    await assert.rejects(login(auth, user.email, 'wrong'), hasCode(Code.ResourceExhausted));
  });

  it('doubles the wait with each further failure', async () => {
    const s = server();
    const user = await insertUser(s);
    const auth = authFrom(s, '127.0.0.13');
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) await assert.rejects(login(auth, user.email, 'wrong'), hasCode(Code.Unauthenticated));
    for (let round = 0; round < 3; round++) {
      const err = await login(auth, user.email, 'wrong').then(
        () => assert.fail('throttled'),
        (e: unknown) => e,
      );
      const wait = retryAfterOf(err);
      waits.push(wait);
      s.clock.advance(wait * 1000 + 10);
      await assert.rejects(login(auth, user.email, 'wrong'), hasCode(Code.Unauthenticated));
    }
    assert.ok((waits[1] ?? 0) >= 2 * (waits[0] ?? 0) && (waits[2] ?? 0) >= 2 * (waits[1] ?? 0), `waits grow: ${waits.join(', ')}`);
  });

  it('slows down an address that keeps guessing across many accounts, and no other address', async () => {
    const s = server();
    const user = await insertUser(s);
    const attacker = authFrom(s, '127.0.0.21');
    for (let i = 0; i < 20; i++) {
      await assert.rejects(login(attacker, `nobody-${i}@example.com`, 'guess'), hasCode(Code.Unauthenticated));
    }
    await assert.rejects(login(attacker, user.email, user.password), hasCode(Code.ResourceExhausted, /this address/));
    assert.ok((await login(authFrom(s, '127.0.0.22'), user.email, user.password)).accessToken);
  });

  it('keeps a sign-in from another address going while one address floods password checks', async () => {
    const s = server();
    const user = await insertUser(s);
    const attacker = authFrom(s, '127.0.0.31');
    const flood = Array.from({ length: 64 }, (_, i) => login(attacker, `flood-${i}@example.com`, 'guess').then(() => 0, codeOf));
    const legit = login(authFrom(s, '127.0.0.32'), user.email, user.password);
    assert.ok((await legit).accessToken, 'the legitimate sign-in succeeds');
    const codes = await Promise.all(flood);
    assert.ok(
      codes.includes(Code.ResourceExhausted),
      `a flood beyond the hashing queue is refused at once (got ${[...new Set(codes)].join(',')})`,
    );
    assert.ok(codes.every((c) => c === Code.Unauthenticated || c === Code.ResourceExhausted));
  });

  it('caps credential sizes: a 1 KiB password, a 16 KiB Authenticate request', async () => {
    const s = server();
    const auth = authFrom(s, '127.0.0.41');
    await assert.rejects(login(auth, s.admin.email, 'p'.repeat(1025)), hasCode(Code.InvalidArgument, /1024 bytes/));
    await assert.rejects(login(auth, 'e'.repeat(300) + '@example.com', 'x'), hasCode(Code.InvalidArgument, /entity/));
    await assert.rejects(login(auth, s.admin.email, 'p'.repeat(20_000)), hasCode(Code.ResourceExhausted));
    await assert.rejects(login(auth, s.admin.email, 'p'.repeat(8 * 1024 * 1024)), hasCode(Code.ResourceExhausted));
    // None of those counted as a failed password for the account.
    assert.ok((await login(auth, s.admin.email, s.admin.password)).accessToken);
  });
});
