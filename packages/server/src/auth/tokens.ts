/**
 * Access tokens: compact JWTs (HS256). Each names the signing key it was made with (`kid`); the keys are
 * derived from the server's secret key, so every replica sharing that key verifies what any replica issued
 * and a copy of the database signs nothing. A token says who the caller is; what it may do is read from
 * the database on every call, so revoking a key or changing a role takes effect at once.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ActorKind } from '@hangar/domain';

export interface TokenClaims {
  /** User, API key or machine part id. */
  readonly sub: string;
  readonly typ: ActorKind;
  /**
   * Machines: the secret the token was issued for (`part:<id>` or `location:<id>`); deleting that secret
   * revokes the token.
   */
  readonly cred?: string;
  /** The identity's token generation when minted; bumping it (rotation, log out everywhere) revokes the token. */
  readonly gen: number;
  readonly iat: number;
  readonly exp: number;
}

export interface SigningKey {
  readonly id: string;
  readonly key: Buffer;
}

export function signToken(claims: TokenClaims, signingKey: SigningKey): string {
  const header = encode({ alg: 'HS256', typ: 'JWT', kid: signingKey.id });
  const payload = encode({ iss: 'hangar', ...claims });
  return `${header}.${payload}.${mac(signingKey.key, `${header}.${payload}`).toString('base64url')}`;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'expired' };

/** What verifying needs before the signature: the key the token names, if it is well formed. */
export function tokenKeyId(token: string): string | undefined {
  const parts = canonicalParts(token);
  if (parts === undefined) return undefined;
  const header = parseJson(parts[0]);
  if (header?.alg !== 'HS256' || header.typ !== 'JWT' || typeof header.kid !== 'string') return undefined;
  return header.kid;
}

export function verifyToken(token: string, key: Buffer | undefined, nowSeconds: number): TokenCheck {
  const parts = canonicalParts(token);
  if (parts === undefined || key === undefined) return { ok: false, reason: 'malformed' };
  const [header, payload, signature] = parts;
  const expected = mac(key, `${header}.${payload}`);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'malformed' };
  const claims = parseJson(payload);
  if (!isClaims(claims)) return { ok: false, reason: 'malformed' };
  if (claims.exp <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
// A JWT of ours is a few hundred bytes; anything much longer is not one.
const MAX_TOKEN_LENGTH = 4096;

/**
 * Three base64url segments, each in its one canonical spelling: a segment whose unused trailing bits are
 * set decodes to the same bytes, and accepting it would let one token be written many ways.
 */
function canonicalParts(token: string): [string, string, string] | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  for (const part of parts) {
    if (!SEGMENT.test(part) || Buffer.from(part, 'base64url').toString('base64url') !== part) return undefined;
  }
  return parts as [string, string, string];
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function mac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function parseJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isClaims(value: unknown): value is TokenClaims {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.sub === 'string' &&
    (c.typ === 'user' || c.typ === 'api-key' || c.typ === 'machine') &&
    (c.cred === undefined || typeof c.cred === 'string') &&
    (c.typ === 'machine') === (c.cred !== undefined) &&
    typeof c.gen === 'number' &&
    typeof c.iat === 'number' &&
    typeof c.exp === 'number'
  );
}
