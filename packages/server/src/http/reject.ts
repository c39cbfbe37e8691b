/**
 * Refuses an RPC before its body is read, in the wire format of the protocol the client speaks (gRPC,
 * gRPC-web or Connect), then closes what carries it so the unread body is never processed: the HTTP/1.1
 * connection, or just the HTTP/2 stream. Used for calls without a valid token, so an anonymous client
 * cannot make the server buffer and decode large bodies.
 */
import type http from 'node:http';
import http2 from 'node:http2';

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

const GRPC_UNAUTHENTICATED = 16;

export function rejectUnauthenticated(req: Request, res: Response, message: string): void {
  rejectCall(req, res, GRPC_UNAUTHENTICATED, message);
}

/** Connect's names and HTTP statuses for the codes answered here. */
const CONNECT_CODES: Readonly<Record<number, readonly [string, number]>> = {
  3: ['invalid_argument', 400],
  5: ['not_found', 404],
  6: ['already_exists', 409],
  8: ['resource_exhausted', 429],
  9: ['failed_precondition', 400],
  7: ['permission_denied', 403],
  12: ['unimplemented', 501],
  14: ['unavailable', 503],
  16: ['unauthenticated', 401],
};

/** Answers a call with an error status (a gRPC code) before its body is read, in the client's protocol. */
export function rejectCall(req: Request, res: Response, grpcCode: number, message: string): void {
  const [connectCode, httpStatus] = CONNECT_CODES[grpcCode] ?? ['unknown', 500];
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/grpc-web')) {
    // gRPC-web: a trailers-only reply carries the status in the headers.
    send(
      req,
      res,
      200,
      {
        'content-type': type.split(';')[0] ?? type,
        'grpc-status': String(grpcCode),
        'grpc-message': encodeURIComponent(message),
      },
      undefined,
    );
  } else if (type.startsWith('application/grpc')) {
    send(
      req,
      res,
      200,
      { 'content-type': 'application/grpc', 'grpc-status': String(grpcCode), 'grpc-message': encodeURIComponent(message) },
      undefined,
    );
  } else if (type.startsWith('application/connect+')) {
    // Connect streaming: an end-of-stream envelope (flag 0b10) with the error as JSON.
    const json = Buffer.from(JSON.stringify({ error: { code: connectCode, message } }));
    const envelope = Buffer.alloc(5);
    envelope.writeUInt8(0b10, 0);
    envelope.writeUInt32BE(json.length, 1);
    send(req, res, 200, { 'content-type': type.split(';')[0] ?? type }, Buffer.concat([envelope, json]));
  } else {
    // Connect unary (and anything else): the code's HTTP status with the error as JSON.
    send(req, res, httpStatus, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ code: connectCode, message })));
  }
}

function send(req: Request, res: Response, status: number, headers: Record<string, string>, body: Buffer | undefined): void {
  if (req instanceof http2.Http2ServerRequest) {
    const stream = req.stream;
    // Headers already set on the response (CORS) go out too.
    const all = { ...(res as http2.Http2ServerResponse).getHeaders(), ':status': status, ...headers };
    if (body === undefined) {
      // Trailers-only: one HEADERS frame that ends the stream.
      stream.respond(all, { endStream: true });
    } else {
      stream.respond({ ...all, 'content-length': String(body.length) });
      stream.end(body);
    }
    // The client may still be sending; NO_ERROR tells it to stop without failing the call.
    stream.once('finish', () => stream.close(http2.constants.NGHTTP2_NO_ERROR));
    return;
  }
  const h1 = res as http.ServerResponse;
  const socket = req.socket;
  h1.shouldKeepAlive = false;
  h1.writeHead(status, { ...headers, connection: 'close', 'content-length': String(body?.length ?? 0) });
  // Discard whatever of the body still arrives rather than reset the connection under the client (a reset
  // can destroy the reply before the client reads it); give up on a client that keeps sending.
  req.resume();
  h1.end(body, () => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
}

const LINGER_MS = 1000;
