/** `GET /machines/tunnel` with `Upgrade: hangar-tunnel/1`: only a machine part's own token opens its tunnel. */
import type { AuthService } from '../auth/auth.service.js';
import type { UpgradeHandler } from '../http/listener.js';
import type { Logger } from '../log.js';
import { TUNNEL_PATH, TUNNEL_PROTOCOL, type Tunnels } from './tunnels.js';

function refuse(socket: Parameters<UpgradeHandler>[1], status: string, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export function tunnelAcceptor(auth: AuthService, tunnels: Tunnels, log: Logger): UpgradeHandler {
  return (req, socket, head) => {
    if (req.url !== TUNNEL_PATH || req.headers.upgrade?.toLowerCase() !== TUNNEL_PROTOCOL) {
      refuse(socket, '404 Not Found', `the only upgrade this server takes is ${TUNNEL_PROTOCOL} at ${TUNNEL_PATH}`);
      return;
    }
    auth.actorOf(undefined, req.headers.authorization ?? null).then(
      (actor) => {
        if (actor.kind !== 'machine') {
          refuse(
            socket,
            '403 Forbidden',
            "a tunnel is opened with a machine part's own credential (robot-secret or robot-location-secret)",
          );
          return;
        }
        tunnels.accept(actor.id, socket, head);
      },
      (err: unknown) => {
        log.debug({ err }, 'refused a machine tunnel');
        refuse(socket, '401 Unauthorized', err instanceof Error ? err.message : 'authenticate first');
      },
    );
  };
}
