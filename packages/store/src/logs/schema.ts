import type { ColumnType, Generated } from 'kysely';

/**
 * Machine logs live apart from the fleet tables: on SQLite in their own file (so ingest never holds the
 * fleet's write lock), on PostgreSQL in the same database with their own migration history. Times are
 * integer microseconds since the epoch (the order the index keeps); what a machine sent below the
 * microsecond is kept in `time_nanos`; caller and fields stay protobuf bytes.
 */
export interface LogsDB {
  log_entries: LogEntriesTable;
  log_parts: LogPartsTable;
  log_streams: LogStreamsTable;
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
  stack: string;
  /**
   * The entry's `caller` and `fields` (LogEntry fields 6 and 8) exactly as the machine encoded them, tags
   * included, or null when it sent neither: stored and served without ever decoding them.
   */
  extras: Buffer | null;
}

/** How many entries each part holds, kept with every batch, so retention never counts rows. */
export interface LogPartsTable {
  part_id: string;
  entries: ColumnType<number, number, number>;
}

/** The last batch number stored from each sender run of a part (see LogSequence). */
export interface LogStreamsTable {
  part_id: string;
  stream_id: string;
  last_seq: ColumnType<number, number, number>;
  updated_us: ColumnType<number, number, number>;
}
