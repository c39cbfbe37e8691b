/**
 * The flags of commands about one machine or one of its parts, and how they resolve: `--robot` (alias
 * `--robot-id`) and `--part` (alias `--part-id`) take a name or an id; a machine name is looked up within
 * `--location` / `--organization` when given, else everywhere the session can see; a part name within its
 * machine. Flags are checked before anything is sent, so bad usage exits 2 without a session.
 */
import type { Command } from 'commander';
import type { AppClient, RobotPart } from '@hangar/sdk';
import { usageError } from './errors.js';
import { quote, statusText, toDate, type PartJson, type RobotJson } from './format.js';
import { addResourceOption, requiredResource, resourceValue } from './options.js';
import { details, table, type Output } from './output.js';
import { isId, resolveLocation, resolveOrganization, resolvePart, resolveRobot, type Machine, type MachineScope } from './resolve.js';

/** The raw flag values that name where to look. */
export interface ScopeInput {
  readonly organization?: string | undefined;
  readonly location?: string | undefined;
}

export interface MachineInput extends ScopeInput {
  readonly robot: string;
  readonly flag: string;
  /** The filter flag to suggest when the name is ambiguous: one the command has and was not given. */
  readonly narrowWith: string | undefined;
}

export interface PartInput extends ScopeInput {
  /** Optional when `part` is an id: the part names its machine. */
  readonly robot: string | undefined;
  readonly part: string;
}

/** --organization and --location as search filters for a machine given by name. */
export function addScopeOptions(cmd: Command, location = true): Command {
  addResourceOption(cmd, 'organization', 'look for the machine in this organization only');
  if (location) addResourceOption(cmd, 'location', 'look for the machine in this location only');
  return cmd;
}

export function addMachineOptions(cmd: Command, options: { part?: boolean } = {}): Command {
  addResourceOption(cmd, 'robot', 'the machine');
  if (options.part === true) addResourceOption(cmd, 'part', 'the part of the machine');
  return addScopeOptions(cmd);
}

export function scopeInput(opts: Record<string, unknown>, location = true): ScopeInput {
  return { organization: resourceValue(opts, 'organization'), location: location ? resourceValue(opts, 'location') : undefined };
}

export function machineInput(opts: Record<string, unknown>, which: 'robot' | 'robotId' = 'robot', location = true): MachineInput {
  const scope = scopeInput(opts, location);
  return {
    robot: requiredResource(opts, which),
    flag: which === 'robot' ? '--robot' : '--robot-id',
    ...scope,
    narrowWith: narrowing(scope, location),
  };
}

function narrowing(scope: ScopeInput, location: boolean): string | undefined {
  if (location && scope.location === undefined) return '--location';
  return scope.organization === undefined ? '--organization' : undefined;
}

export function partInput(opts: Record<string, unknown>): PartInput {
  const robot = resourceValue(opts, 'robot');
  const part = requiredResource(opts, 'part');
  if (robot === undefined && !isId(part)) {
    throw usageError(
      "required option '--robot <robot>' not specified",
      'pass the machine with --robot <robot> (name or id), or the part by its id alone',
    );
  }
  return { robot, part, ...scopeInput(opts) };
}

export async function resolveScope(client: AppClient, input: ScopeInput): Promise<MachineScope> {
  const organization = input.organization === undefined ? undefined : await resolveOrganization(client, input.organization);
  const location =
    input.location === undefined
      ? undefined
      : await resolveLocation(client, input.location, organization === undefined ? {} : { organizationId: organization.id });
  return { organization, location };
}

export async function resolveMachine(client: AppClient, input: MachineInput): Promise<Machine> {
  return resolveRobot(client, input.robot, await resolveScope(client, input), { flag: input.flag, narrowWith: input.narrowWith });
}

export interface MachinePart {
  readonly machine: Machine;
  readonly part: RobotPart;
}

export async function resolveMachinePart(client: AppClient, input: PartInput): Promise<MachinePart> {
  const scope = await resolveScope(client, input);
  if (input.robot === undefined) {
    const part = await client.getRobotPart(input.part.toLowerCase());
    return { machine: await resolveRobot(client, part.robot, scope), part };
  }
  const machine = await resolveRobot(client, input.robot, scope, { narrowWith: narrowing(input, true) });
  return { machine, part: await resolvePart(client, machine, input.part) };
}

// Human output shared by `robots status` and `robots part status`.

export function machineDetails(r: RobotJson, out: Output): string {
  return details([
    ['Machine', `${quote(r.name)} (${r.id})`],
    ['Location', r.locationName !== null ? `${quote(r.locationName)} (${r.locationId})` : r.locationId],
    ['Status', statusText(r.status)],
    ['Last access', lastAccess(r.lastAccess, out)],
    ['Created', out.time(toDate(r.createdOn))],
  ]);
}

export function partTable(parts: readonly PartJson[], out: Output): string {
  return table(
    ['PART', 'ID', 'MAIN', 'STATUS', 'LAST ACCESS'],
    parts.map((p) => [p.name, p.id, p.mainPart ? 'yes' : 'no', statusText(p.status), lastAccess(p.lastAccess, out)]),
  );
}

export function lastAccess(iso: string | null, out: Output): string {
  return iso === null ? 'never' : out.time(new Date(iso));
}
