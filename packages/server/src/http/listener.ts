/**
 * One port for gRPC (HTTP/2 with prior knowledge, as the Python and Go SDKs speak it), gRPC-web and
 * Connect (HTTP/1.1 or HTTP/2). Node's cleartext `http2.createServer({ allowHTTP1 })` cannot take h2c
 * and HTTP/1.1 on one port, so each connection is routed on its first bytes: the HTTP/2 client preface
 * starts with "PRI * HTTP/2.0"; no HTTP/1 request line does.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';

export type RequestHandler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;

export interface Listener {
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts what is left. */
  close(graceMs: number): Promise<void>;
}

const PREFACE_START = Buffer.from('PRI ');

export function createListener(handler: RequestHandler): Listener {
  const h1 = http.createServer(handler as (req: http.IncomingMessage, res: http.ServerResponse) => void);
  // Unary calls are small writes; without this, Nagle plus delayed ACK holds each reply ~40 ms.
  h1.keepAliveTimeout = 65_000;
  const h2 = http2.createServer({}, handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });

  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
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
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      h1.closeIdleConnections();
      const deadline = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      deadline.unref();
      // Idle keep-alive connections would hold server.close() open; poll them shut as requests finish.
      const sweeper = setInterval(() => h1.closeIdleConnections(), 50);
      sweeper.unref();
      await closed;
      clearTimeout(deadline);
      clearInterval(sweeper);
    },
  };
}
