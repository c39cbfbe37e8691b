/**
 * Pagination for lists whose Viam messages have no page fields (ListRobots, GetRobotPartHistory): the
 * request headers `hangar-page-size` and `hangar-page-token` ask for one page, and the response header
 * `hangar-next-page-token` carries the next token ("" on the last page). Clients that send neither — every
 * official SDK — get the whole list, as from Viam.
 */
import { decodePageToken, invalid, type PageCursor } from '@hangar/domain';

export const PAGE_SIZE_HEADER = 'hangar-page-size';
export const PAGE_TOKEN_HEADER = 'hangar-page-token';
export const NEXT_PAGE_TOKEN_HEADER = 'hangar-next-page-token';
export const MAX_PAGE_SIZE = 1000;
/** GetRobotPart's reply header (not paging, but Hangar's other extra header): marked for restart, not yet told. */
export const RESTART_PENDING_HEADER = 'hangar-restart-pending';

export interface PageRequest {
  readonly limit: number;
  readonly cursor: PageCursor | undefined;
}

/** The page asked for in the headers, or undefined for "everything". */
export function pageFromHeaders(header: Headers): PageRequest | undefined {
  const size = header.get(PAGE_SIZE_HEADER);
  const token = header.get(PAGE_TOKEN_HEADER) ?? '';
  if (size === null && token === '') return undefined;
  // Digits only: Number() would also take "1e3", "0x10" and " 5".
  const limit = size === null ? 100 : /^[0-9]{1,4}$/.test(size) ? Number(size) : Number.NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw invalid(`${PAGE_SIZE_HEADER} must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${JSON.stringify(size)}`);
  }
  return { limit, cursor: decodePageToken(token) };
}
