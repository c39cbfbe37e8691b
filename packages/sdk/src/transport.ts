import type { Interceptor, Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';

/** Hangar serves all three on one port; Connect over HTTP/1.1 is the default, as it passes every proxy. */
export type Protocol = 'connect' | 'grpc-web' | 'grpc';

export function createTransport(baseUrl: string, protocol: Protocol, interceptors: Interceptor[] = []): Transport {
  switch (protocol) {
    case 'connect':
      return createConnectTransport({ baseUrl, httpVersion: '1.1', interceptors });
    case 'grpc-web':
      return createGrpcWebTransport({ baseUrl, httpVersion: '1.1', interceptors });
    case 'grpc':
      return createGrpcTransport({ baseUrl, httpVersion: '2', interceptors });
  }
}
