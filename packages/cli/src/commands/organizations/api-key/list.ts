import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { apiKeyInfoJson, toDate } from '../../../format.js';
import { addResourceOption, requiredResource } from '../../../options.js';
import { table } from '../../../output.js';
import { resolveOrganization } from '../../../resolve.js';
import { namesIn } from '../../../roles.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('list')
    .description("list an organization's API keys: id, name, when created, and the roles each holds (never the secrets)");
  addResourceOption(cmd, 'orgId', 'the organization');
  return cmd.action(async (opts: Record<string, unknown>, c: Command) => {
    const inv = ctx.invocation(c);
    const input = requiredResource(opts, 'orgId');
    const client = await inv.client();
    const org = await resolveOrganization(client, input, '--org-id');
    const keys = (await client.listKeys(org.id)).map(apiKeyInfoJson);
    if (keys.length === 0) inv.out.notice('No API keys in this organization.');
    const names =
      inv.json || keys.length === 0
        ? undefined
        : await namesIn(
            client,
            org,
            keys.flatMap((k) => k.roles),
            false,
          );
    inv.out.result(keys, (list) =>
      names === undefined
        ? ''
        : table(
            ['NAME', 'ID', 'CREATED', 'ROLES'],
            list.map((k) => [
              k.name,
              k.id,
              inv.out.time(toDate(k.createdOn)),
              k.roles.length === 0 ? '-' : k.roles.map((r) => `${r.role} on ${names.resource(r.resourceType, r.resourceId)}`).join(', '),
            ]),
          ),
    );
  });
}
