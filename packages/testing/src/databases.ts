/** A fresh, empty database per test file: a temp SQLite file, or a uniquely named PostgreSQL database. */
import type { InitialAdmin } from '@hangar/server';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { POSTGRES_URL, type TestEngine } from './engines.js';

export interface TestDatabase {
  readonly engine: TestEngine;
  /** What to pass as --database-url. */
  readonly url: string;
  /** A scratch directory for the server's data dir. */
  readonly dataDir: string;
  /**
   * Flags every server on this database needs: on PostgreSQL, the secret key file that replicas must
   * share (SQLite keeps its key in the data dir by itself).
   */
  readonly serverFlags: Readonly<Record<string, string>>;
  /** The administrator the first server on this database created; later servers find it here. */
  admin?: InitialAdmin;
  drop(): Promise<void>;
}

export async function freshDatabase(engine: TestEngine): Promise<TestDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hangar-test-'));
  if (engine === 'sqlite') {
    return {
      engine,
      url: join(dataDir, 'hangar.db'),
      dataDir,
      serverFlags: {},
      drop: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `hangar_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  const secretKeyFile = join(dataDir, 'replicas-secret.key');
  await writeFile(secretKeyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  return {
    engine,
    url: url.toString(),
    dataDir,
    serverFlags: { secretKeyFile },
    drop: async () => {
      await admin(async (c) => {
        await c.query(`drop database if exists ${name} with (force)`);
        // Roles are cluster-wide: the data readers role of this database and its organizations' login roles.
        const readers = `hangar_readers_${name}`;
        const members = await c.query<{ name: string }>(
          'select r.rolname as name from pg_roles r join pg_auth_members m on m.member = r.oid join pg_roles g on g.oid = m.roleid where g.rolname = $1',
          [readers],
        );
        for (const m of members.rows) await c.query(`drop role if exists "${m.name.replace(/"/g, '""')}"`);
        await c.query(`drop role if exists "${readers}"`);
      });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function admin(fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

/** Flags in `{ secretKeyFile: … }` form as a command line takes them: `--secret-key-file …`. */
export function flagArgs(flags: Readonly<Record<string, string>>): string[] {
  return Object.entries(flags).flatMap(([name, value]) => [`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, value]);
}
