/**
 * Calls addressed to a machine part — by the path prefix `/machines/<part id>/` (what the official TS SDK's
 * direct dial can be pointed at) or by the header `rpc-host: <part id | fqdn>` — are authorized here and
 * relayed through the part's tunnel: gRPC, gRPC-web and Connect alike, unary and streaming, as bytes.
 *
 * Under the prefix the server answers AuthService itself (the SDK authenticates at the same base URL) and
 * WebRTC signaling at once with UNIMPLEMENTED, so a client falls back to the direct path without waiting.
 * Operating a machine needs `robot.operate` on it, its shell owner rights (`robot.write`). The caller's
 * identity goes to the machine in `hangar-caller`; its credentials never do.
 */
import { isDomainError, notFound } from '@hangar/domain';
import { parts, type Database } from '@hangar/store';
import type { AuthService } from '../auth/auth.service.js';
import type { MachineCredentials } from '../auth/machine-credentials.js';
import { proxyCall, protocolHeaders, type ProxiedRequest, type ProxiedResponse } from '../http/h2-proxy.js';
import { rejectCall } from '../http/reject.js';
import type { Logger } from '../log.js';
import type { Access } from '../rpc/access.js';
import { codeOf } from '../rpc/errors.js';
import type { Tunnels } from './tunnels.js';

type Request = ProxiedRequest;
type Response = ProxiedResponse;

const PREFIX = /^\/machines\/([^/]+)(\/.*)$/;
const SHELL_SERVICE = '/viam.service.shell.v1.ShellService/';
const SIGNALING = '/proto.rpc.webrtc.v1.SignalingService/';
export const AUTH_SERVICE_PATH = '/proto.rpc.v1.AuthService/';
export const CALLER_HEADER = 'hangar-caller';

const GRPC = { notFound: 5, permissionDenied: 7, unimplemented: 12, unavailable: 14, unauthenticated: 16 } as const;

export interface RelayDeps {
  readonly db: Database;
  readonly tunnels: Tunnels;
  readonly auth: AuthService;
  readonly access: Access;
  readonly machines: MachineCredentials;
  readonly log: Logger;
}

export function createRelay({ db, tunnels, auth, access, machines, log }: RelayDeps) {
  /** The part and the method path a request addresses, if it addresses one. */
  function targetOf(req: Request): { part: string; path: string } | undefined {
    const url = req.url ?? '';
    const match = PREFIX.exec(url);
    if (match?.[1] !== undefined && match[2] !== undefined) return { part: decodeURIComponent(match[1]), path: match[2] };
    const host = req.headers['rpc-host'];
    const value = Array.isArray(host) ? host[0] : host;
    if (value !== undefined && value !== '' && req.method === 'POST') return { part: value, path: url };
    return undefined;
  }

  async function relay(req: Request, res: Response, partRef: string, path: string): Promise<void> {
    const actor = await auth.actorOf(undefined, req.headers.authorization ?? null);
    const partId = (await machines.partIdOf(partRef)) ?? partRef;
    const action = path.startsWith(SHELL_SERVICE) ? 'robot.write' : 'robot.operate';
    await access.authorize(actor, [{ action, target: { part: partId } }]);
    const session = tunnels.get(partId);
    if (session === undefined) {
      const part = await parts.findPart(db, partId);
      if (part === undefined) throw notFound('machine part', partId);
      const seen = part.lastAccess === null ? 'never seen' : `last seen ${part.lastAccess}`;
      rejectCall(req, res, GRPC.unavailable, `machine part ${partId} is offline (${seen}); start hangar agent on it and try again`);
      return;
    }
    proxyCall(req, res, session, protocolHeaders(req, path, { [CALLER_HEADER]: `${actor.kind}:${actor.id}` }), (err) => {
      log.debug({ err, partId, path }, 'relayed call failed');
      rejectCall(req, res, GRPC.unavailable, `machine part ${partId} went away during the call; retry`);
    });
  }

  /**
   * Handles the request if it addresses a machine and returns true; returns false for the server's own
   * calls (AuthService among them, rewritten to the server's own path when it came under the prefix).
   */
  return (req: Request, res: Response): boolean => {
    const target = targetOf(req);
    if (target === undefined) return false;
    // However a call addresses a machine, signing in is the server's business: credentials never reach it.
    if (target.path.startsWith(AUTH_SERVICE_PATH)) {
      req.url = target.path;
      return false;
    }
    if (target.path.startsWith(SIGNALING)) {
      rejectCall(req, res, GRPC.unimplemented, 'this server does no WebRTC signaling: dial the machine directly through it');
      return true;
    }
    relay(req, res, target.part, target.path).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const code = isDomainError(err) ? codeOf(err.kind) : GRPC.unavailable;
      const message = isDomainError(err) ? err.message : 'the call could not be relayed to the machine; retry';
      if (!isDomainError(err)) log.error({ err }, 'relaying a call failed');
      rejectCall(req, res, code, message);
    });
    return true;
  };
}
