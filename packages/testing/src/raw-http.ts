/**
 * Raw sockets and HTTP/2 sessions for tests of what happens below the RPC layer: connections that send
 * nothing, trickle headers or never send a body, and requests whose bytes the test controls exactly.
 */
import http2 from 'node:http2';
import net from 'node:net';

export interface RawSocket {
  readonly socket: net.Socket;
  /** Everything the server sent so far. */
  received(): Buffer;
  /** Resolves when the server (or anything) closes the socket. */
  readonly closed: Promise<void>;
}

/** A TCP connection to the server, optionally from another loopback address (127.0.0.2, …). */
export function openSocket(port: number, localAddress?: string): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ port, host: '127.0.0.1', ...(localAddress !== undefined && { localAddress }) });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => Buffer.concat(chunks), closed }));
    socket.once('error', reject);
  });
}

/** Resolves with what the server sent once it has sent `until` (or closed the socket). */
export function receivedUntil(raw: RawSocket, until: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const check = () => {
      const text = raw.received().toString('latin1');
      if (until.test(text)) {
        raw.socket.off('data', check);
        resolve(text);
      }
    };
    raw.socket.on('data', check);
    void raw.closed.then(() => resolve(raw.received().toString('latin1')));
    check();
  });
}

/** An HTTP/2 cleartext session (prior knowledge), as the Python SDK and viam-server open one. */
export function openH2(url: string, localAddress?: string): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const session = http2.connect(url, {
      createConnection: () => net.connect({ host: hostname, port: Number(port), ...(localAddress !== undefined && { localAddress }) }),
    });
    session.once('remoteSettings', () => resolve(session));
    session.once('error', reject);
  });
}

/** Frames one gRPC message (uncompressed). */
export function grpcFrame(message: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

export interface H2Reply {
  readonly headers: http2.IncomingHttpHeaders;
  readonly trailers: http2.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One request on an HTTP/2 session; `body` undefined sends headers only and leaves the stream open. */
export function h2Request(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body: Buffer | undefined,
): { reply: Promise<H2Reply>; stream: http2.ClientHttp2Stream } {
  const stream = session.request(headers, { endStream: false });
  const reply = new Promise<H2Reply>((resolve, reject) => {
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h: http2.IncomingHttpHeaders) => (responseHeaders = h));
    stream.on('trailers', (t: http2.IncomingHttpHeaders) => (trailers = t));
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('close', () => resolve({ headers: responseHeaders, trailers, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
  });
  if (body !== undefined) stream.end(body);
  return { reply, stream };
}

/** The grpc-status of a reply, from its trailers or (trailers-only) its headers. */
export function grpcStatus(reply: H2Reply): number | undefined {
  const value = reply.trailers['grpc-status'] ?? reply.headers['grpc-status'];
  return value === undefined ? undefined : Number(value);
}
