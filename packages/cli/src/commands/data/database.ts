import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { usageError } from '../../errors.js';

function orgIdOf(opts: Record<string, unknown>): string {
  if (typeof opts.orgId !== 'string' || opts.orgId === '')
    throw usageError('--org-id is required: the organization whose data the user reads', 'e.g. --org-id <org id>');
  return opts.orgId;
}

export function registerConfigure(parent: Command, ctx: Ctx): Command {
  return parent
    .command('configure')
    .description('create a read-only database user for the organization, or change its password (PostgreSQL servers)')
    .option('--org-id <id>', 'org ID for the database user')
    .option('--password <password>', 'password for the database user being configured')
    .addHelpText('after', '\nExamples:\n  hangar data database configure --org-id=abc --password=my_password123')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const orgId = orgIdOf(opts);
      if (typeof opts.password !== 'string' || opts.password === '')
        throw usageError('--password is required: the new password of the database user');
      const client = await inv.client();
      const data = client.dataClient();
      const before = await data.getDatabaseConnection(orgId);
      if (before.hasDatabaseUser) inv.out.notice(`Organization ${orgId} already has a database user: setting its new password.`);
      await data.configureDatabaseUser(orgId, opts.password);
      inv.out.result({ organization_id: orgId, configured: true }, () => `Configured database user for org ${orgId}`);
    });
}

export function registerHostname(parent: Command, ctx: Ctx): Command {
  return parent
    .command('hostname')
    .description('get the database hostname and connection URI for the organization')
    .option('--org-id <id>', 'org ID for the database user')
    .addHelpText('after', '\nExamples:\n  hangar data database hostname --org-id=abc')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const orgId = orgIdOf(opts);
      const client = await inv.client();
      const got = await client.dataClient().getDatabaseConnection(orgId);
      inv.out.result({ organization_id: orgId, hostname: got.hostname, uri: got.uri, has_database_user: got.hasDatabaseUser }, (r) =>
        [
          `MongoDB Atlas Data Federation instance hostname: ${r.hostname}`,
          `MongoDB Atlas Data Federation instance connection URI: ${r.uri}`,
          ...(r.has_database_user ? [] : ['No database user yet: run "hangar data database configure --org-id … --password …" first.']),
        ].join('\n'),
      );
    });
}
