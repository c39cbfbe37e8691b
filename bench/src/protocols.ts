/**
 * The three ways a client reaches Hangar on its one port, and the clients the benchmark calls through.
 * Hangar and its baseline get transports built by the same function, so both see byte-identical requests.
 */
import { createClient, type Client, type Interceptor, type Transport } from '@connectrpc/connect';
import {
  compressionBrotli,
  compressionGzip,
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from '@connectrpc/connect-node';
import { AppService, AuthService } from '@hangar/wire';

export const PROTOCOLS = ['connect', 'grpc-web', 'grpc'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** How the protocol is labelled in the table. */
export const PROTOCOL_LABEL: Record<Protocol, string> = {
  connect: 'Connect h1',
  'grpc-web': 'gRPC-web h1',
  grpc: 'gRPC h2c',
};

export interface TransportOptions {
  /** Accept gzip/br responses, as connect-node clients do by default. */
  readonly compression: boolean;
  /** Sent as `authorization: Bearer …` on every call. */
  readonly token?: string;
}

export function createTransport(protocol: Protocol, baseUrl: string, { compression, token }: TransportOptions): Transport {
  const interceptors: Interceptor[] = [];
  if (token !== undefined) {
    const authorization = `Bearer ${token}`;
    interceptors.push((next) => (req) => {
      req.header.set('authorization', authorization);
      return next(req);
    });
  }
  const common = { baseUrl, interceptors, acceptCompression: compression ? [compressionGzip, compressionBrotli] : [] };
  switch (protocol) {
    case 'connect':
      return createConnectTransport({ ...common, httpVersion: '1.1' });
    case 'grpc-web':
      return createGrpcWebTransport({ ...common, httpVersion: '1.1' });
    case 'grpc':
      return createGrpcTransport({ ...common, httpVersion: '2' });
  }
}

export type AppClient = Client<typeof AppService>;

export function createAppClient(transport: Transport): AppClient {
  return createClient(AppService, transport);
}

/** An access token for an API key, from proto.rpc.v1.AuthService/Authenticate. */
export async function authenticate(baseUrl: string, keyId: string, key: string): Promise<string> {
  const auth = createClient(AuthService, createTransport('connect', baseUrl, { compression: false }));
  const { accessToken } = await auth.authenticate({ entity: keyId, credentials: { type: 'api-key', payload: key } });
  return accessToken;
}
