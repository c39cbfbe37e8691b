import { invalid, isUuid, unauthenticated, type Actor, type IdentityType } from '@hangar/domain';
import { apiKeys, authorizations, users, type Executor } from '@hangar/store';
import { randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from './passwords.js';
import { secretMatches } from './secrets.js';
import { signToken, verifyToken } from './tokens.js';

export interface AuthDeps {
  readonly db: Executor;
  readonly now: () => Date;
  readonly signingKey: Buffer;
  readonly tokenTtlSeconds: number;
}

export const CREDENTIAL_TYPES = ['api-key', 'password'] as const;

const LOG_IN_AGAIN = 'log in again (hangar login, or Authenticate with your API key)';

export function createAuthService({ db, now, signingKey, tokenTtlSeconds }: AuthDeps) {
  const unknownUserHash = hashPassword(randomBytes(16).toString('hex'));
  const nowSeconds = (): number => Math.floor(now().getTime() / 1000);

  function mint(typ: IdentityType, sub: string, gen: number): string {
    const iat = nowSeconds();
    return signToken({ sub, typ, gen, iat, exp: iat + tokenTtlSeconds }, signingKey);
  }

  // One message for every wrong credential, so a caller cannot tell a wrong secret from an unknown key.
  const rejected = () => unauthenticated('invalid credentials: check the key id and secret (or email and password)');

  return {
    /** proto.rpc.v1.AuthService/Authenticate: credentials in, a 24-hour access token out. */
    async authenticate(entity: string, type: string, payload: string): Promise<string> {
      if (entity === '') throw invalid('entity is required: the API key id, or the email of a user');
      if (payload === '') throw invalid('credentials.payload is required');
      switch (type) {
        case 'api-key': {
          if (!isUuid(entity)) throw rejected();
          const key = await apiKeys.findApiKeySecret(db, entity);
          if (key === undefined || !secretMatches(payload, key.secretHash)) throw rejected();
          return mint('api-key', entity, key.generation);
        }
        case 'password': {
          const found = await users.findPasswordHash(db, entity.trim().toLowerCase());
          // An unknown email costs the same scrypt run as a known one, so timing does not tell which exist.
          const matches = await verifyPassword(payload, found?.passwordHash ?? (await unknownUserHash));
          if (found === undefined || !matches) throw rejected();
          await users.touchLastLogin(db, found.id, now().toISOString());
          return mint('user', found.id, 0);
        }
        default:
          throw invalid(
            `credentials.type must be one of ${CREDENTIAL_TYPES.map((t) => JSON.stringify(t)).join(', ')}, got ${JSON.stringify(type)}`,
          );
      }
    },

    /** The caller of an RPC, from its `authorization: Bearer …` header, with its current grants. */
    async actorFromHeader(header: string | null): Promise<Actor> {
      if (header === null || header === '') {
        throw unauthenticated(
          'missing credentials: call proto.rpc.v1.AuthService/Authenticate and send "authorization: Bearer <access token>"',
        );
      }
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (match?.[1] === undefined) throw unauthenticated('malformed authorization header: expected "Bearer <access token>"');
      const check = verifyToken(match[1], signingKey, nowSeconds());
      if (!check.ok) {
        throw unauthenticated(
          check.reason === 'expired' ? `access token expired: ${LOG_IN_AGAIN}` : `invalid access token: ${LOG_IN_AGAIN}`,
        );
      }
      const { sub, typ, gen } = check.claims;
      if (typ === 'api-key') {
        const key = await apiKeys.findApiKeyWithGrants(db, sub);
        if (key === undefined) throw unauthenticated(`the API key of this token was deleted: ${LOG_IN_AGAIN}`);
        if (key.generation !== gen) throw unauthenticated(`the API key of this token was rotated: ${LOG_IN_AGAIN} using the new secret`);
        return { kind: typ, id: sub, label: key.name, grants: key.grants };
      }
      const user = await users.findUser(db, sub);
      if (user === undefined) throw unauthenticated(`the user of this token no longer exists: ${LOG_IN_AGAIN}`);
      return { kind: typ, id: sub, label: user.email, grants: await authorizations.listGrants(db, sub) };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
