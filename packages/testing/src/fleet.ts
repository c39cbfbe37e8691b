/**
 * Fixtures and looks for machine tests: a machine with its parts as a client sees it (plain JSON, to
 * compare before and after a refused call), and the rows a machine leaves in the database (for what the
 * public API cannot show once the machine is gone, such as its history).
 */
import type { JsonValue } from '@bufbuild/protobuf';
import type { AppClient, RobotPart } from '@hangar/sdk';
import { openStore } from '@hangar/store';
import type { TestServer } from './server.js';

export interface Machine {
  readonly robotId: string;
  readonly mainPart: RobotPart;
}

/** A new machine in the location, with its main part as the server made it. */
export async function newMachine(client: AppClient, locationId: string, name: string): Promise<Machine> {
  const robotId = await client.newRobot(name, locationId);
  const parts = await client.getRobotParts(robotId);
  const mainPart = parts.find((p) => p.mainPart);
  if (mainPart === undefined) throw new Error(`machine ${robotId} has no main part`);
  return { robotId, mainPart };
}

export interface MachineState {
  readonly robot: JsonValue;
  readonly parts: JsonValue[];
  readonly history: Record<string, JsonValue[]>;
}

/** The machine, its parts (with configs and secrets) and each part's history, as JSON. */
export async function machineState(client: AppClient, robotId: string): Promise<MachineState> {
  const robot = (await client.getRobot(robotId)).toJson();
  const parts = await client.getRobotParts(robotId);
  const history: Record<string, JsonValue[]> = {};
  for (const part of parts) history[part.id] = (await client.getRobotPartHistory(part.id)).map((e) => e.proto.toJson());
  return { robot, parts: parts.map((p) => p.proto.toJson()), history };
}

/** Every machine of a location with its parts and history, as JSON. */
export async function locationMachines(client: AppClient, locationId: string): Promise<MachineState[]> {
  const out: MachineState[] = [];
  for (const robot of await client.listRobots(locationId)) out.push(await machineState(client, robot.id));
  return out;
}

export interface MachineRows {
  readonly robots: number;
  readonly parts: number;
  readonly secrets: number;
  readonly history: number;
  readonly authorizations: number;
}

/** Rows in the database that belong to a machine (by id): itself, its parts, their secrets and history, roles on it. */
export async function machineRows(server: TestServer, robotId: string): Promise<MachineRows> {
  const store = openStore({ url: server.db.url, poolSize: 1 });
  try {
    const db = store.db;
    const count = (n: { n: number | string } | undefined) => Number(n?.n ?? 0);
    const robots = await db
      .selectFrom('robots')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('id', '=', robotId)
      .executeTakeFirst();
    const partIds = (await db.selectFrom('robot_parts').select('id').where('robot_id', '=', robotId).execute()).map((r) => r.id);
    const secrets =
      partIds.length === 0
        ? undefined
        : await db
            .selectFrom('robot_part_secrets')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .where('part_id', 'in', partIds)
            .executeTakeFirst();
    const history = await db
      .selectFrom('robot_part_history')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('robot_id', '=', robotId)
      .executeTakeFirst();
    const authorizations = await db
      .selectFrom('authorizations')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('resource_id', '=', robotId)
      .executeTakeFirst();
    return {
      robots: count(robots),
      parts: partIds.length,
      secrets: count(secrets),
      history: count(history),
      authorizations: count(authorizations),
    };
  } finally {
    await store.close();
  }
}

/** Rows of the history table for the given part ids (the history of a deleted part is out of API reach). */
export async function historyRowsOfParts(server: TestServer, partIds: readonly string[]): Promise<number> {
  if (partIds.length === 0) return 0;
  const store = openStore({ url: server.db.url, poolSize: 1 });
  try {
    const row = await store.db
      .selectFrom('robot_part_history')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('part_id', 'in', partIds)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  } finally {
    await store.close();
  }
}
