/**
 * Hangar under test: the real server in-process on a fresh database (the test harness's startTestServer),
 * an access token for its administrator key, and bulk seeding that writes straight to the store, since a
 * fixture of thousands of rows built one API call at a time would take longer than the benchmark.
 */
import { openStore, type DB } from '@hangar/store';
import { startTestServer, type TestEngine, type TestServer } from '@hangar/testing';
import { sql, type Insertable } from 'kysely';
import { randomUUID } from 'node:crypto';
import { authenticate } from './protocols.js';

export interface HangarUnderTest {
  readonly server: TestServer;
  readonly organizationId: string;
  /** Access token of the administrator's organization-owner API key. */
  readonly token: string;
  close(): Promise<void>;
}

/** `flags`: more `hangar server` flags (camelCase), e.g. `{ maxTails: '2000' }`. */
export async function startHangar(engine: TestEngine, flags: Readonly<Record<string, string>> = {}): Promise<HangarUnderTest> {
  const server = await startTestServer(engine, { logLevel: 'silent', flags });
  try {
    const token = await authenticate(server.url, server.admin.apiKeyId, server.admin.apiKey);
    return { server, organizationId: server.admin.organizationId, token, close: () => server.close() };
  } catch (err) {
    await server.close();
    throw err;
  }
}

const ROWS_PER_STATEMENT = 500;

/**
 * Adds `count` top-level locations owned by `organizationId`, in one transaction, 500 rows per statement.
 * Creation times are one second apart, oldest first, so list order is fixed.
 */
export async function insertLocations(databaseUrl: string, organizationId: string, count: number): Promise<void> {
  const store = openStore({ url: databaseUrl, poolSize: 1 });
  try {
    const start = Date.now() - count * 1000;
    const locations: Insertable<DB['locations']>[] = [];
    const links: Insertable<DB['location_organizations']>[] = [];
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      const createdAt = new Date(start + i * 1000).toISOString();
      locations.push({
        id,
        name: `Location ${String(i + 1).padStart(5, '0')}`,
        parent_location_id: null,
        primary_org_id: organizationId,
        region: 'local',
        created_at: createdAt,
      });
      links.push({ location_id: id, organization_id: organizationId, is_primary: 1, created_at: createdAt });
    }
    await store.db.transaction().execute(async (tx) => {
      for (let i = 0; i < count; i += ROWS_PER_STATEMENT) {
        await tx
          .insertInto('locations')
          .values(locations.slice(i, i + ROWS_PER_STATEMENT))
          .execute();
        await tx
          .insertInto('location_organizations')
          .values(links.slice(i, i + ROWS_PER_STATEMENT))
          .execute();
      }
    });
    // PostgreSQL plans from statistics; without them the first plans assume near-empty tables.
    if (store.engine === 'postgres') await sql`analyze`.execute(store.db);
  } finally {
    await store.close();
  }
}

/** The engine's own version string, for the report. */
export async function engineVersion(databaseUrl: string): Promise<string> {
  const store = openStore({ url: databaseUrl, poolSize: 1 });
  try {
    const query =
      store.engine === 'postgres'
        ? sql<{ v: string }>`select version() as v`
        : sql<{ v: string }>`select 'SQLite ' || sqlite_version() as v`;
    const { rows } = await query.execute(store.db);
    return rows[0]?.v ?? 'unknown';
  } finally {
    await store.close();
  }
}

export interface SeededMachines {
  readonly locationId: string;
  /** Machine names sort as ids do: machine-000001 … */
  readonly robotIds: readonly string[];
}

/**
 * Adds a location with `count` machines, each with its main part and one secret, in one transaction, 500
 * rows per statement: the shape NewRobot would leave, written in bulk.
 */
export async function insertMachines(databaseUrl: string, organizationId: string, count: number): Promise<SeededMachines> {
  const store = openStore({ url: databaseUrl, poolSize: 1 });
  try {
    const at = new Date().toISOString();
    const locationId = randomUUID();
    const robots: Insertable<DB['robots']>[] = [];
    const parts: Insertable<DB['robot_parts']>[] = [];
    const secrets: Insertable<DB['robot_part_secrets']>[] = [];
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      const partId = randomUUID();
      const name = `machine-${String(i + 1).padStart(6, '0')}`;
      robots.push({ id, name, location_id: locationId, created_at: at });
      parts.push({
        id: partId,
        robot_id: id,
        location_id: locationId,
        name: `${name}-main`,
        dns_name: `${name}-main`,
        is_main: 1,
        config_json: '{}',
        user_supplied_info_json: null,
        needs_restart: 0,
        last_access: null,
        created_at: at,
        updated_at: at,
      });
      secrets.push({ id: randomUUID(), part_id: partId, secret: randomUUID().replaceAll('-', ''), created_at: at });
    }
    await store.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('locations')
        .values({
          id: locationId,
          name: 'Fleet',
          parent_location_id: null,
          primary_org_id: organizationId,
          region: 'local',
          created_at: at,
        })
        .execute();
      await tx
        .insertInto('location_organizations')
        .values({ location_id: locationId, organization_id: organizationId, is_primary: 1, created_at: at })
        .execute();
      for (let i = 0; i < count; i += ROWS_PER_STATEMENT) {
        await tx
          .insertInto('robots')
          .values(robots.slice(i, i + ROWS_PER_STATEMENT))
          .execute();
        await tx
          .insertInto('robot_parts')
          .values(parts.slice(i, i + ROWS_PER_STATEMENT))
          .execute();
        await tx
          .insertInto('robot_part_secrets')
          .values(secrets.slice(i, i + ROWS_PER_STATEMENT))
          .execute();
      }
    });
    // Both engines plan from statistics; without them the first plans assume near-empty tables.
    await sql`analyze`.execute(store.db);
    return { locationId, robotIds: robots.map((r) => r.id) };
  } finally {
    await store.close();
  }
}
