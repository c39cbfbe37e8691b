/** A JSON object of the user's own attached to an organization, location, machine or part. */
import type { JsonObject } from '@hangar/domain';
import type { Executor } from './rows.js';

export type MetadataTable = 'organizations' | 'locations' | 'robots' | 'robot_parts';

/** The resource's metadata ({} when never set), or undefined when the resource does not exist. */
export async function getMetadata(db: Executor, table: MetadataTable, id: string): Promise<JsonObject | undefined> {
  const row = await db.selectFrom(table).select('metadata_json').where('id', '=', id).executeTakeFirst();
  if (row === undefined) return undefined;
  return row.metadata_json === null ? {} : (JSON.parse(row.metadata_json) as JsonObject);
}

/** Replaces the metadata; returns whether the resource exists. */
export async function setMetadata(db: Executor, table: MetadataTable, id: string, data: JsonObject): Promise<boolean> {
  const result = await db
    .updateTable(table)
    .set({ metadata_json: JSON.stringify(data) })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
