/**
 * Reading machine logs: newest first by the entry's own time, keyset-paged on (time, id), always within
 * one part so the (part_id, time_us, id) index bounds every scan to that part's rows.
 */
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { CommittedRange, LogPosition, LogStore, StoredLogEntry } from './log-store.js';
import type { LogsDB } from './schema.js';

export interface LogFilter {
  /** Lower-case levels to keep; empty keeps every level. */
  readonly levels: readonly string[];
  /** Lower-case levels to leave out (applied after `levels`). */
  readonly excludeLevels: readonly string[];
  /** A case-insensitive substring of the message. */
  readonly contains?: string;
  /** A logger name, or the prefix of a dotted one: `rdk.resource_manager` keeps `rdk.resource_manager.motor`. */
  readonly source?: string;
  /** Entries at or after this instant (µs). */
  readonly startUs?: number;
  /** Entries before this instant (µs). */
  readonly endUs?: number;
}

const COLUMNS = ['id', 'part_id', 'time_us', 'time_nanos', 'level', 'logger_name', 'message', 'host', 'stack', 'extras'] as const;

type Row = Pick<LogsDB['log_entries'], (typeof COLUMNS)[number]> & { id: number };

function toEntry(r: Row): StoredLogEntry {
  return {
    id: r.id,
    partId: r.part_id,
    timeUs: r.time_us,
    timeNanos: r.time_nanos,
    level: r.level,
    loggerName: r.logger_name,
    message: r.message,
    host: r.host,
    stack: r.stack,
    extras: asBuffer(r.extras),
  };
}

/** Rows read on a reader thread arrive as plain Uint8Arrays (structured clone drops the Buffer class). */
function asBuffer(bytes: Uint8Array | null): Buffer | null {
  if (bytes === null || Buffer.isBuffer(bytes)) return bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function matching(store: LogStore, partId: string, filter: LogFilter) {
  return (eb: ExpressionBuilder<LogsDB, 'log_entries'>): Expression<SqlBool> => {
    const all: Expression<SqlBool>[] = [eb('part_id', '=', partId)];
    if (filter.levels.length > 0) all.push(eb(eb.fn('lower', ['level']), 'in', [...filter.levels]));
    if (filter.excludeLevels.length > 0) all.push(eb(eb.fn('lower', ['level']), 'not in', [...filter.excludeLevels]));
    if (filter.contains !== undefined && filter.contains !== '') all.push(store.messageContains(eb.ref('message'), filter.contains));
    if (filter.source !== undefined && filter.source !== '') {
      const prefix = `${filter.source}.`;
      all.push(
        eb.or([eb('logger_name', '=', filter.source), eb(eb.fn('substr', ['logger_name', eb.lit(1), eb.val(prefix.length)]), '=', prefix)]),
      );
    }
    if (filter.startUs !== undefined) all.push(eb('time_us', '>=', filter.startUs));
    if (filter.endUs !== undefined) all.push(eb('time_us', '<', filter.endUs));
    return eb.and(all);
  };
}

/** At most `limit` entries of the part, newest first, strictly older than `before` when given. */
export async function pageOfPartLogs(
  store: LogStore,
  partId: string,
  filter: LogFilter,
  limit: number,
  before?: LogPosition,
): Promise<StoredLogEntry[]> {
  let query = store.db
    .selectFrom('log_entries')
    .select(COLUMNS)
    .where(matching(store, partId, filter));
  if (before !== undefined) {
    query = query.where((eb) =>
      eb.or([eb('time_us', '<', before.timeUs), eb.and([eb('time_us', '=', before.timeUs), eb('id', '<', before.id)])]),
    );
  }
  const narrowed = filter.levels.length + filter.excludeLevels.length > 0 || Boolean(filter.contains) || Boolean(filter.source);
  const rows = await store.read(query.orderBy('time_us', 'desc').orderBy('id', 'desc').limit(limit), { walkPartIndex: narrowed });
  return (rows as Row[]).map(toEntry);
}

/** The entries a committed batch wrote for a part (another replica's, heard of through NOTIFY), oldest first. */
export async function entriesInRange(store: LogStore, range: CommittedRange): Promise<StoredLogEntry[]> {
  const rows = await store.read(
    store.db
      .selectFrom('log_entries')
      .select(COLUMNS)
      .where('id', '>=', range.from)
      .where('id', '<=', range.to)
      .where('part_id', '=', range.partId)
      .orderBy('time_us')
      .orderBy('id'),
  );
  return (rows as Row[]).map(toEntry);
}

/** The position of the part's `keep`-th newest entry's older neighbour: everything up to it is beyond `keep`. */
export async function positionBeyond(store: LogStore, partId: string, keep: number): Promise<LogPosition | undefined> {
  const [row] = await store.read(
    store.db
      .selectFrom('log_entries')
      .select(['time_us', 'id'])
      .where('part_id', '=', partId)
      .orderBy('time_us', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .offset(keep),
  );
  return row === undefined ? undefined : { timeUs: row.time_us, id: row.id };
}

/** Every part that holds entries, with how many (as counted at each write). */
export async function listLogParts(store: LogStore): Promise<{ partId: string; entries: number }[]> {
  const rows = await store.read(store.db.selectFrom('log_parts').select(['part_id', 'entries']).orderBy('part_id'));
  return rows.map((r) => ({ partId: r.part_id, entries: r.entries }));
}
