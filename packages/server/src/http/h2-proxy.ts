/**
 * One call passed on over an HTTP/2 session as bytes — gRPC, gRPC-web or Connect, unary or streaming —
 * with its response headers, body and trailers passed back, and cancellation both ways. The server uses
 * it to relay calls into a machine's tunnel; the agent to pass calls on to a local viam-server.
 */
import type http from 'node:http';
import http2 from 'node:http2';

export type ProxiedRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type ProxiedResponse = http.ServerResponse | http2.Http2ServerResponse;

/** Request headers a passed-on call keeps: what the protocols need, nothing that identifies the caller. */
const PROTOCOL_HEADERS = [
  'content-type',
  'te',
  'grpc-timeout',
  'grpc-encoding',
  'grpc-accept-encoding',
  'connect-protocol-version',
  'connect-timeout-ms',
  'connect-content-encoding',
  'connect-accept-encoding',
  'x-grpc-web',
  'x-user-agent',
];
/** How much of an unread request body is read and dropped to keep an HTTP/1.1 connection usable. */
const MAX_DRAINED_BYTES = 16 * 1024 * 1024;
/** Response headers that belong to one hop only. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

/** The protocol headers of `req` plus `extra`, for a call to `path`. */
export function protocolHeaders(
  req: ProxiedRequest,
  path: string,
  extra: Readonly<Record<string, string>> = {},
): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = { ':method': 'POST', ':path': path };
  for (const name of PROTOCOL_HEADERS) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  return { ...headers, ...extra };
}

/**
 * Passes the call on. `failed` is told when the other end fails before answering, so the caller can answer
 * in the call's own protocol; after that a failure resets the caller's stream.
 */
export function proxyCall(
  req: ProxiedRequest,
  res: ProxiedResponse,
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  failed: (err: Error) => void,
): void {
  const upstream = session.request(headers);
  let answered = false;
  upstream.on('response', (responseHeaders) => {
    answered = true;
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(responseHeaders)) {
      if (name.startsWith(':') || HOP_BY_HOP.has(name) || value === undefined) continue;
      out[name] = typeof value === 'number' ? String(value) : value;
    }
    res.writeHead(responseHeaders[':status'] ?? 200, out);
    if (!(res instanceof http2.Http2ServerResponse)) res.flushHeaders();
  });
  upstream.on('trailers', (trailers) => {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(trailers as Record<string, unknown>)) if (typeof value === 'string') out[name] = value;
    res.addTrailers(out);
  });
  upstream.on('data', (chunk: Buffer) => {
    (res as http.ServerResponse).write(chunk);
  });
  upstream.on('end', () => res.end());
  upstream.on('error', (err: Error) => {
    if (!answered && !res.headersSent) failed(err);
    // A reset after the whole answer (the other end not reading the rest of the body) changes nothing.
    else if (!res.writableEnded) res.destroy();
  });
  // Cancellation both ways: the caller leaving cancels the other end's stream, and the reverse.
  res.once('close', () => {
    if (!upstream.closed) upstream.close(http2.constants.NGHTTP2_CANCEL);
  });
  // The other end may answer before reading the whole body (a message over its limit). Over HTTP/1.1 the
  // rest of the body is read and dropped, so the connection can carry the next request; past a bound the
  // connection is closed instead.
  res.once('finish', () => {
    if (req.complete || req instanceof http2.Http2ServerRequest) return;
    req.unpipe(upstream);
    let dropped = 0;
    req.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > MAX_DRAINED_BYTES) req.socket.destroy();
    });
    req.resume();
  });
  req.pipe(upstream);
}

export { rejectCall } from './reject.js';
