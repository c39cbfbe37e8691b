/**
 * Credentials at rest and tokens: the data dir and database files are private, nothing stored in the
 * database can mint a token, signing keys rotate, and a user can cut off every token of theirs.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Code } from '@hangar/sdk';
import { openStore } from '@hangar/store';
import { sql } from 'kysely';
import { hasCode } from '../assertions.js';
import { runCli, tempHome } from '../cli.js';
import { flagArgs, freshDatabase } from '../databases.js';
import { engineSkip, testEngines } from '../engines.js';
import { startTestServer, type TestServer } from '../server.js';
import { rawClients } from '../wire-clients.js';
import { cliFor, loginAsAdmin } from '../cli/helpers.js';

const mode = async (path: string) => (await stat(path)).mode & 0o777;

/** Every short text value in every table: what someone holding a copy of the database can read. */
async function everyStoredString(s: TestServer): Promise<string[]> {
  const store = openStore({ url: s.db.url, poolSize: 1 });
  try {
    const tables =
      store.engine === 'sqlite'
        ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(store.db)).rows.map((r) => r.name)
        : (
            await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public'`.execute(
              store.db,
            )
          ).rows.map((r) => r.name);
    const values: string[] = [];
    for (const table of tables) {
      const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(store.db)).rows;
      for (const row of rows) for (const v of Object.values(row)) if (typeof v === 'string' && v.length <= 200) values.push(v);
    }
    return values;
  } finally {
    await store.close();
  }
}

/** The key material a value could be, read as base64, hex or plain text. */
function keyCandidates(value: string): Buffer[] {
  const out = [Buffer.from(value, 'utf8')];
  if (/^[A-Za-z0-9+/_-]+=*$/.test(value)) out.push(Buffer.from(value, 'base64'));
  if (/^[0-9a-f]+$/i.test(value) && value.length % 2 === 0) out.push(Buffer.from(value, 'hex'));
  return out.filter((b) => b.length >= 16);
}

