import { createHash, timingSafeEqual } from 'node:crypto';
import { randomString } from './passwords.js';

/** API key secrets: 32 characters from a 62-letter alphabet (~190 bits), the shape of Viam's keys. */
export function generateKeySecret(): string {
  return randomString(32);
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
