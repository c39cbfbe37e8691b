import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { runCli, tempHome } from '../cli.js';
import { seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import {
  CLI_VERSION,
  NO_TERMINAL_SKIP,
  assertError,
  runInTerminal,
  cliFor,
  configPath,
  jsonError,
  loginAsAdmin,
  loginWithKey,
  readConfig,
  writeConfig,
} from './helpers.js';

const DAY_MS = 24 * 60 * 60 * 1000;

await describeEngines('hangar login, whoami, logout', (server) => {
  it('logs in with --email and --password-stdin, keeps the token (not the password) in a 0600 file, and whoami prints the email', async () => {
    const s = server();
    // A home that does not exist yet: the CLI creates it, private to the user.
    const home = join(await tempHome(), 'nested', '.hangar');
    const cli = cliFor(s, home);
    const before = Date.now();
    const r = await cli(['login', '--email', s.admin.email, '--password-stdin'], { stdin: `${s.admin.password}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`^Logged in to ${s.url} as ${s.admin.email} \\(session expires \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\)\\n$`),
    );

    assert.equal((await stat(configPath(home))).mode & 0o777, 0o600);
    assert.equal((await stat(home)).mode & 0o777, 0o700);
    const raw = await readFile(configPath(home), 'utf8');
    assert.ok(!raw.includes(s.admin.password), 'the password is never stored');
    const config = await readConfig(home);
    assert.equal(config.server, s.url);
    assert.equal(config.session?.type, 'password');
    assert.equal(config.session.email, s.admin.email);
    assert.equal(config.session.server, s.url);
    assert.match(config.session.accessToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const expiresIn = Date.parse(config.session.expiresAt) - before;
    assert.ok(expiresIn > DAY_MS - 60_000 && expiresIn <= DAY_MS + 60_000, `the session lasts 24 hours, got ${expiresIn} ms`);

    const who = await cli(['whoami']);
    assert.equal(who.code, 0);
    assert.equal(who.stdout, `${s.admin.email}\n`);
    const whoJson = await cli(['whoami', '--json']);
    assert.deepEqual(whoJson.json(), {
      loggedIn: true,
      type: 'password',
      email: s.admin.email,
      server: s.url,
      expiresAt: config.session.expiresAt,
    });

    // The session works: the administrator owns the default organization.
    const orgs = await cli(['organizations', 'list', '--json']);
    assert.equal(orgs.code, 0, orgs.stderr);
    assert.ok(orgs.json<{ id: string }[]>().some((o) => o.id === s.admin.organizationId));
  });

  it(
    'on a terminal, asks for the email and the password without echoing it, and shows relative times',
    { skip: NO_TERMINAL_SKIP },
    async () => {
      const s = server();
      const home = await tempHome();
      const run = await runInTerminal(['login'], {
        home,
        server: s.url,
        answers: [
          ['Email: ', s.admin.email],
          ['Password: ', s.admin.password],
        ],
      });
      assert.equal(run.code, 0, run.screen);
      assert.ok(!run.screen.includes(s.admin.password), `the password was echoed:\n${run.screen}`);
      assert.match(run.screen, new RegExp(`Logged in to ${s.url} as ${s.admin.email} \\(session expires in 24 hours\\)\\n$`));
      assert.equal((await readConfig(home)).session?.email, s.admin.email);
    },
  );

  it('prints the session as JSON on login --json', async () => {
    const s = server();
    const cli = cliFor(s, await tempHome());
    // --disable-browser-open is accepted for Viam CLI compatibility; Hangar never opens a browser.
    const r = await cli(['login', '--email', s.admin.email.toUpperCase(), '--password-stdin', '--disable-browser-open', '--json'], {
      stdin: s.admin.password,
    });
    assert.equal(r.code, 0, r.stderr);
    const config = await readConfig(cli.home);
    assert.deepEqual(r.json(), {
      loggedIn: true,
      type: 'password',
      email: s.admin.email.toUpperCase(),
      server: s.url,
      expiresAt: config.session?.expiresAt,
    });
  });

  it('logs in with an API key without storing its secret, and whoami names the key', async () => {
    const s = server();
    const a = await seedOrg(s);
    const cli = cliFor(s, await tempHome());
    const login = await cli(['login', 'api-key', '--key-id', a.ownerKey.id, '--key', a.ownerKey.key]);
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, new RegExp(`^Logged in to ${s.url} as API key ${a.ownerKey.id} \\(session expires [\\dT:.Z-]+\\)\\n$`));
    const raw = await readFile(configPath(cli.home), 'utf8');
    assert.ok(!raw.includes(a.ownerKey.key), 'the key secret is never stored');
    assert.equal((await stat(configPath(cli.home))).mode & 0o777, 0o600);
    assert.equal((await cli(['whoami'])).stdout, `API key ${a.ownerKey.id}\n`);
    const who = (await cli(['whoami', '--json'])).json<Record<string, unknown>>();
    assert.deepEqual(who, {
      loggedIn: true,
      type: 'api-key',
      keyId: a.ownerKey.id,
      server: s.url,
      expiresAt: (await readConfig(cli.home)).session?.expiresAt,
    });
    const orgs = await cli(['organizations', 'list', '--json']);
    assert.deepEqual(
      orgs.json<{ id: string }[]>().map((o) => o.id),
      [a.org.id],
    );
  });

  it('prints the access token of the session, which the SDK accepts', async () => {
    const s = server();
    const a = await seedOrg(s);
    const cli = await loginWithKey(s, a.ownerKey);
    const r = await cli(['login', 'print-access-token']);
    assert.equal(r.code, 0, r.stderr);
    const token = r.stdout.trimEnd();
    assert.equal(r.stdout, `${token}\n`);
    assert.equal(token, (await readConfig(cli.home)).session?.accessToken);
    const viaToken = await s.connect({ type: 'access-token', token });
    assert.deepEqual(
      (await viaToken.listOrganizations()).map((o) => o.id),
      [a.org.id],
    );
    const json = (await cli(['login', 'print-access-token', '--json'])).json();
    assert.deepEqual(json, { accessToken: token, expiresAt: (await readConfig(cli.home)).session?.expiresAt });
  });

  it('logs out: the token is forgotten, whoami says Not logged in, and commands exit 4 telling to log in', async () => {
    const s = server();
    const a = await seedOrg(s);
    const cli = await loginWithKey(s, a.ownerKey);
    const r = await cli(['logout']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Logged out of ${s.url} (API key ${a.ownerKey.id}).\n`);
    const config = await readConfig(cli.home);
    assert.deepEqual(config, { version: 1, server: s.url }, 'only the server is remembered');

    const who = await cli(['whoami']);
    assert.equal(who.code, 0);
    assert.equal(who.stdout, 'Not logged in\n');
    assert.deepEqual((await cli(['whoami', '--json'])).json(), { loggedIn: false });
    assertError(await cli(['organizations', 'list']), 4, `not signed in to ${s.url}`, 'hangar login');
    assertError(await cli(['login', 'print-access-token']), 4, 'not signed in', 'hangar login');
    // Logging out twice is not an error.
    const again = await cli(['logout', '--json']);
    assert.equal(again.code, 0);
    assert.deepEqual(again.json(), { loggedOut: false });
  });

  it('says Not logged in on a fresh home, and a signed-in command exits 4 with a JSON error under --json', async () => {
    const s = server();
    const cli = cliFor(s, await tempHome());
    const who = await cli(['whoami']);
    assert.equal(who.code, 0);
    assert.equal(who.stdout, 'Not logged in\n');
    const r = await cli(['organizations', 'list', '--json']);
    assert.equal(r.code, 4);
    assert.equal(r.stdout, '');
    const error = jsonError(r);
    assert.equal(error.code, 'UNAUTHENTICATED');
    assert.equal(error.message, `not signed in to ${s.url}`);
    assert.match(error.hint ?? '', /hangar login/);
    // Stack traces only with --debug or HANGAR_DEBUG=1.
    assert.ok(!(await cli(['organizations', 'list'])).stderr.includes('    at '));
    assert.match((await cli(['organizations', 'list', '--debug'])).stderr, /^CliError: not signed in[^\n]*\n {4}at /m);
    assert.match((await cli(['organizations', 'list'], { env: { HANGAR_DEBUG: '1' } })).stderr, /\n {4}at /);
  });

  it('rejects a wrong password and an unknown API key with exit 4, storing nothing', async () => {
    const s = server();
    const cli = cliFor(s, await tempHome());
    assertError(
      await cli(['login', '--email', s.admin.email, '--password-stdin'], { stdin: 'wrong password' }),
      4,
      `login to ${s.url} failed: invalid credentials`,
      'hangar login',
    );
    assertError(
      await cli(['login', 'api-key', '--key-id', '00000000-0000-4000-8000-000000000000', '--key', 'nope']),
      4,
      'invalid credentials',
      'hangar login api-key --key-id 00000000-0000-4000-8000-000000000000',
    );
    await assert.rejects(readFile(configPath(cli.home)), { code: 'ENOENT' });
  });

  it('treats a session past its expiry as signed out: exit 4 with "hangar login", whoami says Not logged in', async () => {
    const s = server();
    const a = await seedOrg(s);
    const cli = await loginWithKey(s, a.ownerKey);
    const config = await readConfig(cli.home);
    assert.ok(config.session !== undefined);
    const expiredAt = new Date(Date.now() - 60_000).toISOString();
    await writeConfig(cli.home, { ...config, session: { ...config.session, expiresAt: expiredAt } });
    assertError(
      await cli(['organizations', 'list']),
      4,
      `your session expired at ${expiredAt}`,
      `hangar login api-key --key-id ${a.ownerKey.id}`,
    );
    const who = await cli(['whoami']);
    assert.equal(who.code, 0);
    assert.equal(who.stdout, 'Not logged in\n');
    assert.match(who.stderr, /expired/);
  });

  it('reports a token the server rejects with exit 4 and tells to log in again', async () => {
    const s = server();
    const a = await seedOrg(s);
    const cli = await loginWithKey(s, a.ownerKey);
    const config = await readConfig(cli.home);
    assert.ok(config.session !== undefined);
    await writeConfig(cli.home, { ...config, session: { ...config.session, accessToken: 'not.a.token' } });
    assertError(
      await cli(['organizations', 'list']),
      4,
      `${s.url} rejected your session: invalid access token`,
      `hangar login api-key --key-id ${a.ownerKey.id}`,
    );
  });

  it('uses the server of the last login when neither --server nor HANGAR_URL is given', async () => {
    const s = server();
    const a = await seedOrg(s);
    const home = await tempHome();
    const login = await runCli(['--server', `${s.url}/`, 'login', 'api-key', '--key-id', a.ownerKey.id, '--key', a.ownerKey.key], { home });
    assert.equal(login.code, 0, login.stderr);
    const list = await runCli(['organizations', 'list', '--json'], { home });
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      list.json<{ id: string }[]>().map((o) => o.id),
      [a.org.id],
    );
    // Another server: the session is not sent there.
    assertError(
      await runCli(['organizations', 'list', '--server', 'http://127.0.0.1:1'], { home }),
      4,
      `not signed in to http://127.0.0.1:1 (your session is for ${s.url})`,
    );
  });

  it('exits 2 on bad usage, naming the problem and the help to read', async () => {
    const s = server();
    const cli = cliFor(s, await tempHome());
    assertError(await cli(['frobnicate']), 2, "unknown command 'frobnicate'", 'hangar --help');
    assertError(
      await cli(['organizations', 'list', '--bogus']),
      2,
      "unknown option '--bogus'",
      'run "hangar organizations list --help" for usage',
    );
    assertError(await cli(['organizations', 'list', 'extra']), 2, 'too many arguments');
    assertError(
      await cli(['login', 'api-key', '--key-id', 'abc']),
      2,
      "required option '--key <secret>' not specified",
      'hangar login api-key --help',
    );
    assertError(await cli(['organizations', 'create']), 2, "missing required argument 'name'");
    // No terminal to ask on, and no --password-stdin.
    assertError(await cli(['login', '--email', s.admin.email]), 2, 'needs a terminal', '--password-stdin');
    assertError(await cli(['login', '--password-stdin'], { stdin: 'x' }), 2, '--password-stdin needs --email');
    assertError(await cli(['organizations', 'list', '--server', 'ftp://example.com']), 2, '--server: expected an http:// or https:// URL');
    const json = await cli(['organizations', 'rename', 'x', '--json']);
    assert.equal(json.code, 2);
    assert.equal(jsonError(json).code, 'USAGE');
  });

  it('prints help and its version with exit 0', async () => {
    const s = server();
    const cli = cliFor(s, await tempHome());
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['login', 'logout', 'whoami', 'organizations', 'locations', 'server', 'version']) {
      assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'));
    }
    const sub = await cli(['locations', 'api-key', 'create', '--help']);
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /--location-id <location>/);
    assert.match(sub.stdout, /--json/, 'global options are shown with every command');
    const version = await cli(['version']);
    assert.equal(version.code, 0);
    assert.equal(version.stdout, `hangar ${CLI_VERSION}\n`);
    assert.deepEqual((await cli(['version', '--json'])).json(), { version: CLI_VERSION });
  });

  it('reports an unreachable server with exit 1 and what to check', async () => {
    const s = server();
    const cli = cliFor(s, await tempHome());
    assertError(
      await cli(['login', 'api-key', '--key-id', s.admin.apiKeyId, '--key', s.admin.apiKey], { server: 'http://127.0.0.1:1' }),
      1,
      'cannot reach the Hangar server at http://127.0.0.1:1',
      '--server or HANGAR_URL',
    );
  });

  it('reports a token that expired on the server with exit 4 and tells to log in again', async () => {
    // Last in this file: it moves the server's clock past the 24-hour token lifetime.
    const s = server();
    const admin = await loginAsAdmin(s);
    s.clock.advance(25 * 60 * 60 * 1000);
    assertError(
      await admin(['organizations', 'list']),
      4,
      `${s.url} rejected your session: access token expired`,
      'run "hangar login" to sign in again',
    );
  });
});
