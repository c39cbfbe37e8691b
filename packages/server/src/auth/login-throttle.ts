/**
 * Back-off for password sign-ins. Failures are counted per account (the email tried) and per client
 * address; past a threshold each further try must wait 1 s, then 2 s, 4 s … up to a ceiling, whether its
 * password is right or not. A success clears the account's count. Memory is bounded: the least recently
 * failed entries are forgotten first, and entries quiet for longer than the ceiling expire.
 *
 * Counts live in the process: with several replicas an attacker gets each replica's allowance, which the
 * exponential wait still keeps to a handful of guesses per hour per replica.
 */
import { resourceExhausted } from '@hangar/domain';

export interface LoginThrottleOptions {
  readonly failuresPerAccount: number;
  readonly failuresPerAddress: number;
  readonly backoffMaxSeconds: number;
  readonly now: () => Date;
  /** Entries kept per kind (accounts, addresses). */
  readonly maxEntries?: number;
}

interface Failures {
  count: number;
  lastAt: number;
  blockedUntil: number;
}

const DEFAULT_MAX_ENTRIES = 100_000;

export function createLoginThrottle({
  failuresPerAccount,
  failuresPerAddress,
  backoffMaxSeconds,
  now,
  maxEntries = DEFAULT_MAX_ENTRIES,
}: LoginThrottleOptions) {
  const accounts = failureLog(failuresPerAccount, backoffMaxSeconds, maxEntries);
  const addresses = failureLog(failuresPerAddress, backoffMaxSeconds, maxEntries);

  return {
    /** Throws RESOURCE_EXHAUSTED (with retry-after) when the account or the address must wait. */
    check(account: string, address: string): void {
      const at = now().getTime();
      const accountWait = accounts.waitMs(account, at);
      if (accountWait > 0) {
        const seconds = Math.ceil(accountWait / 1000);
        throw resourceExhausted(`too many failed sign-ins for this account; retry in ${seconds} s`, seconds);
      }
      const addressWait = addresses.waitMs(address, at);
      if (addressWait > 0) {
        const seconds = Math.ceil(addressWait / 1000);
        throw resourceExhausted(`too many failed sign-ins from this address; retry in ${seconds} s`, seconds);
      }
    },
    failed(account: string, address: string): void {
      const at = now().getTime();
      accounts.fail(account, at);
      addresses.fail(address, at);
    },
    succeeded(account: string): void {
      accounts.forget(account);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

function failureLog(threshold: number, backoffMaxSeconds: number, maxEntries: number) {
  const entries = new Map<string, Failures>();
  const maxMs = backoffMaxSeconds * 1000;
  const live = (key: string, at: number): Failures | undefined => {
    const entry = entries.get(key);
    // A key that has been quiet for longer than the longest wait starts over.
    if (entry !== undefined && at - entry.lastAt > 2 * maxMs) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    waitMs(key: string, at: number): number {
      const entry = live(key, at);
      return entry === undefined ? 0 : Math.max(0, entry.blockedUntil - at);
    },
    fail(key: string, at: number): void {
      const entry = live(key, at) ?? { count: 0, lastAt: at, blockedUntil: 0 };
      entry.count++;
      entry.lastAt = at;
      if (entry.count >= threshold) entry.blockedUntil = at + Math.min(maxMs, 1000 * 2 ** Math.min(30, entry.count - threshold));
      // Re-inserting keeps the Map in order of last failure, so the first key is the one to forget.
      entries.delete(key);
      entries.set(key, entry);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value ?? '');
    },
    forget(key: string): void {
      entries.delete(key);
    },
  };
}
