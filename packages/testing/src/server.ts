/**
 * Starts the real server in-process on port 0 against a fresh database, with the clients tests talk
 * through: our AppClient, the official @viamrobotics/sdk, raw transports and the built CLI.
 */
import { createLogger, loadConfig, startApp, type InitialAdmin, type RunningApp } from '@hangar/server';
import { AppClient, type Credentials, type Protocol } from '@hangar/sdk';
import { freshDatabase, type TestDatabase } from './databases.js';
import { createTestClock, type TestClock } from './clock.js';
import type { TestEngine } from './engines.js';

export interface TestServer {
  readonly engine: TestEngine;
  readonly url: string;
  readonly port: number;
  readonly app: RunningApp;
  readonly db: TestDatabase;
  readonly clock: TestClock;
  /** The administrator bootstrap created: user, organization and owner API key. */
  readonly admin: InitialAdmin;
  /** AppClient authenticated with the administrator's organization-owner API key. */
  readonly client: AppClient;
  connect(credentials: Credentials, protocol?: Protocol): Promise<AppClient>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Server log level; HANGAR_TEST_LOG_LEVEL overrides (e.g. debug when a test misbehaves). */
  readonly logLevel?: string;
  /** More server flags, as `hangar server` takes them (camelCase), e.g. `{ maxLocationDepth: '3' }`. */
  readonly flags?: Readonly<Record<string, string>>;
  /** Start on this database (and data dir) instead of a fresh one, e.g. a second replica or a restart. */
  readonly database?: TestDatabase;
  /** Whether this server drops the database when it closes (default: when it created it). */
  readonly ownsDatabase?: boolean;
}

export async function startTestServer(engine: TestEngine, options: TestServerOptions = {}): Promise<TestServer> {
  const db = options.database ?? (await freshDatabase(engine));
  const ownsDatabase = options.ownsDatabase ?? options.database === undefined;
  const clock = createTestClock();
  const config = loadConfig(
    {
      port: '0',
      host: '127.0.0.1',
      dataDir: db.dataDir,
      databaseUrl: db.url,
      logLevel: process.env.HANGAR_TEST_LOG_LEVEL ?? options.logLevel ?? 'silent',
      ...db.serverFlags,
      ...options.flags,
    },
    {},
  );
  let app: RunningApp;
  try {
    app = await startApp({ config, log: createLogger(config.logLevel), now: () => clock.now() });
  } catch (err) {
    if (ownsDatabase) await db.drop();
    throw err;
  }
  const admin = app.initialAdmin ?? db.admin;
  if (admin === undefined) throw new Error('a fresh database must bootstrap an administrator');
  db.admin = admin;
  const url = app.url;
  const connect = (credentials: Credentials, protocol: Protocol = 'connect') => AppClient.connect({ url, credentials, protocol });
  const client = await connect({ type: 'api-key', keyId: admin.apiKeyId, key: admin.apiKey });
  let closed = false;
  return {
    engine,
    url,
    port: app.port,
    app,
    db,
    clock,
    admin,
    client,
    connect,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      if (ownsDatabase) await db.drop();
    },
  };
}
