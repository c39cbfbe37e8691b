/**
 * One TabularDataBySQL query on SQLite, in a child process the caller kills at the time limit: a read-only
 * connection of its own, rows up to the cap, JSON columns and capture times turned back into values.
 */
import Database from 'better-sqlite3';

interface Job {
  readonly path: string;
  readonly sql: string;
  readonly maxRows: number;
}

const JSON_COLUMNS = new Set(['data', 'tags', 'additional_parameters']);
const TIME_COLUMNS = new Set(['time_requested', 'time_received']);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** SQLite keeps JSON as text and has no time type: the columns of `readings` come back as what they hold. */
function revive(row: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(row)) {
    if (typeof value !== 'string') continue;
    if (JSON_COLUMNS.has(key) && (value.startsWith('{') || value.startsWith('['))) {
      try {
        row[key] = JSON.parse(value);
      } catch {
        // Not JSON after all: the text stays.
      }
    } else if (TIME_COLUMNS.has(key) && ISO_TIME.test(value)) {
      row[key] = new Date(value);
    }
  }
  return row;
}

function run(job: Job) {
  const db = new Database(job.path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('query_only = ON');
    const statement = db.prepare(job.sql);
    if (!statement.reader) return { failure: 'invalid', message: 'the query returns no rows: give a SELECT' };
    const rows: Record<string, unknown>[] = [];
    for (const row of statement.iterate() as IterableIterator<Record<string, unknown>>) {
      rows.push(revive(row));
      if (rows.length > job.maxRows) return { failure: 'too_many_rows', message: `the query returns more than ${job.maxRows} rows` };
    }
    return { rows };
  } catch (err) {
    return { failure: 'invalid', message: err instanceof Error ? err.message : String(err) };
  } finally {
    db.close();
  }
}

process.once('message', (job: Job) => {
  process.send?.(run(job), () => process.exit(0));
});
