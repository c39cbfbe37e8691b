/**
 * The agent's one outbound connection for remote access: `GET /machines/tunnel` upgraded to
 * `hangar-tunnel/1`, over which the server is the HTTP/2 client and the agent serves the calls relayed to
 * it. Reopened with back-off whenever it drops; pings find a dead link within ~30 s from either end.
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type net from 'node:net';
import { keepAlive } from '@hangar/server/h2-keepalive';
import { backoffMs, sleep } from './backoff.js';

export interface TunnelOptions {
  readonly appAddress: string;
  /** The machine's current token, and a way to get a new one when it is refused. */
  readonly token: () => string;
  readonly renewToken: () => Promise<unknown>;
  readonly handler: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;
  readonly note: (level: 'info' | 'warn', message: string) => void;
}

const PING_INTERVAL_MS = 10_000;
const PING_TIMEOUT_MS = 20_000;

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function open({ appAddress, token }: TunnelOptions, signal: AbortSignal): Promise<net.Socket> {
  const url = new URL('/machines/tunnel', appAddress);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, {
      method: 'GET',
      headers: { connection: 'Upgrade', upgrade: 'hangar-tunnel/1', authorization: `Bearer ${token()}` },
      signal,
    });
    request.setTimeout(15_000, () => request.destroy(new Error('the server did not answer the tunnel request')));
    request.once('upgrade', (_res, socket, head) => {
      request.setTimeout(0);
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    request.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => {
        reject(new Refused(res.statusCode ?? 0, `${res.statusCode ?? '?'} ${body.trim()}`));
      });
    });
    // `on`, not `once`: an abort after the upgrade still emits an error, and an unheard one would crash the agent.
    request.on('error', reject);
    request.end();
  });
}

/** Serves relayed calls over the socket until it closes. */
function serve(socket: net.Socket, handler: TunnelOptions['handler']): Promise<void> {
  const server = http2.createServer(handler);
  return new Promise((resolve) => {
    server.once('session', (session) => keepAlive(session, { intervalMs: PING_INTERVAL_MS, timeoutMs: PING_TIMEOUT_MS }));
    socket.once('close', () => resolve());
    socket.setNoDelay(true);
    server.emit('connection', socket);
  });
}

/** Keeps the tunnel open until `signal` aborts. */
export async function keepTunnel(options: TunnelOptions, signal: AbortSignal): Promise<void> {
  // A function, not the property: after the loop's test TypeScript would take it as false for good.
  const stopped = () => signal.aborted;
  let attempt = 0;
  let up: boolean | undefined;
  while (!signal.aborted) {
    try {
      const socket = await open(options, signal);
      // The stop may have come while the upgrade was on its way: an abort listener added now would never
      // fire, and the open socket would keep the agent from exiting.
      if (stopped()) {
        socket.destroy();
        return;
      }
      const onAbort = () => socket.destroy();
      signal.addEventListener('abort', onAbort, { once: true });
      if (up !== true) options.note('info', 'remote access tunnel open');
      up = true;
      attempt = 0;
      await serve(socket, options.handler);
      signal.removeEventListener('abort', onAbort);
      if (stopped()) return;
      options.note('warn', 'remote access tunnel closed; reopening');
      up = false;
    } catch (err) {
      if (stopped()) return;
      if (err instanceof Refused && err.status === 401) await options.renewToken().catch(() => undefined);
      if (up !== false) options.note('warn', `cannot open the remote access tunnel: ${(err as Error).message}; retrying with back-off`);
      up = false;
    }
    await sleep(backoffMs(attempt++), signal);
  }
}
