/**
 * The baseline every unary figure is divided by: a bare connect-node adapter whose handlers return
 * constants, served by Hangar's own one-port listener (each TCP connection routed on its first bytes to an
 * h2c or an HTTP/1.1 server, Nagle off). What is left between the two is Hangar's own work per call.
 */
import type { ConnectRouter, ServiceImpl } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { createListener, DEFAULT_LIMITS } from '@hangar/server';
import { AppService } from '@hangar/wire';

export interface BaselineServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `impl` (handlers returning canned messages) on 127.0.0.1, port 0, for all three protocols. */
export async function startBaseline(impl: Partial<ServiceImpl<typeof AppService>>): Promise<BaselineServer> {
  return startBaselineRoutes((router) => router.service(AppService, impl));
}

/** The same for any service: `routes` registers canned handlers. */
export async function startBaselineRoutes(routes: (router: ConnectRouter) => void): Promise<BaselineServer> {
  // Same adapter options as Hangar's (packages/server/src/app.ts), so only the handlers differ.
  const rpc = connectNodeAdapter({ readMaxBytes: DEFAULT_LIMITS.maxRequestBytes, routes });
  const listener = createListener(rpc, DEFAULT_LIMITS);
  const port = await listener.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, close: () => listener.close(0) };
}
