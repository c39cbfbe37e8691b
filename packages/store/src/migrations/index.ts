import type { Migration, MigrationProvider } from 'kysely';
import * as identity from './2026-11-24-01-identity.js';
import * as machines from './2026-11-24-02-machines.js';
import * as hardening from './2026-12-01-01-hardening.js';
import * as fleet from './2026-12-02-01-fleet.js';
import * as registry from './2026-12-03-01-registry.js';
import * as data from './2026-12-04-01-data.js';
import * as datasets from './2026-12-05-01-datasets.js';

/** Every migration, in order. Names sort by date; both engines run the same list. */
export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-24-01-identity': identity,
  '2026-11-24-02-machines': machines,
  '2026-12-01-01-hardening': hardening,
  '2026-12-02-01-fleet': fleet,
  '2026-12-03-01-registry': registry,
  '2026-12-04-01-data': data,
  '2026-12-05-01-datasets': datasets,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
