/**
 * Flags take a name or an id. An id (a UUID) is used as is and the server answers for it; a name is
 * looked up among what the caller can see: no match or several matches are errors that say what to do.
 */
import type { AppClient, appApi, RobotPart } from '@hangar/sdk';
import { CliError } from './errors.js';
import { quote } from './format.js';
import { loadedSdk } from './sdk.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isId(value: string): boolean {
  return UUID.test(value);
}

/** Exact matches, else case-insensitive ones. */
export function byName<T extends { name: string }>(items: readonly T[], name: string): T[] {
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

/** Where to look for a machine given by name: --location, else --organization, else everywhere. */
export interface MachineScope {
  readonly organization?: appApi.Organization | undefined;
  readonly location?: appApi.Location | undefined;
}

/** A machine and its location; the location is undefined when the session may not read it (a machine API key). */
export interface Machine {
  readonly robot: appApi.Robot;
  readonly location: appApi.Location | undefined;
}

/**
 * Every machine the session can see in the scope, with its location. Across organizations this asks for
 * what the session can see (ListRobotsForOrg), so a machine key finds its machine even though it may not
 * read the machine's location.
 */
export async function machinesInScope(client: AppClient, scope: MachineScope): Promise<Machine[]> {
  const { location } = scope;
  if (location !== undefined) return (await client.listRobots(location.id)).map((robot) => ({ robot, location }));
  const orgIds = scope.organization !== undefined ? [scope.organization.id] : (await client.listOrganizations()).map((o) => o.id);
  const [robotLists, locationLists] = await Promise.all([
    Promise.all(orgIds.map((id) => client.listRobotsForOrg(id))),
    Promise.all(orgIds.map((id) => client.listLocations(id))),
  ]);
  const locations = new Map(locationLists.flat().map((l) => [l.id, l]));
  const seen = new Set<string>();
  const machines: Machine[] = [];
  for (const robot of robotLists.flat()) {
    if (seen.has(robot.id)) continue;
    seen.add(robot.id);
    machines.push({ robot, location: locations.get(robot.location) });
  }
  return machines;
}

function describeScope(scope: MachineScope): string {
  if (scope.location !== undefined) return `in location ${quote(scope.location.name)}`;
  if (scope.organization !== undefined) return `in organization ${quote(scope.organization.name)}`;
  return 'in your locations';
}

/** The machine's location, or undefined if the session may see the machine but not its location. */
async function readableLocation(client: AppClient, locationId: string): Promise<appApi.Location | undefined> {
  try {
    return await client.getLocation(locationId);
  } catch (err) {
    const sdk = loadedSdk();
    if (sdk !== undefined && err instanceof sdk.HangarError && (err.code === sdk.Code.NotFound || err.code === sdk.Code.PermissionDenied)) {
      return undefined;
    }
    throw err;
  }
}

/**
 * A machine by id, or by name within the scope (exact, else case-insensitive). An id given with
 * --location / --organization must be in them.
 */
export interface RobotLookup {
  /** The flag the machine came from, for the hints. */
  readonly flag?: string;
  /** The flag that narrows a name search, if the command has one (suggested when a name is ambiguous). */
  readonly narrowWith?: string | undefined;
}

export async function resolveRobot(client: AppClient, input: string, scope: MachineScope = {}, lookup: RobotLookup = {}): Promise<Machine> {
  const flag = lookup.flag ?? '--robot';
  if (isId(input)) {
    const robot = await client.getRobot(input.toLowerCase());
    const location = scope.location?.id === robot.location ? scope.location : await readableLocation(client, robot.location);
    const outside =
      (scope.location !== undefined && scope.location.id !== robot.location) ||
      (scope.organization !== undefined &&
        location !== undefined &&
        !location.organizations.some((o) => o.organizationId === scope.organization?.id) &&
        location.primaryOrgIdentity?.id !== scope.organization.id);
    if (outside) {
      throw new CliError(`machine ${quote(robot.name)} (${robot.id}) is not ${describeScope(scope)}`, {
        code: 'NOT_FOUND',
        hint: `drop ${scope.location !== undefined ? '--location' : '--organization'}, or pass the one the machine is in ("hangar robots list" shows it)`,
      });
    }
    return { robot, location };
  }
  const matches = byName(
    (await machinesInScope(client, scope)).map((m) => ({ ...m, name: m.robot.name })),
    input,
  );
  const [first, ...rest] = matches;
  if (first === undefined) {
    throw new CliError(`no machine named ${quote(input)} ${describeScope(scope)}`, {
      code: 'NOT_FOUND',
      hint: 'run "hangar robots list" to see the machines you can use, and pass a name or id from it',
    });
  }
  if (rest.length > 0) {
    const described = matches.map((m) => `${m.robot.id} (location ${quote(m.location?.name ?? m.robot.location)})`);
    throw new CliError(`${matches.length} machines are named ${quote(input)}: ${described.join(', ')}`, {
      code: 'INVALID_ARGUMENT',
      hint: `pass the id instead: ${flag} <id>${lookup.narrowWith !== undefined ? `, or narrow the search with ${lookup.narrowWith}` : ''}`,
    });
  }
  return { robot: first.robot, location: first.location };
}

/** A part of the machine by id or name. */
export async function resolvePart(client: AppClient, machine: Machine, input: string, flag = '--part'): Promise<RobotPart> {
  const parts = await client.getRobotParts(machine.robot.id);
  const matches = isId(input) ? parts.filter((p) => p.id === input.toLowerCase()) : byName(parts, input);
  const [first, ...rest] = matches;
  if (first === undefined) {
    throw new CliError(`machine ${quote(machine.robot.name)} has no part ${isId(input) ? input : `named ${quote(input)}`}`, {
      code: 'NOT_FOUND',
      hint: `run "hangar robots status --robot ${machine.robot.id}" to see its parts, and pass a name or id from it`,
    });
  }
  if (rest.length > 0)
    throw ambiguous(
      `${matches.length} parts of machine ${quote(machine.robot.name)} are named ${quote(input)}: ${matches.map((p) => p.id).join(', ')}`,
      flag,
    );
  return first;
}

function ambiguous(message: string, flag: string): CliError {
  return new CliError(message, { code: 'INVALID_ARGUMENT', hint: `pass the id instead: ${flag} <id>` });
}

/**
 * An organization to share with: by name among the caller's, or by id even when the caller cannot see it
 * (sharing a location with someone else's organization). The name is unknown then.
 */
export async function resolveOrganizationToShareWith(
  client: AppClient,
  input: string,
  flag = '--organization',
): Promise<{ readonly id: string; readonly name: string | undefined }> {
  if (!isId(input)) {
    const org = await resolveOrganization(client, input, flag);
    return { id: org.id, name: org.name };
  }
  const id = input.toLowerCase();
  try {
    return { id, name: (await client.getOrganization(id)).name };
  } catch (err) {
    const sdk = loadedSdk();
    if (sdk !== undefined && err instanceof sdk.HangarError && (err.code === sdk.Code.NotFound || err.code === sdk.Code.PermissionDenied)) {
      return { id, name: undefined };
    }
    throw err;
  }
}
