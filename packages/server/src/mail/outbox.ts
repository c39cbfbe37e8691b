/**
 * The outbox: mail is queued in the database in the same transaction as what it announces (an invitation),
 * and sent afterwards by a drainer in every server that has SMTP configured. A message is leased before it
 * is sent, retried with exponential back-off (1 min, 2, 4 … up to 1 h) when the SMTP server refuses, and
 * given up after MAX_ATTEMPTS. Bodies are sealed: they carry invite links.
 */
import { outbox, type Database, type Executor } from '@hangar/store';
import { SECRET_CONTEXT, type SecretBox } from '../crypto/secret-box.js';
import type { Logger } from '../log.js';
import type { Mail, Mailer } from './mailer.js';

const MAX_ATTEMPTS = 10;
const FIRST_RETRY_MS = 60_000;
const MAX_RETRY_MS = 60 * 60_000;
const LEASE_MS = 2 * 60_000;
const POLL_MS = 5_000;
const BATCH = 20;

export async function queueMail(tx: Executor, box: SecretBox, id: string, mail: Mail, at: string): Promise<void> {
  await outbox.enqueue(tx, {
    id,
    recipient: mail.to,
    subject: mail.subject,
    bodySealed: box.seal(mail.text, SECRET_CONTEXT.outboxBody(id)),
    createdAt: at,
  });
}

export interface OutboxDrainerDeps {
  readonly db: Database;
  readonly box: SecretBox;
  readonly mailer: Mailer;
  readonly now: () => Date;
  readonly log: Logger;
}

export interface OutboxDrainer {
  /** Sends what is due now, instead of at the next poll (after a message is queued). */
  wake(): void;
  stop(): Promise<void>;
}

export function startOutboxDrainer({ db, box, mailer, now, log }: OutboxDrainerDeps): OutboxDrainer {
  // An object, not a let: the drain loop reads it after awaits, where a stop may have happened meanwhile.
  const state = { stopped: false };
  let running: Promise<void> | undefined;
  let again = false;

  async function drain(): Promise<void> {
    for (;;) {
      const at = now();
      const due = await outbox.claimDue(db, at.toISOString(), new Date(at.getTime() + LEASE_MS).toISOString(), BATCH);
      if (due.length === 0 || state.stopped) return;
      // A stop waits for the batch in hand (at most BATCH short SMTP exchanges).
      for (const message of due) await deliver(message);
    }
  }

  async function deliver(message: outbox.OutboxMessage): Promise<void> {
    const attempts = message.attempts + 1;
    try {
      const text = box.reveal(message.bodySealed, SECRET_CONTEXT.outboxBody(message.id));
      await mailer.send({ to: message.recipient, subject: message.subject, text });
      await outbox.markSent(db, message.id, now().toISOString());
      log.info({ outbox: message.id, to: message.recipient, attempts }, 'mail sent');
    } catch (err) {
      // The SMTP server's answer says why; it carries no secret of ours (the body is not in it).
      const reason = err instanceof Error ? err.message.slice(0, 500) : String(err);
      if (attempts >= MAX_ATTEMPTS) {
        await outbox.markFailed(db, message.id, attempts, now().toISOString(), reason);
        log.error({ outbox: message.id, to: message.recipient, attempts, reason }, 'mail given up');
        return;
      }
      const wait = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempts - 1));
      await outbox.markRetry(db, message.id, attempts, new Date(now().getTime() + wait).toISOString(), reason);
      log.warn({ outbox: message.id, to: message.recipient, attempts, retryInMs: wait, reason }, 'mail not sent, will retry');
    }
  }

  function kick(): void {
    if (state.stopped) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = drain()
      .catch((err: unknown) => {
        log.error({ err }, 'outbox drain failed');
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  const timer = setInterval(kick, POLL_MS);
  timer.unref();
  kick();
  return {
    wake: kick,
    async stop() {
      state.stopped = true;
      clearInterval(timer);
      await running;
      mailer.close();
    },
  };
}
