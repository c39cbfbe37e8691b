/** `hangar server`: parse the configuration, start, print the first-start credentials, stop cleanly on a signal. */
import { initialAdminBanner, writeInitialAdmin } from './bootstrap.js';
import { ConfigError, loadConfig, type ConfigInput } from './config.js';
import { startApp } from './app.js';
import { createLogger } from './log.js';
import { redactUrl } from '@hangar/store';
import { ServerKeyError } from './crypto/server-key.js';

export async function runServer(flags: ConfigInput): Promise<void> {
  // Everything the server writes (database, WAL, secret key, initial-admin.json) is for its user only.
  process.umask(0o077);
  let config;
  try {
    config = loadConfig(flags);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hangar server: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  let app;
  try {
    app = await startApp({ config, log });
  } catch (err) {
    if (err instanceof ServerKeyError) {
      process.stderr.write(`hangar server: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (app.initialAdmin !== undefined) {
    const file = await writeInitialAdmin(config.dataDir, app.initialAdmin);
    process.stdout.write(initialAdminBanner(app.initialAdmin, file, app.url));
  }
  log.info({ url: app.url, port: app.port, engine: app.engine, database: redactUrl(config.databaseUrl) }, `hangar listening on ${app.url}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: draining requests');
    app.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
