import type { Command } from 'commander';
import type { appApi } from '@hangar/sdk';
import type { Ctx } from '../../context.js';
import { locationJson, toDate, type LocationJson } from '../../format.js';
import { table, type Output } from '../../output.js';
import { resolveOrganization } from '../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('list')
    .description('list the locations you can see, grouped by organization')
    .argument('[organization]', 'only this organization (name or id)')
    .action(async (organization: string | undefined, _opts: object, cmd: Command) => {
      const inv = ctx.invocation(cmd);
      const client = await inv.client();
      const orgs: appApi.Organization[] =
        organization !== undefined ? [await resolveOrganization(client, organization, '[organization]')] : await client.listOrganizations();
      const groups = await Promise.all(
        orgs.map(async (org) => ({ org, locations: (await client.listLocations(org.id)).map(locationJson) })),
      );
      // JSON: each location once (a shared location is listed under every organization it belongs to).
      const unique = new Map<string, LocationJson>();
      for (const g of groups) for (const l of g.locations) if (!unique.has(l.id)) unique.set(l.id, l);
      if (unique.size === 0) inv.out.notice(organization !== undefined ? 'No locations in this organization.' : 'No locations found.');
      inv.out.result([...unique.values()], () => {
        if (unique.size === 0) return '';
        if (organization !== undefined) return locationTable(groups[0]?.locations ?? [], inv.out);
        return groups
          .map(
            (g) =>
              `${g.org.name} (${g.org.id})\n${g.locations.length === 0 ? '  no locations' : locationTable(g.locations, inv.out, '  ')}`,
          )
          .join('\n\n');
      });
    });
}

/** Children under their parents, indented. */
function locationTable(locations: readonly LocationJson[], out: Output, indent = ''): string {
  const byId = new Map(locations.map((l) => [l.id, l]));
  const children = new Map<string | null, LocationJson[]>();
  for (const l of locations) {
    const parent = l.parentLocationId !== null && byId.has(l.parentLocationId) ? l.parentLocationId : null;
    children.set(parent, [...(children.get(parent) ?? []), l]);
  }
  const rows: string[][] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const l of (children.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name))) {
      rows.push(['  '.repeat(depth) + l.name, l.id, String(l.robotCount), out.time(toDate(l.createdOn))]);
      walk(l.id, depth + 1);
    }
  };
  walk(null, 0);
  return table(['NAME', 'ID', 'MACHINES', 'CREATED'], rows, indent);
}
