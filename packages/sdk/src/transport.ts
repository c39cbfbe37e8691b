import type { Interceptor, Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';

/** Hangar serves all three on one port; Connect over HTTP/1.1 is the default, as it passes every proxy. */
export type Protocol = 'connect' | 'grpc-web' | 'grpc';

export interface TransportOptions {
  /**
   * Whether to accept compressed responses (gzip, brotli; the default). Off for payloads that are files
   * and bulk readings: images are compressed already, and compressing megabytes costs the server more
   * than it saves on a local network.
   */
  readonly acceptCompression?: boolean;
}

export function createTransport(
  baseUrl: string,
  protocol: Protocol,
  interceptors: Interceptor[] = [],
  options: TransportOptions = {},
): Transport {
  const compression = options.acceptCompression === false ? { acceptCompression: [] } : {};
  switch (protocol) {
    case 'connect':
      return createConnectTransport({ baseUrl, httpVersion: '1.1', interceptors, ...compression });
    case 'grpc-web':
      return createGrpcWebTransport({ baseUrl, httpVersion: '1.1', interceptors, ...compression });
    case 'grpc':
      return createGrpcTransport({ baseUrl, httpVersion: '2', interceptors, ...compression });
  }
}
