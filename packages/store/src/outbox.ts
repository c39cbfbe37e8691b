/**
 * Mail waiting to be sent. Any server with SMTP configured drains it: a message is leased before it is
 * sent, so two replicas never send the same one at once, and a lease that outlives a crashed sender ends.
 */
import type { Executor } from './rows.js';

export interface OutboxMessage {
  readonly id: string;
  readonly recipient: string;
  readonly subject: string;
  readonly bodySealed: string;
  readonly attempts: number;
  readonly createdAt: string;
}

export async function enqueue(db: Executor, message: Omit<OutboxMessage, 'attempts'>): Promise<void> {
  await db
    .insertInto('outbox')
    .values({
      id: message.id,
      recipient: message.recipient,
      subject: message.subject,
      body_sealed: message.bodySealed,
      created_at: message.createdAt,
      next_attempt_at: message.createdAt,
      attempts: 0,
    })
    .execute();
}

/** Leases up to `limit` messages that are due and not leased by anyone else, until `leaseUntil`. */
export async function claimDue(db: Executor, now: string, leaseUntil: string, limit: number): Promise<OutboxMessage[]> {
  const candidates = await db
    .selectFrom('outbox')
    .select(['id', 'recipient', 'subject', 'body_sealed', 'attempts', 'created_at'])
    .where('sent_at', 'is', null)
    .where('failed_at', 'is', null)
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
  const claimed: OutboxMessage[] = [];
  for (const c of candidates) {
    const result = await db
      .updateTable('outbox')
      .set({ lease_until: leaseUntil })
      .where('id', '=', c.id)
      .where('sent_at', 'is', null)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) {
      claimed.push({
        id: c.id,
        recipient: c.recipient,
        subject: c.subject,
        bodySealed: c.body_sealed,
        attempts: c.attempts,
        createdAt: c.created_at,
      });
    }
  }
  return claimed;
}

/** Sent: the body (which may carry a link with a token) is dropped, the record kept. */
export async function markSent(db: Executor, id: string, at: string): Promise<void> {
  await db.updateTable('outbox').set({ sent_at: at, lease_until: null, body_sealed: '' }).where('id', '=', id).execute();
}

export async function markRetry(db: Executor, id: string, attempts: number, nextAttemptAt: string, error: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ attempts, next_attempt_at: nextAttemptAt, lease_until: null, last_error: error })
    .where('id', '=', id)
    .execute();
}

export async function markFailed(db: Executor, id: string, attempts: number, at: string, error: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ attempts, failed_at: at, lease_until: null, last_error: error, body_sealed: '' })
    .where('id', '=', id)
    .execute();
}

/** Messages not yet sent nor given up on (for metrics and tests). */
export async function countPending(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('sent_at', 'is', null)
    .where('failed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
