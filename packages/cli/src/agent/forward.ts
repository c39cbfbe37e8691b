/**
 * `hangar agent --forward URL`: remote calls the agent does not serve itself go to a local viam-server, over
 * one HTTP/2 connection to its plaintext local port (h2c; TLS for https URLs), reopened when it drops.
 */
import http2 from 'node:http2';
import { proxyCall, protocolHeaders, rejectCall, type ProxiedRequest, type ProxiedResponse } from '@hangar/server/h2-proxy';

const UNAVAILABLE = 14;

export function createForwarder(target: string, note: (level: 'info' | 'warn', message: string) => void) {
  let session: http2.ClientHttp2Session | undefined;
  let reported = false;
  const connect = () => {
    if (session !== undefined && !session.closed && !session.destroyed) return session;
    const opened = http2.connect(target);
    opened.on('connect', () => {
      if (reported) note('info', `reaching the local viam-server at ${target} again`);
      reported = false;
    });
    opened.on('error', (err: Error) => {
      if (!reported) note('warn', `cannot reach the local viam-server at ${target}: ${err.message}`);
      reported = true;
    });
    opened.on('close', () => {
      if (session === opened) session = undefined;
    });
    // Idle between calls: the connection must not keep the agent alive on its own.
    opened.unref();
    session = opened;
    return opened;
  };
  return {
    handle(req: ProxiedRequest, res: ProxiedResponse): void {
      // The caller's identity goes on; the protocol headers are all viam-server needs.
      const caller = req.headers['hangar-caller'];
      proxyCall(
        req,
        res,
        connect(),
        protocolHeaders(req, req.url ?? '/', typeof caller === 'string' ? { 'hangar-caller': caller } : {}),
        (err) => rejectCall(req, res, UNAVAILABLE, `the machine's local viam-server at ${target} is not answering (${err.message})`),
      );
    },
    close(): void {
      session?.close();
    },
  };
}
