import { invalid } from './errors.js';

/**
 * Opaque page tokens: base64url JSON of the last row's sort key and id. Keyset pagination stays fast at
 * any depth, and a token never exposes a row count or an offset.
 */
export interface PageCursor {
  readonly key: string;
  readonly id: string;
}

export function encodePageToken(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.key, cursor.id]), 'utf8').toString('base64url');
}

/** Empty means "first page" (the official TS SDK always sends `page_token: ""`). */
export function decodePageToken(token: string): PageCursor | undefined {
  if (token === '') return undefined;
  let parsed: unknown;
  // Only the one spelling this server writes: base64url without padding, unused bits clear.
  if (!/^[A-Za-z0-9_-]+$/.test(token) || Buffer.from(token, 'base64url').toString('base64url') !== token) {
    throw invalid('page_token is not a token this server issued; pass the next_page_token of a previous page, or "" for the first page');
  }
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('page_token is not a token this server issued; pass the next_page_token of a previous page, or "" for the first page');
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') {
    throw invalid('page_token is not a token this server issued; pass the next_page_token of a previous page, or "" for the first page');
  }
  return { key: parsed[0], id: parsed[1] };
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextPageToken: string;
}
