/**
 * Machine log rules that need no database: which levels count as errors, how a query's level options
 * combine, the bounds of a request and of a page, and the page token of a log query.
 */
import { invalid } from './errors.js';
import { decodePageToken, encodePageToken } from './page-token.js';

/** zap's levels at and above error: what `errors_only` keeps. */
export const ERROR_LEVELS = ['error', 'dpanic', 'panic', 'fatal'] as const;

/** Entries one RobotService.Log call may carry (Viam's limit; machines send about 100). */
export const MAX_LOG_ENTRIES_PER_REQUEST = 1_000;
/** GetRobotPartLogs pages: 100 unless the request's `limit` asks for another size, at most 1,000. */
export const DEFAULT_LOG_PAGE = 100;
export const MAX_LOG_PAGE = 1_000;
/** Longest `filter` or `source` accepted: a needle, not a document. */
export const MAX_LOG_NEEDLE = 1_024;

export interface LogLevelChoice {
  /** Lower-case levels to keep; empty keeps every level. */
  readonly levels: readonly string[];
  /** Lower-case levels to leave out. */
  readonly excludeLevels: readonly string[];
  /** True when the options exclude every entry (errors_only with only non-error levels). */
  readonly matchesNothing: boolean;
}

/**
 * Levels are matched case-insensitively. `errors_only` keeps error levels; with `levels` too, only the
 * levels both allow. `user_facing_only` leaves out debug entries, which are for whoever wrote the code.
 */
export function chooseLevels(levels: readonly string[], errorsOnly: boolean, userFacingOnly = false): LogLevelChoice {
  const asked = [...new Set(levels.map((l) => l.trim().toLowerCase()).filter((l) => l !== ''))];
  const errors: readonly string[] = ERROR_LEVELS;
  const kept = errorsOnly ? (asked.length === 0 ? [...ERROR_LEVELS] : asked.filter((l) => errors.includes(l))) : asked;
  const matchesNothing = errorsOnly && asked.length > 0 && kept.length === 0;
  return { levels: kept, excludeLevels: userFacingOnly ? ['debug'] : [], matchesNothing };
}

export function isErrorLevel(level: string): boolean {
  return (ERROR_LEVELS as readonly string[]).includes(level.toLowerCase());
}

/** The page size a request asks for: absent or 0 means the default; more than the maximum is cut to it. */
export function logPageSize(limit: bigint | undefined): number {
  if (limit === undefined || limit === 0n) return DEFAULT_LOG_PAGE;
  if (limit < 0n) throw invalid(`limit must be 0 (the default, ${DEFAULT_LOG_PAGE}) or a positive number of entries, got ${limit}`);
  return limit > BigInt(MAX_LOG_PAGE) ? MAX_LOG_PAGE : Number(limit);
}

export function parseLogNeedle(field: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_LOG_NEEDLE) throw invalid(`${field} must be at most ${MAX_LOG_NEEDLE} characters, got ${value.length}`);
  return value;
}

/** Where a page of logs ended: the last entry's time (µs) and id. */
export interface LogCursor {
  readonly timeUs: number;
  readonly id: number;
}

export function encodeLogPageToken(cursor: LogCursor): string {
  return encodePageToken({ key: String(cursor.timeUs), id: String(cursor.id) });
}

export function decodeLogPageToken(token: string | undefined): LogCursor | undefined {
  const cursor = decodePageToken(token ?? '');
  if (cursor === undefined) return undefined;
  if (!/^-?\d{1,16}$/.test(cursor.key) || !/^\d{1,16}$/.test(cursor.id)) {
    throw invalid('page_token is not a token this server issued; pass the next_page_token of a previous page, or "" for the first page');
  }
  return { timeUs: Number(cursor.key), id: Number(cursor.id) };
}

/** The instants a log time may take: microseconds since the epoch that a double holds exactly. */
export const MAX_LOG_TIME_US = Number.MAX_SAFE_INTEGER;
