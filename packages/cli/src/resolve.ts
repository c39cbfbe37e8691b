/**
 * Flags take a name or an id. An id (a UUID) is used as is and the server answers for it; a name is
 * looked up among what the caller can see: no match or several matches are errors that say what to do.
 */
import type { AppClient, appApi } from '@hangar/sdk';
import { CliError } from './errors.js';
import { quote } from './format.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isId(value: string): boolean {
  return UUID.test(value);
}

/** Exact matches, else case-insensitive ones. */
function byName<T extends { name: string }>(items: readonly T[], name: string): T[] {
  const exact = items.filter((i) => i.name === name);
  if (exact.length > 0) return exact;
  const folded = name.toLowerCase();
  return items.filter((i) => i.name.toLowerCase() === folded);
}

export async function resolveOrganization(client: AppClient, input: string, flag = '--organization'): Promise<appApi.Organization> {
  if (isId(input)) return client.getOrganization(input.toLowerCase());
  const matches = byName(await client.listOrganizations(), input);
  const [first, ...rest] = matches;
  if (first === undefined) {
    throw new CliError(`no organization named ${quote(input)} among yours`, {
      code: 'NOT_FOUND',
      hint: 'run "hangar organizations list" to see the organizations you can use, and pass a name or id from it',
    });
  }
  if (rest.length > 0) {
    throw ambiguous(`${matches.length} organizations are named ${quote(input)}: ${matches.map((o) => o.id).join(', ')}`, flag);
  }
  return first;
}

export interface LocationScope {
  /** Look only in this organization (e.g. the parent of a new location in it). */
  readonly organizationId?: string;
  readonly flag?: string;
}

export async function resolveLocation(client: AppClient, input: string, scope: LocationScope = {}): Promise<appApi.Location> {
  const flag = scope.flag ?? '--location';
  if (isId(input)) return client.getLocation(input.toLowerCase());
  const orgIds = scope.organizationId !== undefined ? [scope.organizationId] : (await client.listOrganizations()).map((o) => o.id);
  const lists = await Promise.all(orgIds.map((id) => client.listLocations(id)));
  const seen = new Map<string, appApi.Location>();
  for (const l of lists.flat()) if (!seen.has(l.id)) seen.set(l.id, l);
  const matches = byName([...seen.values()], input);
  const [first, ...rest] = matches;
  if (first === undefined) {
    const where = scope.organizationId !== undefined ? 'in that organization' : 'in your organizations';
    throw new CliError(`no location named ${quote(input)} ${where}`, {
      code: 'NOT_FOUND',
      hint: 'run "hangar locations list" to see the locations you can use, and pass a name or id from it',
    });
  }
  if (rest.length > 0) {
    const described = matches.map((l) => `${l.id}${l.primaryOrgIdentity?.name ? ` (${l.primaryOrgIdentity.name})` : ''}`);
    throw ambiguous(`${matches.length} locations are named ${quote(input)}: ${described.join(', ')}`, flag);
  }
  return first;
}

function ambiguous(message: string, flag: string): CliError {
  return new CliError(message, { code: 'INVALID_ARGUMENT', hint: `pass the id instead: ${flag} <id>` });
}
