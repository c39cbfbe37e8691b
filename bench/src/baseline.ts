/**
 * The baseline every unary figure is divided by: a bare connect-node adapter whose handlers return
 * constants, served the way Hangar serves (packages/server/src/http/listener.ts): one port, each TCP
 * connection routed on its first bytes, the HTTP/2 preface ("PRI ") to an h2c server and anything else to
 * an HTTP/1.1 server, with Nagle off. What is left between the two is Hangar's own work per call.
 */
import type { ServiceImpl } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { AppService } from '@hangar/wire';
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { createServer } from 'node:net';

export interface BaselineServer {
  readonly url: string;
  close(): Promise<void>;
}

const PREFACE_START = Buffer.from('PRI ');

/** Serves `impl` (handlers returning canned messages) on 127.0.0.1, port 0, for all three protocols. */
export async function startBaseline(impl: Partial<ServiceImpl<typeof AppService>>): Promise<BaselineServer> {
  // Same adapter options as Hangar's (packages/server/src/app.ts), so only the handlers differ.
  const rpc = connectNodeAdapter({ readMaxBytes: 32 * 1024 * 1024, routes: (router) => router.service(AppService, impl) });
  const h1 = http.createServer(rpc);
  h1.keepAliveTimeout = 65_000;
  const h2 = http2.createServer({}, rpc);
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const server = createServer({ noDelay: true }, (socket) => {
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
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address === 'object' && address !== null) resolve(address.port);
      else reject(new Error('baseline server has no port'));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
