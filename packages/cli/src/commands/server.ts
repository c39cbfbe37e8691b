import type { Command } from 'commander';
import type { Ctx } from '../context.js';

interface ServerOptions {
  readonly port?: string;
  readonly host?: string;
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly logLevel?: string;
  readonly machineDomain?: string;
  readonly adminEmail?: string;
}

export function register(parent: Command, ctx: Ctx): Command {
  // No commander defaults: the server's loadConfig applies flags, then HANGAR_* variables, then defaults,
  // and reports every problem at once.
  return parent
    .command('server')
    .description('run the Hangar server (on an empty database it creates an administrator and prints its credentials once)')
    .option('--port <port>', 'port to listen on; 0 picks a free one (env HANGAR_PORT, default 8080)')
    .option('--host <host>', 'address to listen on (env HANGAR_HOST, default 0.0.0.0)')
    .option('--data-dir <dir>', 'where Hangar keeps its files (env HANGAR_DATA_DIR, default ./hangar-data)')
    .option(
      '--database-url <url>',
      'postgres://… for PostgreSQL, or a SQLite file path (env HANGAR_DATABASE_URL, default <data-dir>/hangar.db)',
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (env HANGAR_LOG_LEVEL, default info)')
    .option('--machine-domain <domain>', 'DNS domain machine parts are addressed under (env HANGAR_MACHINE_DOMAIN)')
    .option(
      '--admin-email <email>',
      'email of the administrator created on first start (env HANGAR_ADMIN_EMAIL, default admin@hangar.local)',
    )
    .action(async (opts: ServerOptions, cmd: Command) => {
      const inv = ctx.invocation(cmd);
      inv.log('starting the server');
      // The server drains requests on SIGINT/SIGTERM itself.
      ctx.releaseInterrupt();
      const { runServer } = await import('@hangar/server');
      await runServer({
        port: opts.port,
        host: opts.host,
        dataDir: opts.dataDir,
        databaseUrl: opts.databaseUrl,
        logLevel: opts.logLevel,
        machineDomain: opts.machineDomain,
        adminEmail: opts.adminEmail,
      });
    });
}
