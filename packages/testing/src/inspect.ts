/**
 * Read-only looks at a test server's database, for asserting that a refused call wrote nothing where the
 * public API cannot show it (API keys and their roles have no list method yet).
 */
import { openStore } from '@hangar/store';
import type { TestServer } from './server.js';

export const COUNTED_TABLES = ['organizations', 'locations', 'location_organizations', 'api_keys', 'authorizations', 'users'] as const;
export type CountedTable = (typeof COUNTED_TABLES)[number];

/** Row counts of the identity tables, e.g. `assert.deepEqual(await rowCounts(s), before)` after a refused call. */
export async function rowCounts(server: TestServer): Promise<Record<CountedTable, number>> {
  const store = openStore({ url: server.db.url, poolSize: 1 });
  try {
    const counts = {} as Record<CountedTable, number>;
    for (const table of COUNTED_TABLES) {
      // One table at a time; the cast only narrows the union so Kysely can type the query.
      const row = await store.db
        .selectFrom(table as 'users')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      counts[table] = Number(row.n);
    }
    return counts;
  } finally {
    await store.close();
  }
}
