/**
 * A real SMTP server for tests (the smtp-server package): it accepts mail for anyone, requires the
 * credentials it was started with, and keeps every message parsed, so tests read what Hangar sent.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface TestMailServer {
  /** `smtp://user:pass@127.0.0.1:<port>`, for --smtp-url. */
  readonly url: string;
  readonly received: ParsedMail[];
  /** Resolves with the first message to `to` (waiting for it if need be). */
  messageTo(to: string, timeoutMs?: number): Promise<ParsedMail>;
  /** Refuse the next `n` messages with a temporary error (the sender should retry). */
  failNext(n: number): void;
  close(): Promise<void>;
}

export async function startMailServer(user = 'hangar', pass = 'mail-secret'): Promise<TestMailServer> {
  const received: ParsedMail[] = [];
  const waiting: (() => void)[] = [];
  let failures = 0;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === pass) callback(null, { user });
      else callback(new Error('invalid credentials'));
    },
    onData(stream, _session, callback) {
      if (failures > 0) {
        failures--;
        stream.resume();
        stream.on('end', () => {
          const err = Object.assign(new Error('try again later'), { responseCode: 451 });
          callback(err);
        });
        return;
      }
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          for (const wake of waiting.splice(0)) wake();
          callback();
        },
        (err: unknown) => {
          callback(err as Error);
        },
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  const recipients = (m: ParsedMail): string[] => [m.to ?? []].flat().flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
  return {
    url: `smtp://${user}:${pass}@127.0.0.1:${port}`,
    received,
    async messageTo(to, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find((m) => recipients(m).includes(to.toLowerCase()));
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${timeoutMs} ms (got ${received.length} others)`);
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    failNext(n) {
      failures = n;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
