/**
 * Raw Connect clients for AppService and AuthService over each protocol Hangar serves on its one port,
 * for tests that must control exactly what goes on the wire (headers, credential types, formats).
 */
import { createClient, type Interceptor, type Client, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { AppService, AuthService } from '@hangar/wire';

export interface WireProtocol {
  readonly name: string;
  transport(baseUrl: string, interceptors?: Interceptor[]): Transport;
}

export const WIRE_PROTOCOLS: readonly WireProtocol[] = [
  {
    name: 'gRPC (HTTP/2 prior knowledge, binary)',
    transport: (baseUrl, interceptors = []) => createGrpcTransport({ baseUrl, httpVersion: '2', interceptors }),
  },
  {
    name: 'gRPC-web (HTTP/1.1, binary)',
    transport: (baseUrl, interceptors = []) => createGrpcWebTransport({ baseUrl, httpVersion: '1.1', interceptors }),
  },
  {
    name: 'gRPC-web (HTTP/1.1, JSON)',
    transport: (baseUrl, interceptors = []) =>
      createGrpcWebTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: false, interceptors }),
  },
  {
    name: 'Connect (HTTP/1.1, binary)',
    transport: (baseUrl, interceptors = []) => createConnectTransport({ baseUrl, httpVersion: '1.1', interceptors }),
  },
  {
    name: 'Connect (HTTP/1.1, JSON)',
    transport: (baseUrl, interceptors = []) =>
      createConnectTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: false, interceptors }),
  },
  {
    name: 'Connect (HTTP/2 prior knowledge, JSON)',
    transport: (baseUrl, interceptors = []) => createConnectTransport({ baseUrl, httpVersion: '2', useBinaryFormat: false, interceptors }),
  },
];

/** Sends `authorization` exactly as given (a whole header value, e.g. `Bearer …`); undefined sends none. */
export function withAuthorization(value: string | undefined): Interceptor {
  return (next) => async (req) => {
    if (value !== undefined) req.header.set('authorization', value);
    return next(req);
  };
}

export interface RawClients {
  readonly auth: Client<typeof AuthService>;
  readonly app: Client<typeof AppService>;
}

/**
 * AuthService and AppService clients over one protocol (Connect JSON over HTTP/1.1 unless told),
 * sending `authorization: Bearer <token>` when a token is given.
 */
export function rawClients(baseUrl: string, token?: string, protocol: WireProtocol = connectJson()): RawClients {
  return rawClientsWithHeader(baseUrl, token === undefined ? undefined : `Bearer ${token}`, protocol);
}

/** As rawClients, with the whole authorization header value under the caller's control. */
export function rawClientsWithHeader(
  baseUrl: string,
  authorization: string | undefined,
  protocol: WireProtocol = connectJson(),
): RawClients {
  const transport = protocol.transport(baseUrl, [withAuthorization(authorization)]);
  return { auth: createClient(AuthService, transport), app: createClient(AppService, transport) };
}

function connectJson(): WireProtocol {
  const found = WIRE_PROTOCOLS.find((p) => p.name === 'Connect (HTTP/1.1, JSON)');
  if (found === undefined) throw new Error('Connect JSON protocol missing');
  return found;
}
