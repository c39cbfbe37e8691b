import { Option, type Command } from 'commander';
import type { AppClient, appApi } from '@hangar/sdk';
import type { Ctx } from '../../context.js';
import { CliError } from '../../errors.js';
import { quote, roleJson, type ResourceType } from '../../format.js';
import { addResourceOption, requiredResource } from '../../options.js';
import { table } from '../../output.js';
import { byName, isId, machinesInScope, resolveOrganization } from '../../resolve.js';
import { namesIn, RESOURCE_TYPES, resolveResource, resourceNoun } from '../../roles.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('list').description('list the roles in an organization: who holds which role on what');
  addResourceOption(cmd, 'organization', 'the organization');
  return cmd
    .option('--resource <name|id>', 'only roles on this organization, location or machine (repeat for several)', collect, [])
    .addOption(
      new Option('--resource-type <type>', 'what the --resource names are: organization, location or robot').choices(RESOURCE_TYPES),
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const orgInput = requiredResource(opts, 'organization');
      const resources = (opts.resource as string[]).map((r) => r.trim()).filter((r) => r !== '');
      const type = opts.resourceType as ResourceType | undefined;
      const client = await inv.client();
      const org = await resolveOrganization(client, orgInput);
      const ids = await Promise.all(resources.map((r) => resourceId(client, org, r, type)));
      const roles = (await client.listAuthorizations(org.id, ids)).map(roleJson);
      if (roles.length === 0) inv.out.notice(ids.length > 0 ? 'No roles on these resources.' : 'No roles in this organization.');
      const names = inv.json || roles.length === 0 ? undefined : await namesIn(client, org, roles, true);
      inv.out.result(roles, (list) =>
        names === undefined
          ? ''
          : table(
              ['IDENTITY', 'ROLE', 'RESOURCE', 'RESOURCE ID'],
              list.map((r) => [
                names.identity(r.identityType, r.identityId),
                r.role,
                names.resource(r.resourceType, r.resourceId),
                r.resourceId,
              ]),
            ),
      );
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** An id as is; a name of the given type, or of any type when none is given (it must then be unique). */
async function resourceId(client: AppClient, org: appApi.Organization, input: string, type: ResourceType | undefined): Promise<string> {
  if (isId(input)) return input.toLowerCase();
  if (type !== undefined) return (await resolveResource(client, org, { type, resource: input, flag: '--resource' })).id;
  const [locations, machines] = await Promise.all([client.listLocations(org.id), machinesInScope(client, { organization: org })]);
  const matches = [
    ...byName([org], input).map((o) => ({ type: 'organization' as const, id: o.id })),
    ...byName(locations, input).map((l) => ({ type: 'location' as const, id: l.id })),
    ...byName(
      machines.map((m) => m.robot),
      input,
    ).map((r) => ({ type: 'robot' as const, id: r.id })),
  ];
  const [first, ...rest] = matches;
  if (first === undefined) {
    throw new CliError(`nothing in organization ${quote(org.name)} is named ${quote(input)}`, {
      code: 'NOT_FOUND',
      hint: 'pass an id, or a name from "hangar locations list" or "hangar robots list"',
    });
  }
  if (rest.length > 0) {
    const oneType = matches.every((m) => m.type === first.type);
    const what = oneType ? `${resourceNoun(first.type)}s` : 'things';
    throw new CliError(
      `${matches.length} ${what} are named ${quote(input)}: ${matches.map((m) => `${resourceNoun(m.type)} ${m.id}`).join(', ')}`,
      {
        code: 'INVALID_ARGUMENT',
        hint: `pass the id instead: --resource <id>${oneType ? '' : ', or say what it is with --resource-type'}`,
      },
    );
  }
  return first.id;
}
