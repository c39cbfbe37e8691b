/**
 * One port for gRPC (HTTP/2 with prior knowledge, as the Python and Go SDKs speak it), gRPC-web and
 * Connect (HTTP/1.1 or HTTP/2). Node's cleartext `http2.createServer({ allowHTTP1 })` cannot take h2c
 * and HTTP/1.1 on one port, so each connection is routed on its first bytes: the HTTP/2 client preface
 * starts with "PRI * HTTP/2.0"; no HTTP/1 request line does.
 *
 * It also decides how long a connection may take to become a request and how many one client may hold,
 * because Node's own HTTP timers only start on a server that listen()s itself, which these never do:
 * - a connection that sends nothing, or trickles its request line and headers, is closed after
 *   `headerTimeoutMs`; an HTTP/2 session that opens no stream in that time likewise;
 * - a request whose body has not fully arrived `requestTimeoutMs` after its headers is cut;
 * - a kept-alive HTTP/1.1 connection or an HTTP/2 session with nothing in flight closes after `idleTimeoutMs`;
 * - at most `maxConnectionsPerAddress` connections per client address and `maxConnections` in all;
 * - at most `maxConcurrentStreams` calls at once on one HTTP/2 session.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';

export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

/** An HTTP/1.1 `Upgrade` request (the machines' tunnel): the socket is the handler's from then on. */
export type UpgradeHandler = (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => void;

export interface ListenerLimits {
  readonly headerTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxConnectionsPerAddress: number;
  readonly maxConnections: number;
  readonly maxConcurrentStreams: number;
}

export interface Listener {
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts what is left. */
  close(graceMs: number): Promise<void>;
}

const PREFACE_START = Buffer.from('PRI ');

export function createListener(handler: RequestHandler, limits: ListenerLimits, upgrade?: UpgradeHandler): Listener {
  // HTTP/1.1 connections handed over by hand are not tracked by http.Server (it tracks only what it
  // accepted itself), so idle keep-alive connections are found here: a socket with no request in flight.
  const inFlight = new Map<net.Socket, number>();
  let closing = false;
  const h1 = http.createServer(
    {
      // Node counts its request timeout from the connection's first byte; ours starts once headers are in.
      headersTimeout: limits.headerTimeoutMs,
      requestTimeout: limits.headerTimeoutMs + limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headerTimeoutMs / 4))),
      keepAliveTimeout: limits.idleTimeoutMs,
    },
    (req, res) => {
      const socket = req.socket;
      inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
      // A call refused before its body was read (too large, say) leaves the rest of the body unread, and
      // the connection cannot carry another request until it is gone: read and discard it. Node's
      // requestTimeout still cuts a client that never stops sending.
      res.once('finish', () => {
        if (!req.complete) req.resume();
      });
      res.once('close', () => {
        const left = (inFlight.get(socket) ?? 1) - 1;
        inFlight.set(socket, left);
        if (closing && left === 0) socket.destroy();
      });
      if (closing) res.setHeader('connection', 'close');
      handler(req, res);
    },
  );
  h1.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    if (upgrade === undefined || closing) socket.destroy();
    else upgrade(req, socket, head);
  });
  // Starts Node's header and request timers (setupConnectionsTracking runs on 'listening').
  h1.emit('listening');

  const h2 = http2.createServer(
    { settings: { maxConcurrentStreams: limits.maxConcurrentStreams, initialWindowSize: STREAM_WINDOW_BYTES } },
    (req, res) => {
      if (isUpload(req)) uploadStream(req, res, limits.requestTimeoutMs);
      else bodyDeadline(req, limits.requestTimeoutMs);
      handler(req, res);
    },
  );
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const sessionSockets = new WeakSet<net.Socket>();
  h2.on('session', (session) => {
    sessions.add(session);
    sessionSockets.add(session.socket);
    session.once('close', () => sessions.delete(session));
    session.once('connect', () => session.setLocalWindowSize(SESSION_WINDOW_BYTES));
    watchSession(session, limits);
  });

  const perAddress = new Map<string, number>();
  const server = net.createServer({ noDelay: true }, (socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (perAddress.get(address) ?? 0) + 1;
    perAddress.set(address, count);
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      inFlight.delete(socket);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
    socket.once('error', () => socket.destroy());
    if (count > limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    // Unary calls are small writes; without this, Nagle plus delayed ACK holds each reply ~40 ms.
    socket.setNoDelay(true);
    const silent = setTimeout(() => socket.destroy(), limits.headerTimeoutMs);
    socket.once('close', () => clearTimeout(silent));
    socket.once('data', (first: Buffer) => {
      clearTimeout(silent);
      socket.pause();
      socket.unshift(first);
      const isHttp2 = first.subarray(0, PREFACE_START.length).equals(PREFACE_START);
      (isHttp2 ? h2 : h1).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  server.maxConnections = limits.maxConnections;

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
      // Stops Node's connection checker; the servers themselves never listened, so close reports that.
      h1.close(() => undefined);
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

/**
 * HTTP/2's default 64 KiB flow-control windows let a client send one 64 KiB frame's worth per round trip
 * through the server's event loop, which held a module upload to ~100 MB/s on loopback. Larger windows let
 * bytes flow while the server hashes and writes; what a client may have in flight unread stays bounded
 * (per stream, and per connection across its streams).
 */
const STREAM_WINDOW_BYTES = 2 * 1024 * 1024;
const SESSION_WINDOW_BYTES = 8 * 1024 * 1024;

/**
 * An HTTP/2 session must open its first stream within the header timeout, and is closed once it has had
 * no stream open and no traffic for the idle timeout. A quiet stream (a log tail waiting for entries)
 * keeps its session; PINGs count as traffic, so viam-server's 20 s keepalive keeps its connection.
 */
function watchSession(session: http2.ServerHttp2Session, limits: ListenerLimits): void {
  let open = 0;
  let seenStream = false;
  session.setTimeout(limits.headerTimeoutMs, () => {
    if (open > 0) return;
    if (seenStream) session.close();
    else session.destroy();
  });
  session.on('stream', (stream) => {
    if (!seenStream) {
      seenStream = true;
      session.setTimeout(limits.idleTimeoutMs);
    }
    open++;
    stream.once('close', () => open--);
  });
}

/**
 * Client streams that carry files (module uploads, packages, captured data) may take as long as the file
 * needs: what is cut is one that stalls, sending nothing for the request timeout.
 */
const UPLOAD_PATHS = [
  '/viam.app.v1.AppService/UploadModuleFile',
  '/viam.app.packages.v1.PackageService/CreatePackage',
  '/viam.app.datasync.v1.DataSyncService/DataCaptureUpload',
  '/viam.app.datasync.v1.DataSyncService/FileUpload',
  '/viam.app.datasync.v1.DataSyncService/StreamingDataCaptureUpload',
];
const isUpload = (req: http2.Http2ServerRequest): boolean => req.method === 'POST' && UPLOAD_PATHS.includes(req.url);

/**
 * connect-es splits a request into messages by appending each chunk to what it holds (a copy of all of
 * it), which costs O(n²) in the size of a message: 16 KiB HTTP/2 frames made a 32 MiB message (as the
 * Python SDK sends a module) take 40 s. Handing it the body in pieces of about 1 MiB makes that 64 times
 * fewer copies; the body still streams, one piece at a time.
 */
const UPLOAD_PIECE_BYTES = 1024 * 1024;

function coalesced(source: AsyncIterator<unknown>): AsyncIterableIterator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  let ended = false;
  const take = (): Buffer => {
    const piece = Buffer.concat(pending, size);
    pending = [];
    size = 0;
    return piece;
  };
  const iterator: AsyncIterableIterator<Buffer> = {
    async next(): Promise<IteratorResult<Buffer>> {
      while (!ended && size < UPLOAD_PIECE_BYTES) {
        const r = await source.next();
        if (r.done === true) ended = true;
        else {
          const chunk = r.value as Buffer;
          pending.push(chunk);
          size += chunk.length;
        }
      }
      if (size > 0) return { done: false, value: take() };
      return { done: true, value: undefined };
    },
    async return(): Promise<IteratorResult<Buffer>> {
      await source.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

function uploadStream(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, idleMs: number): void {
  const iterate = req.iterator.bind(req);
  req.iterator = (options) => coalesced(iterate(options)) as ReturnType<typeof req.iterator>;
  // Progress is read off the connection, not the request: a 'data' listener here would switch the body to
  // flowing mode and lose what arrives before the RPC layer reads it.
  const socket = req.stream.session?.socket;
  let seen = socket?.bytesRead ?? 0;
  const timer = setInterval(() => {
    const now = socket?.bytesRead ?? 0;
    if (now === seen) req.stream.close(http2.constants.NGHTTP2_CANCEL);
    seen = now;
  }, idleMs);
  const clear = () => clearInterval(timer);
  req.once('end', clear);
  req.stream.once('close', clear);
  res.once('finish', clear);
}

/** Cuts an HTTP/2 request whose body does not arrive in time; HTTP/1.1 has Node's requestTimeout for it. */
function bodyDeadline(req: http2.Http2ServerRequest, ms: number): void {
  if (req.readableEnded) return;
  const timer = setTimeout(() => req.stream.close(http2.constants.NGHTTP2_CANCEL), ms);
  const clear = () => clearTimeout(timer);
  req.once('end', clear);
  req.stream.once('close', clear);
}
