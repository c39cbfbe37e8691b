import type { ColumnType, Generated } from 'kysely';

/**
 * Machine logs live apart from the fleet tables: on SQLite in their own file (so ingest never holds the
 * fleet's write lock), on PostgreSQL in the same database with their own migration history. Times are
 * integer microseconds since the epoch (the order the index keeps); what a machine sent below the
 * microsecond is kept in `time_nanos`.
 */
export interface LogsDB {
  log_entries: LogEntriesTable;
  log_parts: LogPartsTable;
}

export interface LogEntriesTable {
  /** SQLite: the rowid. PostgreSQL: taken from blocks of a sequence, so each batch owns a range (see log-store.ts). */
  id: Generated<number>;
  part_id: string;
  time_us: number;
  /** 0–999: the nanoseconds the machine sent beyond the microsecond. */
  time_nanos: number;
  level: string;
  logger_name: string;
  message: string;
  host: string;
  /** google.protobuf.Struct as JSON, or null when the machine sent none. */
  caller_json: string | null;
  stack: string;
  /** repeated google.protobuf.Struct as a JSON array, or null when empty. */
  fields_json: string | null;
}

/** How many entries each part holds, kept with every batch, so retention never counts rows. */
export interface LogPartsTable {
  part_id: string;
  entries: ColumnType<number, number, number>;
}
