import type { Command } from 'commander';
import { LIMITS, LIMIT_NAMES } from '@hangar/server/settings';
import type { Ctx } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { details } from '../output.js';

type ServerOptions = Record<string, string | boolean | undefined>;

/** The flags every command that opens the database takes. */
function storeOptions(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'where Hangar keeps its files (env HANGAR_DATA_DIR, default ./hangar-data)')
    .option(
      '--database-url <url>',
      'postgres://… for PostgreSQL, or a SQLite file path (env HANGAR_DATABASE_URL, default <data-dir>/hangar.db)',
    )
    .option(
      '--secret-key-file <file>',
      'the secret key (required with PostgreSQL, the same file on every replica; env HANGAR_SECRET_KEY_FILE, or HANGAR_SECRET_KEY with the key itself; default <data-dir>/secret.key for SQLite)',
    );
}

export function register(parent: Command, ctx: Ctx): Command {
  // No commander defaults: the server's loadConfig applies flags, then HANGAR_* variables, then defaults,
  // and reports every problem at once.
  const server = storeOptions(
    parent
      .command('server')
      .description('run the Hangar server (on an empty database it creates an administrator and prints its credentials once)')
      .option('--port <port>', 'port to listen on; 0 picks a free one (env HANGAR_PORT, default 8080)')
      .option('--host <host>', 'address to listen on (env HANGAR_HOST, default 0.0.0.0)'),
  )
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (env HANGAR_LOG_LEVEL, default info)')
    .option('--machine-domain <domain>', 'DNS domain machine parts are addressed under (env HANGAR_MACHINE_DOMAIN)')
    .option(
      '--admin-email <email>',
      'email of the administrator created on first start (env HANGAR_ADMIN_EMAIL, default admin@hangar.local)',
    )
    .option(
      '--public-url <url>',
      'the http(s):// URL users reach this server at, for the links in invitation mails (env HANGAR_PUBLIC_URL)',
    )
    .option(
      '--smtp-url <url>',
      'smtp://user:password@host:port or smtps://… to mail invitations through (env HANGAR_SMTP_URL; default: send no mail)',
    )
    .option('--smtp-from <sender>', 'the sender of invitation mails (env HANGAR_SMTP_FROM, default "Hangar <hangar@localhost>")')
    .option(
      '--blob-url <url>',
      's3://bucket/prefix: keep registry files in an S3-compatible object store, configured by the standard AWS_* variables (env HANGAR_BLOB_URL; default: the data directory)',
    )
    .option('--metrics', 'serve GET /metrics in Prometheus text format (env HANGAR_METRICS=on|off, default on)')
    .option('--no-metrics', 'answer GET /metrics with 404');
  for (const name of LIMIT_NAMES) {
    const limit = LIMITS[name];
    server.option(
      `${limit.flag} <${limit.unit.replaceAll(' ', '-')}>`,
      `${limit.description} (env ${limit.env}, default ${limit.default})`,
    );
  }
  server
    .addHelpText(
      'after',
      `
Examples:
  hangar server                                   # SQLite in ./hangar-data
  hangar server generate-secret-key > /etc/hangar/secret.key && chmod 600 /etc/hangar/secret.key
  hangar server --database-url postgres://hangar@db/hangar --secret-key-file /etc/hangar/secret.key
  hangar server --public-url https://hangar.example.com --smtp-url smtps://hangar:pw@mail.example.com:465
  hangar server rotate-signing-key --revoke-previous --data-dir ./hangar-data`,
    )
    .action(async (opts: ServerOptions, cmd: Command) => {
      const inv = ctx.invocation(cmd);
      inv.log('starting the server');
      // The server drains requests on SIGINT/SIGTERM itself.
      ctx.releaseInterrupt();
      const { runServer } = await import('@hangar/server');
      await runServer(opts);
    });

  server
    .command('generate-secret-key')
    .description('print a new secret key (32 random bytes, base64) for --secret-key-file or HANGAR_SECRET_KEY')
    .action(async (_opts: object, cmd: Command) => {
      const inv = ctx.invocation(cmd);
      const { generateSecretKey } = await import('@hangar/server');
      inv.out.result({ secretKey: generateSecretKey() }, (k) => k.secretKey);
    });

  storeOptions(
    server
      .command('rotate-signing-key')
      .description(
        'start signing access tokens with a new key; tokens signed earlier keep working until they expire, or stop at once with --revoke-previous',
      )
      .option(
        '--revoke-previous',
        'delete every older signing key: every token signed with one stops working (within the refresh interval)',
      ),
  ).action(async (_opts: object, cmd: Command) => {
    const inv = ctx.invocation(cmd);
    const { rotateSigningKey, ConfigError, ServerKeyError } = await import('@hangar/server');
    // The store flags may be given before or after the subcommand's name; commander files the former
    // under `hangar server`.
    const all = cmd.optsWithGlobals<ServerOptions & { revokePrevious?: boolean }>();
    try {
      const text = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);
      const flags = { dataDir: text(all.dataDir), databaseUrl: text(all.databaseUrl), secretKeyFile: text(all.secretKeyFile) };
      const rotation = await rotateSigningKey(flags, { revokePrevious: all.revokePrevious === true });
      inv.out.result(rotation, (r) =>
        details([
          ['New signing key', r.keyId],
          ['Keys revoked', String(r.revoked)],
          ['Takes effect', 'on every server within its --signing-key-refresh-seconds'],
        ]),
      );
    } catch (err) {
      if (err instanceof ConfigError || err instanceof ServerKeyError) {
        throw new CliError(err.message, {
          exitCode: EXIT.usage,
          code: 'USAGE',
          hint: 'pass the same --data-dir, --database-url and --secret-key-file the server runs with',
        });
      }
      throw err;
    }
  });
  return server;
}
