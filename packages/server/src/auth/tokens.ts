/**
 * Access tokens: compact JWTs (HS256) signed with a key stored in the database, so every replica can
 * verify what any replica issued. A token says who the caller is; what it may do is read from the
 * database on every call, so revoking a key or changing a role takes effect at once.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IdentityType } from '@hangar/domain';

export interface TokenClaims {
  /** User or API key id. */
  readonly sub: string;
  readonly typ: IdentityType;
  /** API keys: the key generation the token was minted under; a rotation invalidates older tokens. */
  readonly gen: number;
  readonly iat: number;
  readonly exp: number;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

export function signToken(claims: TokenClaims, key: Buffer): string {
  const payload = Buffer.from(JSON.stringify({ iss: 'hangar', ...claims })).toString('base64url');
  const signature = createHmac('sha256', key).update(`${HEADER}.${payload}`).digest('base64url');
  return `${HEADER}.${payload}.${signature}`;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'expired' };

export function verifyToken(token: string, key: Buffer, nowSeconds: number): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [header, payload, signature] = parts as [string, string, string];
  const expected = createHmac('sha256', key).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'malformed' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!isClaims(claims)) return { ok: false, reason: 'malformed' };
  if (claims.exp <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

function isClaims(value: unknown): value is TokenClaims {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.sub === 'string' &&
    (c.typ === 'user' || c.typ === 'api-key') &&
    typeof c.gen === 'number' &&
    typeof c.iat === 'number' &&
    typeof c.exp === 'number'
  );
}
