import { cors } from '@connectrpc/connect';
import type http from 'node:http';
import type http2 from 'node:http2';
import { NEXT_PAGE_TOKEN_HEADER, PAGE_SIZE_HEADER, PAGE_TOKEN_HEADER, RESTART_PENDING_HEADER } from '../rpc/paging.js';

const ALLOW_HEADERS = [...cors.allowedHeaders, 'Authorization', 'viam_client', 'key_id', PAGE_SIZE_HEADER, PAGE_TOKEN_HEADER].join(', ');
const EXPOSE_HEADERS = [...cors.exposedHeaders, NEXT_PAGE_TOKEN_HEADER, RESTART_PENDING_HEADER].join(', ');
const ALLOW_METHODS = [...cors.allowedMethods].join(', ');

/**
 * Browsers (the official TS SDK in a web page) call over gRPC-web from another origin. Access is governed
 * by bearer tokens, not cookies, so any origin may call. Returns true when the request was a preflight and
 * has been answered.
 */
export function applyCors(
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'origin');
  res.setHeader('access-control-expose-headers', EXPOSE_HEADERS);
  if (req.method !== 'OPTIONS') return false;
  res.setHeader('access-control-allow-methods', ALLOW_METHODS);
  res.setHeader('access-control-allow-headers', req.headers['access-control-request-headers'] ?? ALLOW_HEADERS);
  res.setHeader('access-control-max-age', '7200');
  res.statusCode = 204;
  res.end();
  return true;
}
