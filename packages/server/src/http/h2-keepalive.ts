/**
 * Pings an HTTP/2 session every `intervalMs` and destroys it when an answer takes longer than `timeoutMs`
 * (or a ping cannot be sent): both ends of a machine tunnel find a dead link this way within ~30 s, where
 * TCP alone could take many minutes.
 */
import type http2 from 'node:http2';

export interface KeepAliveOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Before a silent session is destroyed. */
  readonly onDead?: () => void;
  /** After each answered ping. */
  readonly onAnswer?: () => void;
}

export function keepAlive(session: http2.Http2Session, { intervalMs, timeoutMs, onDead, onAnswer }: KeepAliveOptions): void {
  let waiting: NodeJS.Timeout | undefined;
  const pinger = setInterval(() => {
    if (waiting !== undefined) return;
    waiting = setTimeout(() => {
      onDead?.();
      session.destroy();
    }, timeoutMs);
    const sent = session.ping((err) => {
      clearTimeout(waiting);
      waiting = undefined;
      if (err === null) onAnswer?.();
    });
    if (!sent) session.destroy();
  }, intervalMs);
  pinger.unref();
  session.once('close', () => {
    clearInterval(pinger);
    clearTimeout(waiting);
  });
}
