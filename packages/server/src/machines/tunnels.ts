/**
 * The machines' tunnels. A machine (hangar agent) opens one outbound connection — `GET /machines/tunnel`
 * with `Upgrade: hangar-tunnel/1` and its own token, which any HTTP/1.1 reverse proxy passes through as it
 * does WebSockets — and the server speaks HTTP/2 over it as the client: every relayed call is a stream the
 * server opens to the machine. The newest tunnel of a part wins; pings find a dead link within ~30 s.
 */
import { keepAlive } from '../http/h2-keepalive.js';
import http2 from 'node:http2';
import type net from 'node:net';
import type { Logger } from '../log.js';

export const TUNNEL_PATH = '/machines/tunnel';
export const TUNNEL_PROTOCOL = 'hangar-tunnel/1';

export interface TunnelOptions {
  readonly log: Logger;
  /** A live tunnel counts as the part being heard from. */
  readonly onAlive: (partId: string) => void;
  readonly pingIntervalMs?: number;
  readonly pingTimeoutMs?: number;
}

export function createTunnels({ log, onAlive, pingIntervalMs = 10_000, pingTimeoutMs = 20_000 }: TunnelOptions) {
  const sessions = new Map<string, http2.ClientHttp2Session>();

  function watch(partId: string, session: http2.ClientHttp2Session): void {
    keepAlive(session, {
      intervalMs: pingIntervalMs,
      timeoutMs: pingTimeoutMs,
      onDead: () => log.info({ partId }, 'a machine tunnel stopped answering pings; closing it'),
      onAnswer: () => onAlive(partId),
    });
    session.once('close', () => {
      if (sessions.get(partId) === session) sessions.delete(partId);
      log.debug({ partId }, 'machine tunnel closed');
    });
    session.on('error', (err) => {
      log.debug({ err, partId }, 'machine tunnel failed');
    });
  }

  return {
    /** Takes over an upgraded socket as the part's tunnel, replacing the one it had. */
    accept(partId: string, socket: net.Socket, head: Buffer): void {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${TUNNEL_PROTOCOL}\r\n\r\n`);
      if (head.length > 0) socket.unshift(head);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, pingIntervalMs);
      const session = http2.connect('http://machine.invalid', { createConnection: () => socket });
      const previous = sessions.get(partId);
      sessions.set(partId, session);
      previous?.close();
      watch(partId, session);
      onAlive(partId);
      log.debug({ partId }, 'machine tunnel open');
    },

    /** The part's tunnel, if it is connected. */
    get(partId: string): http2.ClientHttp2Session | undefined {
      const session = sessions.get(partId);
      return session === undefined || session.destroyed || session.closed ? undefined : session;
    },

    connected: (): number => sessions.size,

    close(): void {
      for (const session of sessions.values()) session.destroy();
      sessions.clear();
    },
  };
}

export type Tunnels = ReturnType<typeof createTunnels>;
