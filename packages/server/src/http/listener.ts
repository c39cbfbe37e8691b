/**
 * One port for gRPC (HTTP/2 with prior knowledge, as the Python and Go SDKs speak it), gRPC-web and
 * Connect (HTTP/1.1 or HTTP/2). Node's cleartext `http2.createServer({ allowHTTP1 })` cannot take h2c
 * and HTTP/1.1 on one port, so each connection is routed on its first bytes: the HTTP/2 client preface
 * starts with "PRI * HTTP/2.0"; no HTTP/1 request line does.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';

export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface Listener {
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts what is left. */
  close(graceMs: number): Promise<void>;
}

const PREFACE_START = Buffer.from('PRI ');

export function createListener(handler: RequestHandler): Listener {
  // HTTP/1.1 connections handed over by hand are not tracked by http.Server (it tracks only what it
  // accepted itself), so idle keep-alive connections are found here: a socket with no request in flight.
  const inFlight = new Map<net.Socket, number>();
  let closing = false;
  const h1 = http.createServer((req, res) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (closing && left === 0) socket.destroy();
    });
    if (closing) res.setHeader('connection', 'close');
    handler(req, res);
  });
  h1.keepAliveTimeout = 65_000;
  const h2 = http2.createServer({}, handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const sessionSockets = new WeakSet<net.Socket>();
  h2.on('session', (session) => {
    sessions.add(session);
    sessionSockets.add(session.socket);
    session.once('close', () => sessions.delete(session));
  });

  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      inFlight.delete(socket);
    });
    // Unary calls are small writes; without this, Nagle plus delayed ACK holds each reply ~40 ms.
    socket.setNoDelay(true);
    socket.once('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      const isHttp2 = first.subarray(0, PREFACE_START.length).equals(PREFACE_START);
      (isHttp2 ? h2 : h1).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });

  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address !== null ? address.port : port);
        });
      });
    },
    async close(graceMs) {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // HTTP/2: GOAWAY, then the session ends when its open streams do.
      for (const session of sessions) session.close();
      // HTTP/1.1: idle connections now; busy ones when their request finishes (see above).
      for (const socket of sockets) {
        if (!sessionSockets.has(socket) && (inFlight.get(socket) ?? 0) === 0) socket.destroy();
      }
      const deadline = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      deadline.unref();
      await closed;
      clearTimeout(deadline);
    },
  };
}
