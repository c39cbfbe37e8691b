/**
 * Which database engines the tests run on, and where PostgreSQL comes from. PostgreSQL runs are never
 * silently dropped: unreachable means a loud skip, or a failure under HANGAR_REQUIRE_POSTGRES=1 (CI).
 */
import pg from 'pg';

export type TestEngine = 'sqlite' | 'postgres';

export const POSTGRES_URL = process.env.HANGAR_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REQUIRE_POSTGRES = process.env.HANGAR_REQUIRE_POSTGRES === '1';

let postgresProbe: Promise<string | undefined> | undefined;

/** undefined when reachable; otherwise why not. */
function probePostgres(): Promise<string | undefined> {
  postgresProbe ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return postgresProbe;
}

/** Engines named by HANGAR_TEST_ENGINES (comma-separated), default both. */
export function testEngines(): TestEngine[] {
  const wanted = (process.env.HANGAR_TEST_ENGINES ?? 'sqlite,postgres').split(',').map((s) => s.trim());
  return (['sqlite', 'postgres'] as const).filter((e) => wanted.includes(e));
}

/**
 * For `describe(name, { skip: await engineSkip(engine) }, …)`: false to run, or the reason to skip.
 * Throws when PostgreSQL is required and missing.
 */
export async function engineSkip(engine: TestEngine): Promise<string | false> {
  if (engine === 'sqlite') return false;
  const problem = await probePostgres();
  if (problem === undefined) return false;
  const message = `PostgreSQL at ${redact(POSTGRES_URL)} is unreachable (${problem})`;
  if (REQUIRE_POSTGRES) {
    throw new Error(
      `${message} and HANGAR_REQUIRE_POSTGRES=1: start it (pg_ctlcluster 15 main start), or unset the variable to skip it loudly`,
    );
  }
  process.stderr.write(`\n!!! SKIPPING POSTGRESQL TESTS: ${message}. Set HANGAR_TEST_POSTGRES_URL or start PostgreSQL. !!!\n\n`);
  return `SKIPPED: ${message}`;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
