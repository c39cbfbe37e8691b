/**
 * The SCRAM-SHA-256 verifier ConfigureDatabaseUser stores, checked as a PostgreSQL server checks a login:
 * node-postgres's own client computes the proof from the password, and the verifier must accept it (and
 * reject a wrong password). This machine's PostgreSQL trusts local logins, so the feature test cannot.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { it } from 'node:test';
import { scramVerifier } from './data.service.js';

interface Session {
  clientNonce: string;
  response: string;
  serverSignature?: string;
}
const sasl = createRequire(import.meta.url)('pg/lib/crypto/sasl.js') as {
  startSession(mechanisms: string[]): Session;
  continueSession(session: Session, password: string, serverData: string): Promise<void>;
};

/** The server's half of a SCRAM exchange against a stored verifier: does the client's proof hold? */
async function login(verifier: string, password: string): Promise<boolean> {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  assert.ok(m, verifier);
  const [, iterations, salt, storedKey, serverKey] = m as unknown as [string, string, string, string, string];
  const session = sasl.startSession(['SCRAM-SHA-256']);
  const nonce = session.clientNonce + randomBytes(18).toString('base64');
  const serverFirst = `r=${nonce},s=${salt},i=${iterations}`;
  await sasl.continueSession(session, password, serverFirst);
  const finalWithoutProof = `c=biws,r=${nonce}`;
  const proof = Buffer.from(/,p=(.+)$/.exec(session.response)?.[1] ?? '', 'base64');
  const authMessage = `n=*,r=${session.clientNonce},${serverFirst},${finalWithoutProof}`;
  const signature = createHmac('sha256', Buffer.from(storedKey, 'base64')).update(authMessage).digest();
  const clientKey = Buffer.from(proof.map((b, i) => b ^ (signature[i] ?? 0)));
  const ok = createHash('sha256').update(clientKey).digest('base64') === storedKey;
  if (ok) {
    const expected = createHmac('sha256', Buffer.from(serverKey, 'base64')).update(authMessage).digest('base64');
    assert.equal(session.serverSignature, expected, "the server's signature is what the client expects");
  }
  return ok;
}

it('stores a SCRAM-SHA-256 verifier that accepts the password and nothing else', async () => {
  const verifier = scramVerifier('secret-pass-1');
  assert.match(verifier, /^SCRAM-SHA-256\$4096:/);
  assert.ok(!verifier.includes('secret-pass-1'));
  assert.equal(await login(verifier, 'secret-pass-1'), true);
  assert.equal(await login(verifier, 'secret-pass-2'), false);
  assert.notEqual(scramVerifier('secret-pass-1'), verifier, 'a fresh salt each time');
});