function forge(header: Record<string, unknown>, claims: Record<string, unknown>, key: Buffer): string {
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${h}.${p}.${createHmac('sha256', key).update(`${h}.${p}`).digest('base64url')}`;
}

function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Retries `check` until it passes or `ms` run out (for changes other replicas pick up on a timer). */
async function eventually(check: () => Promise<void>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

for (const engine of testEngines()) {
  const skip = await engineSkip(engine);
  describe(`credentials at rest and tokens [${engine}]`, { skip }, () => {
    const servers: TestServer[] = [];
    after(async () => {
      for (const s of servers) await s.close();
    });
    const start = async (...args: Parameters<typeof startTestServer>) => {
      const s = await startTestServer(...args);
      servers.push(s);
      return s;
    };

    it('creates its data dir 0700 and every file in it 0600', async () => {
      const base = await freshDatabase(engine);
      // A data dir that does not exist yet, as on a first start.
      const dataDir = join(base.dataDir, 'fresh', 'data');
      const s = await start(engine, {
        database: { ...base, dataDir, ...(engine === 'sqlite' && { url: join(dataDir, 'hangar.db') }) },
        ownsDatabase: true,
      });
      await s.client.createOrganization('Some writes');
      assert.equal(await mode(dataDir), 0o700);
      const files = await readdir(dataDir);
      if (engine === 'sqlite') {
        for (const f of ['hangar.db', 'hangar.db-wal', 'hangar.db-shm']) assert.ok(files.includes(f), `${f} exists`);
        assert.ok(files.includes('secret.key'), 'the SQLite default keeps its secret key in the data dir');
      }
      for (const f of files) assert.equal(await mode(join(dataDir, f)), 0o600, `${f} is 0600`);
    });

    it('keeps no key in the database that can sign a token', async () => {
      const s = await start(engine);
      const token = s.client.accessToken;
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
      const header = headerOf(token);
      const forgedClaims = { ...claims, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 10 * 365 * 86400 };
      const values = await everyStoredString(s);
      assert.ok(values.length > 10);
      let tried = 0;
      for (const value of values) {
        for (const key of keyCandidates(value)) {
          tried++;
          const forged = forge(header, forgedClaims, key);
          const { app } = rawClients(s.url, forged);
          await assert.rejects(
            app.getOrganization({ organizationId: s.admin.organizationId }),
            hasCode(Code.Unauthenticated),
            `a token signed with a stored value (${value.slice(0, 12)}…) must be refused`,
          );
        }
      }
      assert.ok(tried > 0);
    });

    it('refuses to start when the secret key does not match the one the database was set up with', async () => {
      const s = await start(engine);
      const wrongKey = join(await mkdtemp(join(tmpdir(), 'hangar-key-')), 'other.key');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(wrongKey, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
      await assert.rejects(
        startTestServer(engine, { database: s.db, ownsDatabase: false, flags: { secretKeyFile: wrongKey } }),
        /secret key does not match/,
      );
    });

    if (engine === 'postgres') {
      it('refuses to start on PostgreSQL without a shared secret key, saying how to make one', async () => {
        const db = await freshDatabase(engine);
        try {
          await assert.rejects(
            startTestServer(engine, { database: { ...db, serverFlags: {} }, ownsDatabase: false }),
            /HANGAR_SECRET_KEY|--secret-key-file/,
          );
        } finally {
          await db.drop();
        }
      });
    }

    it('rotates the signing key: old tokens keep working until cut off on request', async () => {
      const s = await start(engine, { flags: { signingKeyRefreshSeconds: '1' } });
      const oldToken = s.client.accessToken;
      const cliArgs = ['--data-dir', s.db.dataDir, '--database-url', s.db.url, ...flagArgs(s.db.serverFlags)];
      const home = await tempHome();
      const rotated = await runCli(['server', 'rotate-signing-key', ...cliArgs, '--json'], { home });
      assert.equal(rotated.code, 0, rotated.stderr);
      const { keyId } = rotated.json<{ keyId: string }>();
      assert.notEqual(keyId, headerOf(oldToken).kid);

      // New tokens are signed with the new key (once this replica has seen it), old ones still work.
      await eventually(async () => {
        const fresh = await s.connect({ type: 'api-key', keyId: s.admin.apiKeyId, key: s.admin.apiKey });
        assert.equal(headerOf(fresh.accessToken).kid, keyId);
      });
      await rawClients(s.url, oldToken).app.getOrganization({ organizationId: s.admin.organizationId });

      const revoked = await runCli(['server', 'rotate-signing-key', '--revoke-previous', ...cliArgs, '--json'], { home });
      assert.equal(revoked.code, 0, revoked.stderr);
      await eventually(() =>
        assert.rejects(
          rawClients(s.url, oldToken).app.getOrganization({ organizationId: s.admin.organizationId }),
          hasCode(Code.Unauthenticated),
        ),
      );
    });

    it('logs a user out everywhere: every token of theirs stops working, API keys are untouched', async () => {
      const s = await start(engine);
      const elsewhere = await s.connect({ type: 'password', email: s.admin.email, password: s.admin.password });
      await elsewhere.listOrganizations();
      const cli = await loginAsAdmin(s);
      const r = await cli(['logout', '--everywhere', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.json<{ loggedOut: boolean; everywhere: boolean }>().everywhere, true);
      await assert.rejects(elsewhere.listOrganizations(), hasCode(Code.Unauthenticated, /log in again/));
      // The bootstrap API key is a different identity.
      await s.client.listOrganizations();
      // Signing in again works.
      await (await s.connect({ type: 'password', email: s.admin.email, password: s.admin.password })).listOrganizations();
    });

    it('revokes every token of a user whose password changes, and signs them in with the new one', async () => {
      const s = await start(engine);
      const other = await s.connect({ type: 'password', email: s.admin.email, password: s.admin.password });
      const cli = await loginAsAdmin(s);
      const newPassword = `new-${randomBytes(12).toString('hex')}`;
      const tooShort = await cli(['account', 'change-password'], { stdin: `${s.admin.password}\nshort\n` });
      assert.equal(tooShort.code, 1, tooShort.stderr);
      assert.match(tooShort.stderr, /at least 12/);
      const wrong = await cli(['account', 'change-password'], { stdin: `not-the-password\n${newPassword}\n` });
      assert.equal(wrong.code, 4, wrong.stderr);
      const r = await cli(['account', 'change-password', '--json'], { stdin: `${s.admin.password}\n${newPassword}\n` });
      assert.equal(r.code, 0, r.stderr);
      await assert.rejects(other.listOrganizations(), hasCode(Code.Unauthenticated));
      // The CLI stays signed in with a token minted after the change.
      const who = await cli(['organizations', 'list', '--json']);
      assert.equal(who.code, 0, who.stderr);
      await assert.rejects(
        s.connect({ type: 'password', email: s.admin.email, password: s.admin.password }),
        hasCode(Code.Unauthenticated),
      );
      await (await s.connect({ type: 'password', email: s.admin.email, password: newPassword })).listOrganizations();
      // An API key has no password to change.
      const keyCli = cliFor(s, await tempHome());
      const login = await keyCli(['login', 'api-key', '--key-id', s.admin.apiKeyId, '--key', s.admin.apiKey]);
      assert.equal(login.code, 0, login.stderr);
      const refused = await keyCli(['account', 'change-password'], { stdin: `a\nb\n` });
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /API key/);
    });
  });
}
