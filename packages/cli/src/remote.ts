/**
 * What `robots part run` and `robots part shell` share: which part a command addresses, a transport whose
 * calls the server relays to that part's agent (the `rpc-host` header), and what a failed relayed call
 * tells the user.
 */
import { Code, ConnectError, type Interceptor, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import type { AppClient } from '@hangar/sdk';
import type { StoredSession } from './config-store.js';
import { CliError } from './errors.js';
import { machineInput, partInput, resolveMachine, resolveMachinePart } from './machines.js';

/** The part named by --part / --part-id, else the main part of the machine named by --robot. */
export async function targetPartId(client: AppClient, opts: Record<string, unknown>): Promise<string> {
  if (opts.part !== undefined || opts.partId !== undefined) return (await resolveMachinePart(client, partInput(opts))).part.id;
  const machine = await resolveMachine(client, machineInput(opts));
  const parts = await client.getRobotParts(machine.robot.id);
  const main = parts.find((p) => p.mainPart) ?? parts[0];
  if (main === undefined) throw new CliError(`machine ${machine.robot.id} has no parts`);
  return main.id;
}

/**
 * Calls through the server to the part's agent. Unary calls go over Connect on HTTP/1.1 (through any
 * proxy); bidirectional streams need gRPC on HTTP/2.
 */
export function relayTransport(session: StoredSession, partId: string, kind: 'unary' | 'bidi'): Transport {
  const addressed: Interceptor = (next) => (req) => {
    req.header.set('authorization', `Bearer ${session.accessToken}`);
    req.header.set('rpc-host', partId);
    return next(req);
  };
  const interceptors = [addressed];
  return kind === 'unary'
    ? createConnectTransport({ baseUrl: session.server, httpVersion: '1.1', interceptors })
    : createGrpcTransport({ baseUrl: session.server, httpVersion: '2', interceptors });
}

/** A relayed call's failure as a CLI error: the gRPC code for --json, what to do next for people. */
export function remoteCallError(err: unknown, what: string, partId: string): CliError {
  const e = ConnectError.from(err);
  return new CliError(`${what} on part ${partId}: ${e.rawMessage}`, {
    code: Code[e.code].replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase(),
    hint:
      e.code === Code.Unavailable
        ? 'start hangar agent on the machine (hangar robots part setup writes its config), then try again'
        : e.code === Code.Unimplemented
          ? 'the machine does not serve this method'
          : e.code === Code.PermissionDenied
            ? 'ask an owner of the machine for the access this needs'
            : undefined,
  });
}
