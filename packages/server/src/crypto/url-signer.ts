/**
 * Signed, expiring links: an HMAC over what the link names and when it expires, so whoever holds the
 * link may fetch that one thing until then, and nothing else. Registry downloads and data's signed URLs
 * use it, each with a key of its own.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UrlSigner {
  /** `expires=…&signature=…` for the subject, valid for `ttlSeconds`. */
  query(subject: string, ttlSeconds: number): { query: string; expiresAt: Date };
  /** Whether the link's expires and signature are valid, and unexpired, for the subject. */
  verify(subject: string, expires: string | null, signature: string | null): boolean;
}

export function createUrlSigner(key: Buffer, now: () => Date): UrlSigner {
  const sign = (subject: string, expires: string) => createHmac('sha256', key).update(`${subject}\n${expires}`).digest('base64url');
  return {
    query(subject, ttlSeconds) {
      const expiresSeconds = Math.floor(now().getTime() / 1000) + ttlSeconds;
      const expires = String(expiresSeconds);
      return { query: `expires=${expires}&signature=${sign(subject, expires)}`, expiresAt: new Date(expiresSeconds * 1000) };
    },
    verify(subject, expires, signature) {
      if (expires === null || signature === null || !/^\d{1,12}$/.test(expires)) return false;
      if (Number(expires) * 1000 < now().getTime()) return false;
      const expected = Buffer.from(sign(subject, expires));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}
